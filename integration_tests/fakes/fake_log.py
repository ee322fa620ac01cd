"""The fake cloud's request log, which tests read through the control API.

Entries never hold credentials: an Authorization header is logged as its
scheme only ("Bearer <redacted>"), and token-endpoint bodies (which carry
client secrets) are never logged. Webhook requests keep all their headers,
with secret-bearing ones replaced by "<redacted sha256=HEX>" so that a test
can check which secret was sent without the log holding it. Not
thread-safe: callers hold the World lock.
"""

import base64
import collections
import hashlib

from fake_common import iso_time

SELECTED_HEADERS = ("client-request-id", "prefer", "content-type",
                    "user-agent", "accept", "x-request-id")
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie",
                  "x-api-key", "api-key")
MAX_LOGGED_BODY = 64 * 1024


def redact_authorization(value):
    scheme = value.strip().split(" ")[0] if value.strip() else ""
    return ("%s <redacted>" % scheme).strip()


def logged_headers(req, all_headers):
    out = {}
    for name, value in req.headers.items():
        lowered = name.lower()
        if lowered == "authorization":
            out[lowered] = redact_authorization(value)
            if all_headers:
                out["authorization-sha256"] = hashlib.sha256(
                    value.encode("utf-8")).hexdigest()
        elif lowered in SECRET_HEADERS:
            if all_headers:
                out[lowered] = "<redacted sha256=%s>" % hashlib.sha256(
                    value.encode("utf-8")).hexdigest()
        elif all_headers or lowered in SELECTED_HEADERS:
            out[lowered] = value
    return out


def logged_body(body):
    if not body:
        return {}
    data = body[:MAX_LOGGED_BODY]
    out = {"body_bytes": len(body)}
    try:
        out["body"] = data.decode("utf-8")
    except UnicodeDecodeError:
        out["body_base64"] = base64.b64encode(data).decode("ascii")
    if len(body) > MAX_LOGGED_BODY:
        out["body_truncated"] = True
    return out


class RequestLog:
    def __init__(self, limit=50000):
        self.entries = collections.deque(maxlen=limit)
        self.seq = 0
        self.dropped = 0

    def add(self, service, req, reply, fault, started, duration_ms,
            log_body):
        self.seq += 1
        if len(self.entries) == self.entries.maxlen:
            self.dropped += 1
        entry = {
            "seq": self.seq,
            "time": iso_time(started, millis=True),
            "service": service,
            "method": req.method,
            "path": req.raw_path,
            "query": req.query_string,
            "query_params": dict(req.query),
            "status": 0 if reply.drop else reply.status,
            "dropped_connection": reply.drop,
            "fault": fault.id if fault is not None else None,
            "duration_ms": round(duration_ms, 3),
            "has_authorization": req.headers.get("Authorization") is not None,
            "headers": logged_headers(req, all_headers=service == "webhook"),
            "response_headers": {
                k.lower(): v for k, v in reply.headers
                if k.lower() in ("request-id", "client-request-id",
                                 "retry-after", "preference-applied",
                                 "content-type")},
        }
        entry.update(req.log_extra)
        if log_body:
            entry.update(logged_body(req.body))
        self.entries.append(entry)
        return entry

    def query(self, service=None, since=0, method=None, path_contains=None):
        out = []
        for entry in self.entries:
            if entry["seq"] <= since:
                continue
            if service and entry["service"] != service:
                continue
            if method and entry["method"] != method.upper():
                continue
            if path_contains and path_contains not in entry["path"]:
                continue
            out.append(entry)
        return out

    def clear(self):
        n = len(self.entries)
        self.entries.clear()
        return n
