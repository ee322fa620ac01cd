"""Error and request plumbing shared by the fake Graph's handlers."""

import json
import urllib.parse

from fake_common import Reply

JSON_PAYLOAD_ERROR = ("Unable to read JSON request payload. Please ensure "
                      "Content-Type header is set and payload is of valid "
                      "JSON format.")

ITEM_NOT_FOUND = "The specified object was not found in the store."


class GraphError(Exception):
    """An error answer: Graph's {"error": {"code", "message", ...}}."""

    def __init__(self, status, code, message, headers=None, inner_code=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = list(headers or [])
        self.inner_code = inner_code


class Call:
    """One Graph request being served."""

    def __init__(self, req, request_id):
        self.req = req
        self.request_id = request_id
        self.client_request_id = req.header("client-request-id") or request_id
        self.base = req.base_url() + "/graph/v1.0"
        self.tenant = None
        self.immutable = prefers_immutable_ids(req.header("Prefer"))
        # Set by mail handlers: the Prefer header only applies to Outlook
        # resources.
        self.outlook = False

    def method_not_allowed(self):
        return GraphError(405, "Request_BadRequest",
                          "Specified HTTP method is not allowed for the "
                          "request target.")

    def json_object(self, required=True):
        """The body as a JSON object; 400 as Graph answers otherwise."""
        req = self.req
        if not req.body and not required:
            return {}
        if req.content_type() != "application/json":
            raise GraphError(400, "BadRequest", JSON_PAYLOAD_ERROR)
        try:
            value = req.json_body()
        except (ValueError, UnicodeDecodeError):
            raise GraphError(400, "BadRequest", JSON_PAYLOAD_ERROR)
        if not isinstance(value, dict):
            raise GraphError(400, "BadRequest", JSON_PAYLOAD_ERROR)
        return value

    def context(self, fragment):
        return "%s/$metadata#%s" % (self.base, fragment)

    def next_link(self, skip):
        """This request's URL with $skip replaced, for @odata.nextLink."""
        query = [(k, v) for k, v in self.req.query.items()
                 if k.lower() != "$skip"]
        query.append(("$skip", str(skip)))
        encoded = urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
        return "%s%s?%s" % (self.req.base_url(), self.req.raw_path, encoded)


def prefers_immutable_ids(prefer):
    """Whether a Prefer header asks for IdType="ImmutableId"."""
    for part in prefer.split(","):
        name, _, value = part.partition("=")
        if (name.strip().lower() == "idtype" and
                value.strip().strip('"').lower() == "immutableid"):
            return True
    return False


def segment_is(segment, name):
    """Graph path segments match without regard to case."""
    return segment.lower() == name.lower()


def quote_key(value):
    return urllib.parse.quote(value, safe="@.")


def length_required():
    """What HTTP.sys in front of Graph answers a body-less POST."""
    return Reply(411, "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">"
                 "<HTML><HEAD><TITLE>Length Required</TITLE></HEAD><BODY>"
                 "<h2>Length Required</h2><hr><p>HTTP Error 411. The request "
                 "must be chunked or have a content length.</p></BODY></HTML>",
                 content_type="text/html; charset=us-ascii")


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"))
