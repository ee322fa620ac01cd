"""Generic webhook receiver under /webhook/{name}.

Records every request (method, path, query, headers with secrets redacted,
body) and answers with the status configured for that name (default 200
{"ok": true}). A configuration with "count" applies to that many requests,
then the default answer returns; "drop": true reads the request, records
it, then closes the connection without answering (a receiver that may
have acted, from the sender's point of view).

Configured with "hmac_secret" (and optionally "signature_header", default
Riposte-Signature, and "tolerance_s", default 300), it checks each
request's signature exactly as docs/CONNECTING.md ("Webhooks") tells a
receiver to, independently of how Riposte computes it, and records
"verified" (true/false), "verify_error" and "duplicate" (an
Idempotency-Key already seen in a verified request). Not thread-safe:
callers hold the World lock.
"""

import hashlib
import hmac
import json
import time

from fake_common import JSON_TYPE, Reply, iso_time, json_reply
from fake_log import logged_body, logged_headers

DEFAULT_ANSWER = {"status": 200, "body": {"ok": True}, "headers": {},
                  "count": None, "drop": False}


def verify_signature(secret, header_value, idempotency_key, body, now,
                     tolerance_s):
    """Returns None if the request verifies, else why not.

    The receiver's check from docs/CONNECTING.md: parse t= and v1= from the
    signature header, recompute HMAC-SHA256 under the shared secret of
    "<t>.<Idempotency-Key>.<raw body>", compare in constant time with any
    v1, and refuse a t more than the tolerance away from now.
    """
    if not header_value:
        return "no signature header"
    if not idempotency_key:
        return "no Idempotency-Key"
    t, candidates = None, []
    for part in header_value.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            t = value
        elif key == "v1":
            candidates.append(value)
    if t is None or not t.isdigit():
        return "no timestamp t="
    if not candidates:
        return "no v1= signature"
    signed = t.encode("ascii") + b"." + idempotency_key.encode("ascii") + \
        b"." + body
    expected = hmac.new(secret.encode("utf-8"), signed,
                        hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        return "signature mismatch"
    if abs(now - int(t)) > tolerance_s:
        return "timestamp outside the tolerance"
    return None


class Webhooks:
    def __init__(self):
        self.answers = {}
        self.received = {}
        self.seq = 0
        self.verifiers = {}   # name -> (secret, header, tolerance_s)
        self.seen_keys = {}   # name -> Idempotency-Keys of verified requests

    def handle(self, req):
        if not req.segments:
            return json_reply(404, {"error": "webhook name missing"})
        name = "/".join(req.segments)
        self.seq += 1
        record = {
            "seq": self.seq,
            "time": iso_time(millis=True),
            "method": req.method,
            "path": req.raw_path,
            "query": req.query_string,
            "headers": logged_headers(req, all_headers=True),
        }
        record.update(logged_body(req.body))
        self._verify(name, req, record)
        self.received.setdefault(name, []).append(record)
        answer = self.answers.get(name, DEFAULT_ANSWER)
        if answer["count"] is not None:
            answer["count"] -= 1
            if answer["count"] <= 0:
                self.answers.pop(name, None)
        if answer.get("drop"):
            reply = Reply(0)
            reply.drop = True
            return reply
        body = answer["body"]
        if isinstance(body, str):
            reply = Reply(answer["status"], body, content_type="text/plain")
        else:
            reply = Reply(answer["status"], json.dumps(body),
                          content_type=JSON_TYPE)
        for key, value in answer["headers"].items():
            reply.add_header(key, value)
        return reply

    def _verify(self, name, req, record):
        verifier = self.verifiers.get(name)
        if verifier is None:
            return
        secret, header, tolerance_s = verifier
        key = req.headers.get("Idempotency-Key") or ""
        try:
            key.encode("ascii")
        except UnicodeEncodeError:
            key = ""
        why = verify_signature(secret, req.headers.get(header), key,
                               req.body or b"", time.time(), tolerance_s)
        record["verified"] = why is None
        record["verify_error"] = why
        if why is None:
            seen = self.seen_keys.setdefault(name, set())
            record["duplicate"] = key in seen
            seen.add(key)

    def configure(self, name, spec):
        if not isinstance(spec, dict):
            raise ValueError("a webhook answer is a JSON object")
        status = spec.get("status", 200)
        if isinstance(status, bool) or not isinstance(status, int) or not (
                200 <= status <= 599):
            raise ValueError("status must be an HTTP status from 200 to 599")
        headers = spec.get("headers", {})
        if not isinstance(headers, dict) or not all(
                isinstance(k, str) and isinstance(v, str)
                for k, v in headers.items()):
            raise ValueError("headers must map names to strings")
        count = spec.get("count")
        if count is not None and (isinstance(count, bool) or
                                  not isinstance(count, int) or count < 1):
            raise ValueError("count must be a positive integer")
        drop = spec.get("drop", False)
        if not isinstance(drop, bool):
            raise ValueError("drop must be true or false")
        secret = spec.get("hmac_secret")
        if secret is not None:
            header = spec.get("signature_header", "Riposte-Signature")
            tolerance_s = spec.get("tolerance_s", 300)
            if not isinstance(secret, str) or not secret:
                raise ValueError("hmac_secret must be a non-empty string")
            if not isinstance(header, str) or not header:
                raise ValueError("signature_header must be a header name")
            if isinstance(tolerance_s, bool) or not isinstance(
                    tolerance_s, int) or tolerance_s < 0:
                raise ValueError("tolerance_s must be a whole number >= 0")
            self.verifiers[name] = (secret, header, tolerance_s)
        answer = {"status": status, "body": spec.get("body", {"ok": True}),
                  "headers": headers, "count": count, "drop": drop}
        self.answers[name] = answer
        return self.state(name)

    def state(self, name):
        answer = self.answers.get(name, DEFAULT_ANSWER)
        return {
            "name": name,
            "answer": {k: answer.get(k) for k in ("status", "body",
                                                  "headers", "count",
                                                  "drop")},
            "verifies": name in self.verifiers,
            "requests": list(self.received.get(name, [])),
        }

    def names(self):
        return sorted(set(self.received) | set(self.answers))

    def clear(self, name=None):
        if name is None:
            self.received.clear()
            self.seen_keys.clear()
        else:
            self.received.pop(name, None)
            self.seen_keys.pop(name, None)
