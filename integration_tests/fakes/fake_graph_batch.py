"""JSON batching for the fake Graph: POST /graph/v1.0/$batch.

As Graph documents it: the body is {"requests": [{"id", "method", "url",
"headers", "body", "dependsOn"}]} with at most 20 requests, each url
relative to the version root ("/users/..."); every request is served as if
sent alone with the batch's Authorization, and the answer is 200 with
{"responses": [{"id", "status", "headers", "body"}]} in any order (this
fake answers in reverse order, so clients must match by id). A JSON body
stays JSON; any other body is base64, as Graph encodes it.

Each sub-request counts against the mailbox limits (fake_graph_limits.py)
and can be 429 on its own; fault rules (fake_faults.py) that match a
sub-request's method and path give that sub-request the fault's status.
Each sub-request is also written to the request log, with "batch" naming
the batch's request-id. Not thread-safe: callers hold the World lock.
"""

import base64
import email.message
import json
import time

from fake_common import Request
from fake_graph_base import GraphError, dumps

MAX_REQUESTS = 20


def _bad(message):
    return GraphError(400, "BadRequest", message)


class _Entry:
    def __init__(self, spec):
        self.spec = spec
        self.id = spec.get("id")
        self.req = None
        self.error = None
        self.key = None
        self.fault = None
        self.reply = None


class GraphBatch:
    def __init__(self, service):
        self.service = service
        self.envelope = None

    def serve(self, call):
        service = self.service
        req = call.req
        self.envelope = req
        if req.method != "POST":
            raise call.method_not_allowed()
        service.authenticate(call)
        body = call.json_object()
        specs = body.get("requests")
        if not isinstance(specs, list) or not specs:
            raise _bad("Invalid batch payload format.")
        if len(specs) > MAX_REQUESTS:
            raise _bad("Number of batch request steps exceeds the maximum "
                       "of %d." % MAX_REQUESTS)
        entries, seen = [], set()
        for spec in specs:
            if not isinstance(spec, dict):
                raise _bad("Invalid batch payload format.")
            entry = _Entry(spec)
            if not isinstance(entry.id, str) or not entry.id:
                raise _bad("Batch request id is required.")
            if entry.id in seen:
                raise _bad("Batch request ids must be unique: '%s'."
                           % entry.id)
            seen.add(entry.id)
            self._prepare(req, entry)
            entries.append(entry)
        limits = service.limits
        limits.batches += 1
        limits.batched_requests += len(entries)

        started = time.time()
        admitted = []
        try:
            for entry in entries:
                if entry.error is not None:
                    continue
                if service.faults is not None:
                    entry.fault = service.faults.match(
                        "graph", entry.req.method, entry.req.raw_path,
                        entry.req.path)
                    if entry.fault is not None and entry.fault.status:
                        continue
                    entry.fault = None
                entry.key = service.mail_key(entry.req)
                if entry.key is None:
                    continue
                try:
                    limits.admit(entry.key)
                    admitted.append(entry.key)
                except GraphError as e:
                    entry.error = e
            if admitted:
                # The sub-requests run at the same time.
                limits.serve_time()
            by_id = {}
            for entry in entries:
                entry.reply = self._answer(entry, by_id)
                by_id[entry.id] = entry.reply.status
                if service.log is not None and entry.req is not None:
                    entry.req.log_extra["batch"] = call.request_id
                    service.log.add("graph", entry.req, entry.reply,
                                    entry.fault, started,
                                    (time.time() - started) * 1000.0,
                                    log_body=True)
        finally:
            for key in admitted:
                limits.release(key)
        responses = [self._render(e) for e in reversed(entries)]
        return service.json(200, {"responses": responses})

    def _prepare(self, envelope, entry):
        spec = entry.spec
        method = spec.get("method")
        url = spec.get("url")
        if not isinstance(method, str) or not method:
            entry.error = _bad("Batch request method is required.")
            return
        if not isinstance(url, str) or not url:
            entry.error = _bad("Batch request url is required.")
            return
        if "://" in url or url.lower().startswith(("/v1.0", "v1.0")):
            entry.error = _bad("The url of a batch request must be relative "
                               "to the version root, e.g. /users/{id}.")
            return
        if url.lstrip("/").startswith("$batch"):
            entry.error = _bad("A batch cannot contain another batch.")
            return
        headers = email.message.Message()
        given = spec.get("headers") or {}
        if not isinstance(given, dict):
            entry.error = _bad("Batch request headers must be an object.")
            return
        for name, value in given.items():
            headers[name] = str(value)
        if envelope.header("Authorization"):
            headers["Authorization"] = envelope.header("Authorization")
        data = b""
        if "body" in spec:
            if not headers.get("Content-Type"):
                entry.error = _bad("Write request id : %s does not contain "
                                   "Content-Type header or body." % entry.id)
                return
            value = spec["body"]
            data = (value.encode("utf-8") if isinstance(value, str)
                    else dumps(value).encode("utf-8"))
        target = "/graph/v1.0" + ("" if url.startswith("/") else "/") + url
        entry.req = Request(method.upper(), target, headers, data, True,
                            envelope.host)

    def _answer(self, entry, statuses):
        service = self.service
        for dep in entry.spec.get("dependsOn") or []:
            status = statuses.get(dep)
            if status is None or not 200 <= status < 300:
                return service.error_for(
                    entry.req or self.envelope, GraphError(424, "FailedDependency",
                                          "Request %s failed." % dep))
        if entry.error is not None:
            return service.error_for(entry.req or self.envelope, entry.error)
        if entry.fault is not None:
            return service.fault_reply(entry.req, entry.fault,
                                       entry.fault.retry_after_headers())
        return service.serve_one(entry.req)

    @staticmethod
    def _render(entry):
        reply = entry.reply
        out = {"id": entry.id, "status": reply.status,
               "headers": {k: v for k, v in reply.headers}}
        if reply.body:
            content_type = (reply.header("Content-Type") or "").lower()
            if content_type.startswith("application/json"):
                out["body"] = json.loads(reply.body.decode("utf-8"))
            else:
                out["body"] = base64.b64encode(reply.body).decode("ascii")
        return out
