"""OAuth 2.0 client-credentials token issuance for the fake cloud.

Two issuers share one model:
  * "login": the Microsoft identity platform (Entra ID) v2.0 token endpoint,
    POST /login/{tenant}/oauth2/v2.0/token. Errors follow its documented
    shape: {"error", "error_description": "AADSTSnnnn: ...", "error_codes",
    "timestamp", "trace_id", "correlation_id", "error_uri"}.
  * "gateway": the Mimecast API 2.0 token endpoint, POST /gateway/oauth/token,
    fronted by Apigee, whose errors look like {"fault": {...}} or
    {"ErrorCode", "Error"}.

Tokens expire; the lifetime is set per issuer. An Entra token is minted for
the audience its scope names (the Graph of one cloud: graph.microsoft.com,
graph.microsoft.us, ...) and only a Graph serving that audience accepts it.
Not thread-safe: callers hold the World lock.
"""

import base64
import json
import time
import urllib.parse

from fake_common import (b64url, iso_time, json_reply, new_guid,
                         random_token)

DEFAULT_TENANT = "contoso-tenant-id"
DEFAULT_GRAPH_CLIENT_ID = "riposte-app"
DEFAULT_GRAPH_SECRET = "fake-graph-secret"
DEFAULT_GATEWAY_CLIENT_ID = "riposte-gw"
DEFAULT_GATEWAY_SECRET = "fake-gateway-secret"

# Microsoft Graph's audience in each cloud (learn.microsoft.com/graph/
# deployments): global, US Government L4 and L5 (DoD), China (21Vianet).
GRAPH_AUDIENCES = ("https://graph.microsoft.com", "https://graph.microsoft.us",
                   "https://dod-graph.microsoft.us",
                   "https://microsoftgraph.chinacloudapi.cn")
DEFAULT_GRAPH_AUDIENCE = GRAPH_AUDIENCES[0]
# Graph's application id: the same in every cloud, so a token for it is
# accepted by whichever Graph the fake serves.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_RESOURCES = GRAPH_AUDIENCES + (GRAPH_APP_ID,)

SERVICES = ("login", "gateway")


class Token:
    def __init__(self, service, tenant, client_id, expires_at, audience=None):
        self.service = service
        self.tenant = tenant
        self.client_id = client_id
        self.expires_at = expires_at
        self.audience = audience  # the resource a login token is for


class AuthService:
    def __init__(self):
        # (service, tenant, client_id) -> secret; tenant is "" for gateway.
        self.apps = {}
        self.ttl = {"login": 3599, "gateway": 1800}
        self.tokens = {}
        self.issued = {"login": 0, "gateway": 0}
        self.register("login", DEFAULT_TENANT, DEFAULT_GRAPH_CLIENT_ID,
                      DEFAULT_GRAPH_SECRET)
        self.register("gateway", "", DEFAULT_GATEWAY_CLIENT_ID,
                      DEFAULT_GATEWAY_SECRET)

    # ---- control --------------------------------------------------------

    def register(self, service, tenant, client_id, secret):
        """Adds an app, or replaces its secret (a rotation)."""
        if service not in SERVICES:
            raise ValueError("service must be 'login' or 'gateway'")
        if not client_id or not secret:
            raise ValueError("client_id and client_secret are required")
        if service == "gateway":
            tenant = ""
        elif not tenant:
            raise ValueError("tenant is required for service 'login'")
        self.apps[(service, tenant, client_id)] = secret

    def unregister(self, service, tenant, client_id):
        return self.apps.pop((service, tenant or "", client_id), None)

    def tenants(self):
        return {t for (s, t, _) in self.apps if s == "login"}

    def set_ttl(self, seconds, service=None):
        for s in ([service] if service else SERVICES):
            if s not in SERVICES:
                raise ValueError("service must be 'login' or 'gateway'")
            self.ttl[s] = seconds

    def expire_all(self, service=None):
        now = time.time()
        n = 0
        for token in self.tokens.values():
            if service is None or token.service == service:
                if token.expires_at > now:
                    token.expires_at = now - 1
                    n += 1
        return n

    def state(self):
        return {
            "apps": [{"service": s, "tenant": t or None, "client_id": c}
                     for (s, t, c) in sorted(self.apps)],
            "token_ttl": dict(self.ttl),
            "tokens_issued": dict(self.issued),
            "tokens_live": sum(1 for t in self.tokens.values()
                               if t.expires_at > time.time()),
        }

    # ---- validation ------------------------------------------------------

    def check(self, service, authorization, audience=None):
        """Returns (token, None) or (None, reason).

        With `audience`, a login token must have been minted for it (or for
        Graph's application id). reason is "missing", "malformed",
        "invalid", "audience" or "expired".
        """
        if not authorization:
            return None, "missing"
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return None, "malformed"
        token = self.tokens.get(value.strip())
        if token is None or token.service != service:
            return None, "invalid"
        if token.expires_at <= time.time():
            return None, "expired"
        if audience is not None and token.audience not in (audience,
                                                           GRAPH_APP_ID):
            return None, "audience"
        return token, None

    def _issue(self, service, tenant, client_id, audience=None):
        now = time.time()
        if len(self.tokens) > 50000:
            self.tokens = {k: v for k, v in self.tokens.items()
                           if v.expires_at > now}
        ttl = self.ttl[service]
        if service == "login":
            header = b64url(json.dumps(
                {"typ": "JWT", "alg": "RS256", "kid": "fake"}).encode())
            payload = b64url(json.dumps({
                "aud": audience,
                "iss": "https://sts.windows.net/%s/" % tenant,
                "iat": int(now), "nbf": int(now), "exp": int(now + ttl),
                "appid": client_id, "tid": tenant, "idtyp": "app",
                "roles": ["User.ReadWrite.All", "Mail.ReadWrite"],
                "uti": random_token(12),
            }).encode())
            value = "%s.%s.%s" % (header, payload, random_token(48))
        else:
            value = random_token(21)
        self.tokens[value] = Token(service, tenant, client_id, now + ttl,
                                   audience)
        self.issued[service] += 1
        return value, ttl

    @staticmethod
    def _basic_credentials(req):
        scheme, _, value = req.header("Authorization").partition(" ")
        if scheme.lower() != "basic":
            return None, None
        try:
            decoded = base64.b64decode(value.strip()).decode("utf-8")
        except Exception:  # noqa: BLE001 - any garbage is "no credentials"
            return None, None
        user, _, password = decoded.partition(":")
        return (urllib.parse.unquote_plus(user),
                urllib.parse.unquote_plus(password))

    # ---- Entra ID v2.0 token endpoint -------------------------------------

    @staticmethod
    def _aad_error(status, error, code, description):
        trace, correlation = new_guid(), new_guid()
        now = time.time()
        return json_reply(status, {
            "error": error,
            "error_description": "AADSTS%d: %s\r\nTrace ID: %s\r\n"
                                 "Correlation ID: %s\r\nTimestamp: %s" % (
                                     code, description, trace, correlation,
                                     iso_time(now)),
            "error_codes": [code],
            "timestamp": iso_time(now),
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": "https://login.microsoftonline.com/error?code=%d"
                         % code,
        }, headers=[("Cache-Control", "no-store, no-cache"),
                    ("Pragma", "no-cache")])

    def login_fault(self, status, retry_after_headers):
        reply = self._aad_error(
            status, "temporarily_unavailable", 90033,
            "A transient error has occurred. Please try again.")
        reply.headers.extend(retry_after_headers)
        return reply

    def handle_login(self, req):
        """/login/{tenant}/oauth2/v2.0/token."""
        segs = req.segments
        if (len(segs) != 4 or segs[1:] != ["oauth2", "v2.0", "token"]):
            return json_reply(404, {"error": "not_found",
                                    "error_description": "Unknown path"})
        tenant = segs[0]
        if req.method != "POST":
            return self._aad_error(
                400, "invalid_request", 900561,
                "The endpoint only accepts POST, OPTIONS requests. "
                "Received a %s request." % req.method)
        if tenant not in self.tenants():
            return self._aad_error(
                400, "invalid_request", 90002,
                "Tenant '%s' not found. Check to make sure you have the "
                "correct tenant ID and are signing into the correct cloud."
                % tenant)
        form = (req.form() if req.content_type() ==
                "application/x-www-form-urlencoded" else {})
        grant = form.get("grant_type")
        if not grant:
            return self._aad_error(
                400, "invalid_request", 900144,
                "The request body must contain the following parameter: "
                "'grant_type'.")
        if grant != "client_credentials":
            return self._aad_error(
                400, "unsupported_grant_type", 70003,
                "The app requested an unsupported grant type '%s'." % grant)
        basic_id, basic_secret = self._basic_credentials(req)
        client_id = form.get("client_id") or basic_id
        secret = form.get("client_secret") or basic_secret
        req.log_extra["client_id"] = client_id
        if not client_id:
            return self._aad_error(
                400, "invalid_request", 900144,
                "The request body must contain the following parameter: "
                "'client_id'.")
        scope = form.get("scope")
        req.log_extra["scope"] = scope
        if not scope:
            return self._aad_error(
                400, "invalid_request", 900144,
                "The request body must contain the following parameter: "
                "'scope'.")
        expected = self.apps.get(("login", tenant, client_id))
        if expected is None:
            return self._aad_error(
                400, "unauthorized_client", 700016,
                "Application with identifier '%s' was not found in the "
                "directory '%s'." % (client_id, tenant))
        if not secret:
            return self._aad_error(
                401, "invalid_client", 7000216,
                "'client_assertion', 'client_secret' or 'request' is "
                "required for the 'client_credentials' grant type.")
        if secret != expected:
            return self._aad_error(
                401, "invalid_client", 7000215,
                "Invalid client secret provided. Ensure the secret being "
                "sent in the request is the client secret value, not the "
                "client secret ID, for a secret added to app '%s'."
                % client_id)
        scopes = scope.split()
        resource = (scopes[0][:-len("/.default")].rstrip("/")
                    if len(scopes) == 1 and scopes[0].endswith("/.default")
                    else None)
        if resource not in GRAPH_RESOURCES:
            return self._aad_error(
                400, "invalid_scope", 1002012,
                "The provided value for scope %s is not valid. Client "
                "credential flows must have a scope value with /.default "
                "suffixed to the resource identifier "
                "(application ID URI)." % scope)
        value, ttl = self._issue("login", tenant, client_id, resource)
        return json_reply(200, {
            "token_type": "Bearer",
            "expires_in": ttl,
            "ext_expires_in": ttl,
            "access_token": value,
        }, headers=[("Cache-Control", "no-store, no-cache"),
                    ("Pragma", "no-cache")])

    # ---- Mimecast API 2.0 token endpoint ------------------------------------

    def handle_gateway_token(self, req):
        """/gateway/oauth/token."""
        if req.method != "POST":
            return json_reply(405, {"fault": {
                "faultstring": "Method not allowed",
                "detail": {"errorcode": "messaging.adaptors.http.flow."
                                        "MethodNotAllowed"}}})
        form = (req.form() if req.content_type() ==
                "application/x-www-form-urlencoded" else {})
        grant = form.get("grant_type")
        if grant != "client_credentials":
            return json_reply(400, {
                "ErrorCode": "unsupported_grant_type",
                "Error": "Unsupported grant type : %s" % (grant or "")})
        basic_id, basic_secret = self._basic_credentials(req)
        client_id = form.get("client_id") or basic_id
        secret = form.get("client_secret") or basic_secret
        req.log_extra["client_id"] = client_id
        expected = self.apps.get(("gateway", "", client_id or ""))
        if expected is None:
            return json_reply(401, {"fault": {
                "faultstring": "Invalid client identifier {0}",
                "detail": {"errorcode": "oauth.v2.InvalidClientIdentifier"}}})
        if secret != expected:
            return json_reply(401, {"ErrorCode": "invalid_client",
                                    "Error": "Client credentials are invalid"})
        value, ttl = self._issue("gateway", "", client_id)
        return json_reply(200, {"access_token": value, "token_type": "Bearer",
                                "expires_in": ttl, "scope": ""})

    @staticmethod
    def gateway_unauthorized(reason):
        if reason == "expired":
            fault = {"faultstring": "Access Token expired",
                     "detail": {"errorcode":
                                "keymanagement.service.access_token_expired"}}
        else:
            fault = {"faultstring": "Invalid access token",
                     "detail": {"errorcode": "oauth.v2.InvalidAccessToken"}}
        return json_reply(401, {"fault": fault})
