"""Outlook's service limits for the fake Graph, per app and mailbox.

Graph documents, for Outlook resources (messages, mail folders, ...), per
app ID and mailbox:
  * at most 4 concurrent requests ("MailboxConcurrency");
  * at most 10,000 requests in a 10-minute period.
A request that breaks a limit is answered 429 with a Retry-After; requests
inside a JSON batch are counted one by one, and each can be 429 on its own.

Off by default. POST /_fake/graph/limits turns them on (see
fake_control.py): {"enabled": true, "mailbox_concurrency": 4,
"mailbox_requests": 10000, "window_seconds": 600, "latency_ms": 50,
"concurrency_retry_after": 1}. `latency_ms` is how long Outlook takes to
serve each mail request, during which it counts as in flight (a batch's
sub-requests run at the same time, so a batch takes it once); the World
lock is released meanwhile, so other requests are served in parallel.

Counts (always kept): batches and the requests they carried, the most
requests ever in flight for one mailbox, and the requests throttled by
each limit. Not thread-safe: callers hold the World lock.
"""

import collections
import math
import time

from fake_graph_base import GraphError

CONCURRENCY_MESSAGE = "Application is over its MailboxConcurrency limit."
RATE_MESSAGE = ("Application is over its request limit for this mailbox "
                "(%d requests in %d seconds).")


def _number(spec, key, default, minimum, kind=int):
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            kind is int and not isinstance(value, int)):
        raise ValueError("%s must be a number" % key)
    if value < minimum:
        raise ValueError("%s must be at least %s" % (key, minimum))
    return value


class GraphLimits:
    def __init__(self):
        self.enabled = False
        self.concurrency = 4
        self.requests = 10000
        self.window = 600.0
        self.latency_ms = 0
        self.concurrency_retry_after = 1
        # The World lock, released while requests are being "served".
        self.lock = None
        self.in_flight = {}
        self.recent = {}
        self.reset_counts()

    def reset_counts(self):
        self.batches = 0
        self.batched_requests = 0
        self.peak_concurrency = 0
        self.throttled_concurrency = 0
        self.throttled_rate = 0

    def configure(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("limits are a JSON object")
        known = {"enabled", "mailbox_concurrency", "mailbox_requests",
                 "window_seconds", "latency_ms", "concurrency_retry_after",
                 "reset_counts"}
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ValueError("unknown limit %s" % unknown[0])
        enabled = spec.get("enabled", self.enabled)
        if not isinstance(enabled, bool):
            raise ValueError("enabled must be a boolean")
        concurrency = _number(spec, "mailbox_concurrency", self.concurrency, 1)
        requests = _number(spec, "mailbox_requests", self.requests, 1)
        window = _number(spec, "window_seconds", self.window, 0.001, float)
        latency = _number(spec, "latency_ms", self.latency_ms, 0)
        retry = _number(spec, "concurrency_retry_after",
                        self.concurrency_retry_after, 0)
        self.enabled, self.concurrency, self.requests = (enabled, concurrency,
                                                         requests)
        self.window, self.latency_ms = float(window), latency
        self.concurrency_retry_after = retry
        if spec.get("reset_counts"):
            self.reset_counts()
            self.recent = {}

    def admit(self, key):
        """Starts a request for `key` (app, mailbox), or raises the 429."""
        now = time.time()
        if self.enabled:
            if self.in_flight.get(key, 0) >= self.concurrency:
                self.throttled_concurrency += 1
                raise GraphError(
                    429, "ApplicationThrottled", CONCURRENCY_MESSAGE,
                    headers=[("Retry-After",
                              str(self.concurrency_retry_after))])
            recent = self.recent.setdefault(key, collections.deque())
            while recent and recent[0] <= now - self.window:
                recent.popleft()
            if len(recent) >= self.requests:
                self.throttled_rate += 1
                wait = max(1, math.ceil(recent[0] + self.window - now))
                raise GraphError(
                    429, "ApplicationThrottled",
                    RATE_MESSAGE % (self.requests, self.window),
                    headers=[("Retry-After", str(wait))])
            recent.append(now)
        held = self.in_flight.get(key, 0) + 1
        self.in_flight[key] = held
        self.peak_concurrency = max(self.peak_concurrency, held)

    def release(self, key):
        held = self.in_flight.get(key, 0) - 1
        if held <= 0:
            self.in_flight.pop(key, None)
        else:
            self.in_flight[key] = held

    def serve_time(self):
        """Outlook at work: other requests are served meanwhile."""
        if not self.latency_ms:
            return
        if self.lock is None:
            time.sleep(self.latency_ms / 1000.0)
            return
        self.lock.release()
        try:
            time.sleep(self.latency_ms / 1000.0)
        finally:
            self.lock.acquire()

    def state(self):
        return {
            "enabled": self.enabled,
            "mailbox_concurrency": self.concurrency,
            "mailbox_requests": self.requests,
            "window_seconds": self.window,
            "latency_ms": self.latency_ms,
            "concurrency_retry_after": self.concurrency_retry_after,
            "batches": self.batches,
            "batched_requests": self.batched_requests,
            "peak_mailbox_concurrency": self.peak_concurrency,
            "throttled_concurrency": self.throttled_concurrency,
            "throttled_rate": self.throttled_rate,
            "in_flight": sum(self.in_flight.values()),
        }
