"""The control API under /_fake/ that tests use to arrange and inspect the
fake cloud. JSON in and out, no authentication. Errors are Graph-style:
{"error": {"code": "BadRequest", "message": "..."}}.

Runs with the World lock held.
"""

import datetime

from fake_common import json_reply
from fake_mailbox import decode_content, message_state

MAX_DELAY_MS = 120000


class ControlError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _bad(message):
    return ControlError(400, message)


def _parse_time(value):
    if value is None:
        return None
    try:
        dt = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _bad("receivedDateTime must be RFC 3339, e.g. "
                   "2024-05-01T12:00:00Z")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()


class Control:
    def __init__(self, world):
        self.world = world

    def handle(self, req):
        w = self.world
        # A batch's requests are faulted and logged like any other.
        w.graph.attach(w.lock, w.faults, w.log)
        try:
            return self._route(req)
        except ControlError as e:
            code = {400: "BadRequest", 404: "NotFound",
                    409: "Conflict"}.get(e.status, "Error")
            return json_reply(e.status, {"error": {"code": code,
                                                   "message": e.message}})

    def _body(self, req):
        if not req.body:
            return {}
        try:
            value = req.json_body()
        except (ValueError, UnicodeDecodeError) as e:
            raise _bad("Unable to read JSON request payload: %s" % e)
        if not isinstance(value, dict):
            raise _bad("The request body must be a JSON object.")
        return value

    def _route(self, req):
        w = self.world
        segs = req.segments
        m = req.method
        key = segs[0] if segs else ""
        rest = segs[1:]
        if key == "health" and m == "GET":
            return json_reply(200, {"ok": True})
        if key == "reset" and m == "POST":
            w.reset()
            w.graph.attach(w.lock, w.faults, w.log)
            return json_reply(200, {"reset": True})
        if key == "apps":
            if m == "POST":
                return self._add_app(req)
            if m == "GET":
                return json_reply(200, w.auth.state())
        if key == "token-ttl" and m == "POST":
            body = self._body(req)
            seconds = body.get("seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, int) or (
                    seconds < 1):
                raise _bad("seconds must be a positive integer")
            try:
                w.auth.set_ttl(seconds, body.get("service"))
            except ValueError as e:
                raise _bad(str(e))
            return json_reply(200, {"token_ttl": dict(w.auth.ttl)})
        if key == "tokens" and rest == ["expire"] and m == "POST":
            service = self._body(req).get("service")
            if service not in (None, "login", "gateway"):
                raise _bad("service must be 'login' or 'gateway'")
            return json_reply(200, {"expired": w.auth.expire_all(service)})
        if key == "graph" and rest == ["audience"]:
            if m == "POST":
                try:
                    w.graph.set_audience(self._body(req).get("audience"))
                except ValueError as e:
                    raise _bad(str(e))
            if m in ("POST", "GET"):
                return json_reply(200, {"audience": w.graph.audience})
        if key == "graph" and rest == ["limits"]:
            if m == "POST":
                try:
                    w.graph.limits.configure(self._body(req))
                except ValueError as e:
                    raise _bad(str(e))
            if m in ("POST", "GET"):
                return json_reply(200, w.graph.limits.state())
        if key == "users":
            return self._users(req, rest)
        if key == "messages" and not rest and m == "POST":
            return self._add_message(req)
        if key == "mailboxes" and len(rest) == 1 and m == "GET":
            user = self._user(req, rest[0])
            if user.mailbox is None:
                raise ControlError(404, "%s has no mailbox" % user.upn)
            state = user.mailbox.state()
            return json_reply(200, dict({"mailbox": user.upn,
                                         "userId": user.id,
                                         "tenant": user.tenant}, **state))
        if key == "held" and not rest and m == "POST":
            try:
                held = w.gateway.add_held(self._body(req))
            except ValueError as e:
                raise _bad(str(e))
            return json_reply(201, held.state())
        if key == "gateway" and not rest and m == "GET":
            return json_reply(200, w.gateway.state())
        if (key == "gateway" and len(rest) == 3 and rest[0] == "incidents"
                and rest[2] == "restore" and m == "POST"):
            try:
                incident = w.gateway.restore_in_console(rest[1])
            except KeyError:
                raise ControlError(404, "no remediation incident %s" % rest[1])
            return json_reply(200, incident.state())
        if key == "faults" and not rest:
            if m == "POST":
                try:
                    fault = w.faults.add(self._body(req))
                except ValueError as e:
                    raise _bad(str(e))
                return json_reply(201, fault.state())
            if m == "GET":
                return json_reply(200, {"faults": w.faults.state()})
            if m == "DELETE":
                return json_reply(200, {"deleted": w.faults.clear()})
        if key == "delay" and not rest:
            if m == "POST":
                ms = self._body(req).get("ms")
                if isinstance(ms, bool) or not isinstance(ms, int) or not (
                        0 <= ms <= MAX_DELAY_MS):
                    raise _bad("ms must be an integer from 0 to %d"
                               % MAX_DELAY_MS)
                w.delay_ms = ms
            if m in ("POST", "GET"):
                return json_reply(200, {"ms": w.delay_ms})
        if key == "requests" and not rest:
            if m == "GET":
                return self._requests(req)
            if m == "DELETE":
                return json_reply(200, {"deleted": w.log.clear()})
        if key == "webhooks":
            return self._webhooks(req, rest)
        raise ControlError(404, "No control endpoint %s %s" % (m, req.path))

    # ---- apps and users ----------------------------------------------------

    def _add_app(self, req):
        body = self._body(req)
        service = body.get("service", "login")
        try:
            self.world.auth.register(service, body.get("tenant"),
                                     body.get("client_id"),
                                     body.get("client_secret"))
        except ValueError as e:
            raise _bad(str(e))
        return json_reply(201, {"service": service,
                                "tenant": body.get("tenant")
                                if service == "login" else None,
                                "client_id": body.get("client_id")})

    def _user(self, req, ref):
        directory = self.world.directory
        tenant = req.query.get("tenant")
        if tenant:
            user = directory.find(tenant, ref)
        else:
            user = directory.find(None, ref)
            if user is None:
                user = next((directory.find(t, ref)
                             for t in directory.tenants
                             if directory.find(t, ref) is not None), None)
        if user is None:
            raise ControlError(404, "No user %s" % ref)
        return user

    def _users(self, req, rest):
        m = req.method
        directory = self.world.directory
        if not rest and m == "POST":
            body = self._body(req)
            enabled = body.get("accountEnabled", True)
            if not isinstance(enabled, bool):
                raise _bad("accountEnabled must be a boolean")
            try:
                user = directory.add_user(
                    body.get("userPrincipalName"), tenant=body.get("tenant"),
                    user_id=body.get("id"), account_enabled=enabled,
                    display_name=body.get("displayName"),
                    has_mailbox=bool(body.get("hasMailbox", True)))
            except ValueError as e:
                raise _bad(str(e))
            except KeyError as e:
                raise ControlError(409, str(e.args[0]))
            return json_reply(201, user.state())
        if not rest and m == "GET":
            return json_reply(200, {"users": [u.state() for u in
                                              directory.all_users()]})
        if len(rest) == 1 and m == "GET":
            return json_reply(200, self._user(req, rest[0]).state())
        if len(rest) == 1 and m == "PATCH":
            user = self._user(req, rest[0])
            body = self._body(req)
            if "accountEnabled" in body:
                if not isinstance(body["accountEnabled"], bool):
                    raise _bad("accountEnabled must be a boolean")
                user.account_enabled = body["accountEnabled"]
            return json_reply(200, user.state())
        raise ControlError(404, "No control endpoint %s %s" % (m, req.path))

    # ---- mail ---------------------------------------------------------------

    def _add_message(self, req):
        body = self._body(req)
        mailbox_ref = body.get("mailbox")
        if not isinstance(mailbox_ref, str) or not mailbox_ref:
            raise _bad("mailbox is required")
        directory = self.world.directory
        tenant = body.get("tenant")
        user = directory.find(tenant, mailbox_ref)
        if user is None:
            if "@" not in mailbox_ref:
                raise _bad("no user %s" % mailbox_ref)
            user = directory.add_user(mailbox_ref, tenant=tenant)
        if user.mailbox is None:
            raise _bad("%s has no mailbox" % user.upn)
        imid = body.get("internetMessageId")
        if not isinstance(imid, str) or not imid:
            raise _bad("internetMessageId is required")
        folder_name = body.get("folder", "inbox")
        folder = user.mailbox.folder_by_name(str(folder_name))
        if folder is None:
            raise _bad("no folder %r in %s (well-known names: inbox, "
                       "junkemail, deleteditems, sentitems, drafts, archive)"
                       % (folder_name, user.upn))
        to = body.get("to", [user.upn])
        if isinstance(to, str):
            to = [to]
        attachments = body.get("attachments", [])
        if not isinstance(attachments, list) or not all(
                isinstance(a, dict) for a in attachments):
            raise _bad("attachments must be a list of objects")
        decoded = []
        for att in attachments:
            if "content_base64" in att:
                try:
                    content = decode_content(str(att["content_base64"]))
                except ValueError as e:
                    raise _bad(str(e))
            else:
                content = str(att.get("content", "")).encode("utf-8")
            decoded.append((str(att.get("name", "attachment.bin")),
                            str(att.get("contentType",
                                        "application/octet-stream")),
                            content))
        msg = user.mailbox.add_message(
            imid, str(body.get("subject", "")), folder,
            sender=str(body.get("from", "sender@external.example")),
            to=[str(a) for a in to], body=str(body.get("body", "")),
            received=_parse_time(body.get("receivedDateTime")))
        for name, content_type, content in decoded:
            user.mailbox.add_attachment(msg, name, content_type, content)
        out = {"mailbox": user.upn, "userId": user.id, "tenant": user.tenant}
        out.update(message_state(user.mailbox, msg))
        return json_reply(201, out)

    # ---- logs ---------------------------------------------------------------

    def _requests(self, req):
        since = req.query.get("since", "0")
        if not since.isdigit():
            raise _bad("since must be a sequence number")
        log = self.world.log
        entries = log.query(service=req.query.get("service"),
                            since=int(since),
                            method=req.query.get("method"),
                            path_contains=req.query.get("path_contains"))
        return json_reply(200, {"requests": entries, "last_seq": log.seq,
                                "dropped": log.dropped})

    def _webhooks(self, req, rest):
        hooks = self.world.webhooks
        m = req.method
        if not rest:
            if m == "GET":
                return json_reply(200, {"webhooks": hooks.names()})
            if m == "DELETE":
                hooks.clear()
                return json_reply(200, {"cleared": True})
        else:
            name = "/".join(rest)
            if m == "POST":
                try:
                    return json_reply(200, hooks.configure(name,
                                                           self._body(req)))
                except ValueError as e:
                    raise _bad(str(e))
            if m == "GET":
                return json_reply(200, hooks.state(name))
            if m == "DELETE":
                hooks.clear(name)
                return json_reply(200, {"cleared": name})
        raise ControlError(404, "No control endpoint %s %s" % (m, req.path))
