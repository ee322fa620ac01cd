"""Fake Microsoft Graph v1.0 under /graph/v1.0: authentication, errors,
users. Mail lives in fake_graph_mail.py.

Follows the documented behaviour rather than convenience:
  * every request needs a valid, unexpired app token for Graph, else 401
    InvalidAuthenticationToken with a WWW-Authenticate header; the token
    must be for the audience this Graph serves (one cloud's: by default
    the global https://graph.microsoft.com, see set_audience);
  * every answer carries a fresh `request-id` and echoes
    `client-request-id` (or repeats the request-id when none was sent);
  * GET /users/{id} returns the default property set, which does NOT
    include accountEnabled: ask for it with $select;
  * POST or PATCH without Content-Length (or chunking) gets HTTP.sys's 411;
  * POST /$batch serves JSON batches (fake_graph_batch.py), and mail
    requests count against Outlook's limits per app and mailbox when they
    are turned on (fake_graph_limits.py).

Not thread-safe: callers hold the World lock.
"""

import time

from fake_auth import DEFAULT_GRAPH_AUDIENCE, GRAPH_AUDIENCES
from fake_common import (GRAPH_JSON_TYPE, Reply, iso_time, json_reply,
                         new_guid)
from fake_graph_base import (Call, GraphError, dumps, length_required,
                             segment_is)
from fake_graph_batch import GraphBatch
from fake_graph_limits import GraphLimits
from fake_graph_mail import GraphMail
from fake_odata import QueryError, matches, parse_filter, parse_select

DEFAULT_USER_PROPS = [
    "businessPhones", "displayName", "givenName", "jobTitle", "mail",
    "mobilePhone", "officeLocation", "preferredLanguage", "surname",
    "userPrincipalName", "id",
]
USER_PROPS = DEFAULT_USER_PROPS + [
    "accountEnabled", "signInSessionsValidFromDateTime", "createdDateTime",
    "mailNickname", "userType",
]
USER_FILTER_PROPS = ["id", "userPrincipalName", "mail", "displayName",
                     "accountEnabled"]

_UNAUTHORIZED = {
    "missing": "Access token is empty.",
    "malformed": "IDX14100: JWT is not well formed, there are no dots (.).",
    "invalid": "Access token validation failure. Invalid audience.",
    "audience": "Access token validation failure. Invalid audience.",
    "expired": "Access token has expired or is not yet valid.",
}

_WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/'
    'common/oauth2/authorize", client_id="00000003-0000-0000-c000-'
    '000000000000"')

# Default error codes for injected faults, by status.
FAULT_CODES = {
    429: ("TooManyRequests", "Too many requests. Retry after the delay in "
          "the Retry-After header."),
    500: ("generalException", "An unspecified error has occurred."),
    502: ("UnknownError", "Bad gateway."),
    503: ("serviceNotAvailable", "The service is temporarily unavailable "
          "for maintenance or is overloaded."),
    504: ("UnknownError", "The gateway timed out."),
}


class GraphService:
    def __init__(self, auth, directory):
        self.auth = auth
        self.directory = directory
        self.mail = GraphMail(directory)
        # Which cloud's Graph this is: tokens for another audience get 401.
        self.audience = DEFAULT_GRAPH_AUDIENCE
        self.limits = GraphLimits()
        self.batch = GraphBatch(self)
        # Set by attach(): the World's fault table and request log, for
        # the requests inside a batch.
        self.faults = None
        self.log = None

    def attach(self, lock, faults, log):
        """The World's lock (released while Outlook "works", see
        GraphLimits.serve_time), fault table and request log."""
        self.limits.lock = lock
        self.faults = faults
        self.log = log

    def set_audience(self, audience):
        if audience not in GRAPH_AUDIENCES:
            raise ValueError("audience must be one of: %s"
                             % ", ".join(GRAPH_AUDIENCES))
        self.audience = audience

    # ---- entry points ----------------------------------------------------

    def handle(self, req):
        call = Call(req, new_guid())
        try:
            if [s.lower() for s in req.segments] == ["v1.0", "$batch"]:
                reply = self.batch.serve(call)
            else:
                reply = self._limited(call)
        except GraphError as e:
            reply = self._error_reply(call, e)
        return self._decorate(call, reply)

    def serve_one(self, req):
        """One request of a batch: admitted to the limits by the batch."""
        call = Call(req, new_guid())
        try:
            reply = self._dispatch(call)
        except GraphError as e:
            reply = self._error_reply(call, e)
        return self._decorate(call, reply)

    def error_for(self, req, error):
        call = Call(req, new_guid())
        return self._decorate(call, self._error_reply(call, error))

    @staticmethod
    def json(status, obj):
        return json_reply(status, obj)

    def _limited(self, call):
        key = self.mail_key(call.req)
        if key is None:
            return self._dispatch(call)
        self.limits.admit(key)
        try:
            self.limits.serve_time()
            return self._dispatch(call)
        finally:
            self.limits.release(key)

    def mail_key(self, req):
        """(app id, mailbox) for a request to Outlook, else None."""
        segs = req.segments
        if len(segs) < 4 or segs[0] != "v1.0" or not segment_is(
                segs[1], "users"):
            return None
        if segs[3].lower() not in ("messages", "mailfolders",
                                   "mailboxsettings",
                                   "inferenceclassification"):
            return None
        token, _ = self.auth.check("login", req.header("Authorization"),
                                   audience=self.audience)
        if token is None:
            return None
        user = self.directory.find(token.tenant, segs[2])
        return (token.client_id, user.id if user is not None
                else segs[2].lower())

    def authenticate(self, call):
        """Sets call.tenant from the bearer token, or raises the 401."""
        token, reason = self.auth.check("login",
                                        call.req.header("Authorization"),
                                        audience=self.audience)
        if token is None:
            raise GraphError(401, "InvalidAuthenticationToken",
                             _UNAUTHORIZED[reason],
                             headers=[("WWW-Authenticate", _WWW_AUTHENTICATE)])
        call.tenant = token.tenant

    def fault_reply(self, req, fault, extra_headers):
        call = Call(req, new_guid())
        code, message = FAULT_CODES.get(
            fault.status, ("UnknownError", "An error has occurred."))
        inner = ("activityLimitReached"
                 if fault.status == 429 and not fault.code else None)
        error = GraphError(fault.status, fault.code or code,
                           fault.message or message, extra_headers, inner)
        return self._decorate(call, self._error_reply(call, error))

    def _error_reply(self, call, error):
        inner = {
            "date": iso_time()[:-1],
            "request-id": call.request_id,
            "client-request-id": call.client_request_id,
        }
        if error.inner_code:
            inner = dict({"code": error.inner_code}, **inner)
        body = {"error": {"code": error.code, "message": error.message,
                          "innerError": inner}}
        return json_reply(error.status, body, headers=error.headers)

    def _decorate(self, call, reply):
        reply.add_header("request-id", call.request_id)
        reply.add_header("client-request-id", call.client_request_id)
        reply.add_header("x-ms-ags-diagnostic", dumps({"ServerInfo": {
            "DataCenter": "Fake", "Slice": "E", "Ring": "0",
            "ScaleUnit": "000", "RoleInstance": "fake-cloud"}}))
        reply.add_header("Cache-Control", "no-cache")
        if call.immutable and call.outlook:
            reply.add_header("Preference-Applied", 'IdType="ImmutableId"')
        return reply

    # ---- routing -----------------------------------------------------------

    def _dispatch(self, call):
        req = call.req
        segs = req.segments
        if req.method in ("POST", "PATCH", "PUT") and not req.has_length:
            return length_required()
        if not segs or segs[0] != "v1.0":
            raise GraphError(400, "BadRequest", "Invalid version: %s"
                             % (segs[0] if segs else ""))
        self.authenticate(call)
        if req.duplicate_option is not None:
            raise GraphError(400, "BadRequest",
                             "Query option '%s' was specified more than "
                             "once, but it must be specified at most once."
                             % req.duplicate_option)
        rest = segs[1:]
        if not rest:
            raise GraphError(400, "BadRequest", "Invalid request.")
        try:
            if segment_is(rest[0], "me"):
                raise GraphError(400, "BadRequest", "/me request is only "
                                 "valid with delegated authentication flow.")
            if segment_is(rest[0], "users"):
                return self._users(call, rest[1:])
        except QueryError as e:
            raise GraphError(400, "BadRequest", str(e))
        raise GraphError(400, "BadRequest",
                         "Resource not found for the segment '%s'." % rest[0])

    def _users(self, call, rest):
        method = call.req.method
        if not rest:
            if method != "GET":
                raise call.method_not_allowed()
            return self._list_users(call)
        ref = rest[0]
        if len(rest) >= 2 and (segment_is(rest[1], "messages") or
                               segment_is(rest[1], "mailFolders")):
            user = self.directory.find(call.tenant, ref)
            return self.mail.handle(call, ref, user, rest[1:])
        user = self.directory.find(call.tenant, ref)
        if user is None:
            raise GraphError(404, "Request_ResourceNotFound",
                             "Resource '%s' does not exist or one of its "
                             "queried reference-property objects are not "
                             "present." % ref)
        if len(rest) == 1:
            if method == "GET":
                return self._get_user(call, user, ref)
            if method == "PATCH":
                return self._patch_user(call, user)
            raise call.method_not_allowed()
        if len(rest) == 2 and segment_is(rest[1], "revokeSignInSessions"):
            if method != "POST":
                raise call.method_not_allowed()
            return self._revoke(call, user)
        raise GraphError(400, "BadRequest",
                         "Resource not found for the segment '%s'." % rest[1])

    # ---- users --------------------------------------------------------------

    def _selection(self, call):
        select = call.req.option("$select")
        if select is None:
            return None
        return parse_select(select, USER_PROPS, "microsoft.graph.user")

    def _render_user(self, user, selected):
        props = user.properties()
        return {k: props[k] for k in (selected or DEFAULT_USER_PROPS)}

    def _get_user(self, call, user, ref):
        selected = self._selection(call)
        body = {"@odata.context": call.context(
            "users(%s)/$entity" % ",".join(selected) if selected
            else "users/$entity")}
        body.update(self._render_user(user, selected))
        return json_reply(200, body, content_type=GRAPH_JSON_TYPE)

    def _list_users(self, call):
        selected = self._selection(call)
        text = call.req.option("$filter")
        clauses = parse_filter(text, USER_FILTER_PROPS) if text else []
        users = [u for u in self.directory.users(call.tenant)
                 if matches(u.properties(), clauses)]
        users.sort(key=lambda u: u.upn.lower())
        return json_reply(200, {
            "@odata.context": call.context(
                "users(%s)" % ",".join(selected) if selected else "users"),
            "value": [self._render_user(u, selected) for u in users],
        }, content_type=GRAPH_JSON_TYPE)

    def _patch_user(self, call, user):
        body = call.json_object()
        changes = {}
        for key, value in body.items():
            if key.startswith("@odata."):
                continue
            if key == "accountEnabled":
                if not isinstance(value, bool):
                    raise GraphError(
                        400, "Request_BadRequest",
                        "Cannot convert the literal '%s' to the expected "
                        "type 'Edm.Boolean'." % dumps(value).strip('"'))
            elif key == "displayName":
                if not isinstance(value, str) or not value:
                    raise GraphError(400, "Request_BadRequest",
                                     "Invalid value specified for property "
                                     "'displayName' of resource 'User'.")
            else:
                raise GraphError(400, "Request_BadRequest",
                                 "Property '%s' does not exist as a declared "
                                 "property or extension property." % key)
            changes[key] = value
        user.patch_count += 1
        if "accountEnabled" in changes:
            if user.account_enabled != changes["accountEnabled"]:
                user.account_enabled_changes += 1
            user.account_enabled = changes["accountEnabled"]
        if "displayName" in changes:
            user.display_name = changes["displayName"]
        return Reply(204)

    def _revoke(self, call, user):
        if call.req.body:
            call.json_object()
        user.sessions_revoked_count += 1
        user.sessions_valid_from = time.time()
        return json_reply(200, {
            "@odata.context": call.context("Edm.Boolean"),
            "value": True,
        }, content_type=GRAPH_JSON_TYPE)
