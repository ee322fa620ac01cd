"""Generic webhook receiver under /webhook/{name}.

Records every request (method, path, query, headers with secrets redacted,
body) and answers with the status configured for that name (default 200
{"ok": true}). A configuration with "count" applies to that many requests,
then the default answer returns. Not thread-safe: callers hold the World
lock.
"""

import json

from fake_common import JSON_TYPE, Reply, iso_time, json_reply
from fake_log import logged_body, logged_headers

DEFAULT_ANSWER = {"status": 200, "body": {"ok": True}, "headers": {},
                  "count": None}


class Webhooks:
    def __init__(self):
        self.answers = {}
        self.received = {}
        self.seq = 0

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
        self.received.setdefault(name, []).append(record)
        answer = self.answers.get(name, DEFAULT_ANSWER)
        if answer["count"] is not None:
            answer["count"] -= 1
            if answer["count"] <= 0:
                self.answers.pop(name, None)
        body = answer["body"]
        if isinstance(body, str):
            reply = Reply(answer["status"], body, content_type="text/plain")
        else:
            reply = Reply(answer["status"], json.dumps(body),
                          content_type=JSON_TYPE)
        for key, value in answer["headers"].items():
            reply.add_header(key, value)
        return reply

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
        answer = {"status": status, "body": spec.get("body", {"ok": True}),
                  "headers": headers, "count": count}
        self.answers[name] = answer
        return self.state(name)

    def state(self, name):
        answer = self.answers.get(name, DEFAULT_ANSWER)
        return {
            "name": name,
            "answer": {k: answer[k] for k in ("status", "body", "headers",
                                              "count")},
            "requests": list(self.received.get(name, [])),
        }

    def names(self):
        return sorted(set(self.received) | set(self.answers))

    def clear(self, name=None):
        if name is None:
            self.received.clear()
        else:
            self.received.pop(name, None)
