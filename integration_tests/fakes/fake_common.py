"""Pieces shared by the fake cloud's services: requests, replies, ids, time.

Nothing here holds state; the services keep theirs behind the World lock
(see fake_cloud.py).
"""

import base64
import datetime
import email.utils
import json
import os
import time
import urllib.parse
import uuid

# Largest request body accepted, in bytes (attachments arrive base64-encoded
# through the control API, so leave room for a few megabytes).
MAX_BODY_BYTES = 16 * 1024 * 1024

JSON_TYPE = "application/json"
GRAPH_JSON_TYPE = ("application/json;odata.metadata=minimal;"
                   "odata.streaming=true;IEEE754Compatible=false;"
                   "charset=utf-8")


class BadQuery(Exception):
    """A query string the services refuse (e.g. a repeated option)."""


class Request:
    """One HTTP request as the services see it.

    `segments` are the percent-decoded path segments after the service
    prefix, so an id containing %2F stays one segment. `query` maps each
    option to its value ('+' decodes to a space, as OData does).
    """

    def __init__(self, method, raw_target, headers, body, has_length, host):
        self.method = method
        self.raw_target = raw_target
        raw_path, _, self.query_string = raw_target.partition("?")
        self.raw_path = raw_path
        self.path = urllib.parse.unquote(raw_path)
        self.all_segments = [urllib.parse.unquote(s)
                             for s in raw_path.split("/") if s != ""]
        self.segments = self.all_segments[1:]
        self.headers = headers  # email.message.Message: case-insensitive
        self.body = body
        self.has_length = has_length
        self.host = host or "127.0.0.1"
        self.query = {}
        self.duplicate_option = None
        for key, value in urllib.parse.parse_qsl(
                self.query_string, keep_blank_values=True):
            if key in self.query:
                self.duplicate_option = key
            self.query[key] = value
        # Filled in by the service for the request log.
        self.log_extra = {}

    def header(self, name, default=""):
        value = self.headers.get(name)
        return default if value is None else value

    def option(self, name):
        """An OData system query option such as "$select", any case."""
        lowered = name.lower()
        for key, value in self.query.items():
            if key.lower() == lowered:
                return value
        return None

    def content_type(self):
        return self.header("Content-Type").split(";")[0].strip().lower()

    def json_body(self):
        """Returns the parsed JSON body, or raises ValueError."""
        text = self.body.decode("utf-8")
        return json.loads(text)

    def form(self):
        """The body as application/x-www-form-urlencoded fields."""
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            return {}
        return dict(urllib.parse.parse_qsl(text, keep_blank_values=True))

    def base_url(self):
        return "http://" + self.host


class Reply:
    """One HTTP response. `headers` is a list of (name, value)."""

    def __init__(self, status, body=b"", content_type=None, headers=None):
        self.status = status
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body
        self.headers = list(headers or [])
        if content_type is not None:
            self.headers.append(("Content-Type", content_type))
        # Set when the connection must be closed without any answer.
        self.drop = False

    def add_header(self, name, value):
        self.headers.append((name, value))
        return self

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def json_reply(status, obj, headers=None, content_type=JSON_TYPE):
    return Reply(status, json.dumps(obj, separators=(",", ":")),
                 content_type=content_type, headers=headers)


def new_guid():
    return str(uuid.uuid4())


def opaque_id(prefix=b"\x00\x03\x24\x00", random_bytes=64):
    """An Exchange-style opaque id: URL-safe base64 ending in '='.

    Real Graph mail ids look like "AAMkAGI2...AAA=": URL-safe base64 with
    '-' and '_' in them. Clients must treat them as opaque and escape them.
    """
    raw = prefix + os.urandom(random_bytes)
    if len(raw) % 3 == 0:
        raw += b"\x00"
    return base64.urlsafe_b64encode(raw).decode("ascii")


def random_token(n=32):
    return base64.urlsafe_b64encode(os.urandom(n)).decode("ascii").rstrip("=")


def b64url(data):
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def iso_time(t=None, millis=False):
    """RFC 3339 UTC, the format Graph uses: 2024-05-01T12:00:00Z."""
    if t is None:
        t = time.time()
    dt = datetime.datetime.fromtimestamp(t, tz=datetime.timezone.utc)
    if millis:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (
            dt.microsecond // 1000)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


def parse_bool(value):
    if isinstance(value, bool):
        return value
    raise ValueError("not a boolean")
