#!/usr/bin/env python3
"""Faithful fakes of the cloud APIs Riposte acts on, in one loopback process.

    python3 fake_cloud.py --port 0 --ready-file PATH [--delay-ms N]

binds 127.0.0.1 only and, once listening, writes {"port": N, "pid": P} to
PATH (atomically: a temporary file renamed into place). One port serves:

  /login/{tenant}/oauth2/v2.0/token    Entra ID client-credentials tokens
                                       (login_base_url = .../login)
  /graph/v1.0/...                      Microsoft Graph users and mail
                                       (graph_base_url = .../graph/v1.0)
  /gateway/oauth/token, /gateway/api/  Mimecast-style mail gateway
                                       (gateway base_url = .../gateway)
  /webhook/{name}                      generic webhook receiver
  /_fake/...                           control API for tests (no auth)

See fake_control.py for the control API, fake_faults.py for fault
injection. All state sits behind one lock; a global response delay (for
benchmarks) and fault delays are served outside it. Only the Python
standard library is used.
"""

import argparse
import json
import os
import signal
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The sibling modules are imported from the source tree (through runfiles
# symlinks): leave no __pycache__ behind in it.
sys.dont_write_bytecode = True

from fake_auth import AuthService
from fake_common import MAX_BODY_BYTES, Reply, Request, json_reply
from fake_control import Control
from fake_directory import Directory
from fake_faults import FaultTable
from fake_gateway import GatewayService
from fake_graph import GraphService
from fake_log import RequestLog
from fake_webhook import Webhooks

# First path segment -> service name used by faults and the request log.
SERVICES = {"login": "login", "graph": "graph", "gateway": "gateway",
            "webhook": "webhook", "_fake": "control"}


class World:
    """Everything the fake remembers. Guarded by `lock`."""

    def __init__(self, delay_ms):
        self.lock = threading.Lock()
        self.initial_delay_ms = delay_ms
        self.control = Control(self)
        self.reset()

    def reset(self):
        self.auth = AuthService()
        self.directory = Directory()
        self.graph = GraphService(self.auth, self.directory)
        self.gateway = GatewayService(self.auth, self.directory)
        self.webhooks = Webhooks()
        self.faults = FaultTable()
        self.log = RequestLog()
        self.delay_ms = self.initial_delay_ms

    def serve(self, service, req):
        if service == "graph":
            return self.graph.handle(req)
        if service == "gateway":
            return self.gateway.handle(req)
        if service == "login":
            return self.auth.handle_login(req)
        return self.webhooks.handle(req)

    def fault_reply(self, service, req, fault):
        if fault.drop:
            reply = Reply(0)
            reply.drop = True
            return reply
        headers = fault.retry_after_headers()
        if service == "graph":
            return self.graph.fault_reply(req, fault, headers)
        if service == "gateway":
            return self.gateway.fault_reply(req, fault, headers)
        if service == "login":
            return self.auth.login_fault(fault.status, headers)
        return json_reply(fault.status, {"error": fault.code or "injected",
                                         "message": fault.message or ""},
                          headers=headers)


def _internal_error(message):
    return json_reply(500, {"error": {"code": "InternalServerError",
                                      "message": message}})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    server_version = "FakeCloud/1.0"
    # Idle keep-alive connections are closed after this many seconds.
    timeout = 120

    def do_GET(self):
        self._handle()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("fake_cloud: %s\n" % (fmt % args))

    def _read_body(self):
        """Returns (body, has_length, early_reply)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    return b"", True, self._too_bad("Malformed chunk size.")
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n",
                                                             b""):
                        pass
                    return b"".join(chunks), True, None
                total += size
                if total > MAX_BODY_BYTES:
                    return b"", True, self._too_large()
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = self.headers.get("Content-Length")
        if length is None:
            return b"", False, None
        try:
            n = int(length)
            if n < 0:
                raise ValueError(length)
        except ValueError:
            return b"", True, self._too_bad("Invalid Content-Length.")
        if n > MAX_BODY_BYTES:
            return b"", True, self._too_large()
        return self.rfile.read(n), True, None

    def _too_large(self):
        self.close_connection = True
        return json_reply(413, {"error": {
            "code": "RequestEntityTooLarge",
            "message": "The request body exceeds %d bytes." % MAX_BODY_BYTES}})

    def _too_bad(self, message):
        self.close_connection = True
        return json_reply(400, {"error": {"code": "BadRequest",
                                          "message": message}})

    def _handle(self):
        world = self.server.world
        started = time.time()
        body, has_length, early = self._read_body()
        if early is not None:
            self._send(early)
            return
        host = self.headers.get("Host") or "127.0.0.1:%d" % (
            self.server.server_address[1])
        req = Request(self.command, self.path, self.headers, body,
                      has_length, host)
        first = req.all_segments[0] if req.all_segments else ""
        service = SERVICES.get(first)
        if service is None:
            self._send(json_reply(404, {"error": {
                "code": "NotFound",
                "message": "Unknown service prefix '/%s'. Use /login, "
                           "/graph, /gateway, /webhook or /_fake." % first}}))
            return
        if service == "control":
            with world.lock:
                try:
                    reply = world.control.handle(req)
                except Exception:  # noqa: BLE001 - the fake must not die
                    traceback.print_exc()
                    reply = _internal_error("control request failed")
            self._send(reply)
            return
        with world.lock:
            fault = world.faults.match(service, req.method, req.raw_path,
                                       req.path)
            delay_ms = world.delay_ms + (fault.delay_ms if fault else 0)
        if delay_ms:
            time.sleep(delay_ms / 1000.0)
        with world.lock:
            try:
                if fault is not None and (fault.status or fault.drop):
                    reply = world.fault_reply(service, req, fault)
                else:
                    reply = world.serve(service, req)
            except Exception:  # noqa: BLE001 - the fake must not die
                traceback.print_exc()
                reply = _internal_error("the fake failed; see its stderr")
            token_endpoint = (service == "login" or
                              "oauth" in req.segments[:2])
            world.log.add(service, req, reply, fault, started,
                          (time.time() - started) * 1000.0,
                          log_body=not token_endpoint)
        if fault is not None and fault.delay_after_ms:
            # Served, but the answer is late: a client that dies or gives
            # up meanwhile never learns that the request was carried out.
            time.sleep(fault.delay_after_ms / 1000.0)
        self._send(reply)

    def _send(self, reply):
        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        bodiless = reply.status in (204, 304) or reply.status < 200
        if not bodiless:
            self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        # Headers and body leave in one write: two small writes would meet
        # Nagle's algorithm and the client's delayed ACK, adding ~40 ms to
        # every answer, which no real service does.
        self._headers_buffer.append(b"\r\n")
        if not bodiless and self.command != "HEAD":
            body = reply.body
            if isinstance(body, str):
                body = body.encode("utf-8")
            self._headers_buffer.append(body)
        self.flush_headers()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def handle_error(self, request, client_address):
        # A client that goes away mid-request is not the fake's problem.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout)):
            return
        super().handle_error(request, client_address)


def write_ready_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump({"port": port, "pid": os.getpid()}, f)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def watch_parent(parent_pid):
    def watch():
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--verbose", action="store_true",
                        help="log every request line to stderr")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="exit when the process that started this one "
                             "goes away (so a killed test leaves no fake)")
    args = parser.parse_args(argv)
    if args.delay_ms < 0:
        parser.error("--delay-ms must not be negative")

    server = Server(("127.0.0.1", args.port), Handler)
    server.world = World(args.delay_ms)
    server.verbose = args.verbose

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    if args.exit_with_parent:
        watch_parent(os.getppid())
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    write_ready_file(args.ready_file, server.server_address[1])
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
