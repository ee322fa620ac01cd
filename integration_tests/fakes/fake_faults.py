"""Fault injection for the fake cloud's services.

A fault rule (POST /_fake/faults) picks requests by service, method and a
regular expression searched in the path (as sent, and percent-decoded), and
makes them fail instead of being served:

  {"service": "graph|gateway|login|webhook|any",   default "any"
   "method": "POST",                               default any method
   "path_regex": "/revokeSignInSessions$",         default: every path
   "status": 429,            the answer; omit to only delay (see delay_ms)
   "retry_after": "2",       Retry-After header, verbatim (seconds or an
                             HTTP-date)
   "retry_after_date_in": 3, Retry-After as an HTTP-date this many seconds
                             after the fault is served
   "count": N,               fail at most N requests (default 1, or
                             unlimited when "every" is given)
   "every": k,               fail only every k-th matching request
   "delay_ms": 0,            wait this long before answering
   "delay_after_ms": 0,      serve the request as usual, then wait this
                             long before sending the answer (with no
                             status: the request is carried out)
   "drop": false,            close the connection without answering
   "code": "...", "message": "..."  override the error body's code/message}

Rules are tried in the order they were added; the first rule whose turn it
is fails the request. Not thread-safe: callers hold the World lock.
"""

import re
import time

from fake_common import http_date

SERVICES = ("graph", "gateway", "login", "webhook")


def _int(spec, key, default, minimum):
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("%s must be an integer" % key)
    if value < minimum:
        raise ValueError("%s must be at least %d" % (key, minimum))
    return value


class Fault:
    def __init__(self, fault_id, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        self.id = fault_id
        self.service = spec.get("service", "any")
        if self.service not in SERVICES + ("any",):
            raise ValueError("service must be one of %s or any"
                             % ", ".join(SERVICES))
        method = spec.get("method") or "*"
        if not isinstance(method, str):
            raise ValueError("method must be a string")
        self.method = method.upper()
        pattern = spec.get("path_regex", "")
        if not isinstance(pattern, str):
            raise ValueError("path_regex must be a string")
        try:
            self.regex = re.compile(pattern)
        except re.error as e:
            raise ValueError("path_regex does not compile: %s" % e)
        self.status = _int(spec, "status", None, 100)
        if self.status is not None and self.status > 599:
            raise ValueError("status must be an HTTP status code")
        retry_after = spec.get("retry_after")
        if retry_after is not None and not isinstance(retry_after,
                                                      (str, int)):
            raise ValueError("retry_after must be a string or an integer")
        self.retry_after = None if retry_after is None else str(retry_after)
        self.retry_after_date_in = spec.get("retry_after_date_in")
        if self.retry_after_date_in is not None and not isinstance(
                self.retry_after_date_in, (int, float)):
            raise ValueError("retry_after_date_in must be a number")
        self.every = _int(spec, "every", 1, 1)
        default_count = 1 if "every" not in spec else None
        self.count = _int(spec, "count", default_count, 1)
        self.delay_ms = _int(spec, "delay_ms", 0, 0)
        self.delay_after_ms = _int(spec, "delay_after_ms", 0, 0)
        self.drop = bool(spec.get("drop", False))
        if (self.status is None and not self.drop and not self.delay_ms and
                not self.delay_after_ms):
            raise ValueError("a fault needs a status, drop, delay_ms or "
                             "delay_after_ms")
        self.code = spec.get("code")
        self.message = spec.get("message")
        self.seen = 0
        self.injected = 0

    def exhausted(self):
        return self.count is not None and self.injected >= self.count

    def applies(self, service, method, raw_path, path):
        if self.service not in ("any", service):
            return False
        if self.method not in ("*", method):
            return False
        return bool(self.regex.search(raw_path) or self.regex.search(path))

    def retry_after_headers(self):
        if self.retry_after_date_in is not None:
            return [("Retry-After",
                     http_date(time.time() + self.retry_after_date_in))]
        if self.retry_after is not None:
            return [("Retry-After", self.retry_after)]
        return []

    def state(self):
        return {
            "id": self.id, "service": self.service, "method": self.method,
            "path_regex": self.regex.pattern, "status": self.status,
            "retry_after": self.retry_after,
            "retry_after_date_in": self.retry_after_date_in,
            "count": self.count, "every": self.every,
            "delay_ms": self.delay_ms, "delay_after_ms": self.delay_after_ms,
            "drop": self.drop,
            "code": self.code, "message": self.message,
            "matched": self.seen, "injected": self.injected,
            "remaining": None if self.count is None
            else self.count - self.injected,
        }


class FaultTable:
    def __init__(self):
        self.faults = []
        self.next_id = 1

    def add(self, spec):
        fault = Fault("fault-%d" % self.next_id, spec)
        self.next_id += 1
        self.faults.append(fault)
        return fault

    def clear(self):
        n = len(self.faults)
        self.faults = []
        return n

    def match(self, service, method, raw_path, path):
        """The fault to apply to this request, or None. Counts the match."""
        for fault in self.faults:
            if fault.exhausted() or not fault.applies(service, method,
                                                      raw_path, path):
                continue
            fault.seen += 1
            if fault.seen % fault.every == 0:
                fault.injected += 1
                return fault
        return None

    def state(self):
        return [f.state() for f in self.faults]
