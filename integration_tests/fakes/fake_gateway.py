"""Fake mail security gateway in the style of the Mimecast API 2.0.

Under /gateway: POST /oauth/token (client credentials, see fake_auth.py;
also answered at /api/oauth/token)
and JSON POST endpoints under /api/ that take {"data": [...]} and answer
{"meta": {"status": 200}, "data": [...], "fail": [...]}. As with Mimecast,
a request that is understood gets HTTP 200 even when items fail: each
failed item is {"key": <the item sent>, "errors": [{"code", "message",
"retryable"}]} in "fail".

Held messages are released into the recipients' mailboxes (when they exist
in the fake directory).

Threat remediation follows the Mimecast API 2.0 reference: create
({"reason", "searchBy": "messageId", "hashOrMessageId": "<...>"}) answers
with the incident: a secure "id", a short "code" (the console's Incident
ID), "type", "reason", "searchCriteria", and the counts "identified",
"successful", "failed", "restored". get-incident ({"id"}) and
find-incidents ({"searchBy": [{"fieldName": all|code|file_hash|reason,
"value"}], "filterBy": [{"fieldName": "type", "value"}]}) read incidents
back. An incident hides every delivered copy of the message from Graph; a
create that finds no copy left to remove fails. The API has no restore
call: only the console restores, which /_fake/gateway/incidents/<id or
code>/restore stands in for. Not thread-safe: callers hold the World lock.
"""

import time

from fake_common import iso_time, json_reply, opaque_id

HOLD_FIELDS = ("messageId", "subject", "sender", "recipient", "reasonCode",
               "all")


class Held:
    def __init__(self, message_id, subject, sender, to, reason, reason_code):
        self.id = opaque_id(b"eNo", 30)
        self.message_id = message_id
        self.subject = subject
        self.sender = sender
        self.to = to
        self.reason = reason
        self.reason_code = reason_code
        self.received = time.time()
        self.status = "held"
        self.released_at = None
        self.delivered_to = []

    def render(self):
        def party(addr):
            return {"displayableName": addr.split("@")[0],
                    "emailAddress": addr}
        return {
            "id": self.id,
            "messageId": self.message_id,
            "dateReceived": iso_time(self.received),
            "subject": self.subject,
            "from": party(self.sender),
            "fromHeader": party(self.sender),
            "to": [party(a) for a in self.to],
            "hasAttachments": False,
            "reason": self.reason,
            "reasonCode": self.reason_code,
            "reasonId": self.reason_code,
            "route": "inbound",
            "policyInfo": self.reason,
        }

    def state(self):
        out = self.render()
        out.update({"status": self.status,
                    "releasedAt": iso_time(self.released_at)
                    if self.released_at else None,
                    "deliveredTo": list(self.delivered_to)})
        return out


def mimecast_time(t):
    """The API's date strings: 2015-11-16T14:49:18+0000."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(t))


class Incident:
    def __init__(self, number, message_id, reason):
        self.id = opaque_id(b"eNo", 30)
        self.code = "TR-FAKE-%04d" % number
        self.message_id = message_id
        self.reason = reason
        self.type = "manual"
        self.created = time.time()
        self.modified = self.created
        self.mailboxes = []
        self.restored_mailboxes = []

    def render(self):
        return {
            "id": self.id,
            "code": self.code,
            "type": self.type,
            "reason": self.reason,
            "searchCriteria": {"messageId": self.message_id,
                               "fileHash": None, "from": None, "to": None,
                               "start": None, "end": None},
            "create": mimecast_time(self.created),
            "modified": mimecast_time(self.modified),
            "identified": len(self.mailboxes),
            "successful": len(self.mailboxes),
            "failed": 0,
            "restored": len(self.restored_mailboxes),
        }

    def state(self):
        return dict(self.render(), mailboxes=list(self.mailboxes),
                    restoredMailboxes=list(self.restored_mailboxes))


def _envelope(status, data, fail, meta=None):
    body = {"meta": dict({"status": status}, **(meta or {})),
            "data": data, "fail": fail}
    return json_reply(status, body)


def _fail(key, code, message, retryable=False):
    entry = {"errors": [{"code": code, "message": message,
                         "retryable": retryable}]}
    if key is not None:
        entry = dict({"key": key}, **entry)
    return entry


class GatewayService:
    def __init__(self, auth, directory):
        self.auth = auth
        self.directory = directory
        self.held = {}  # hold id -> Held, in arrival order
        self.incidents = {}  # incident id -> Incident, in creation order
        self._routes = {
            "gateway/get-hold-message-list": self._hold_list,
            "gateway/hold-release": self._hold_release,
            "ttp/remediation/create": self._remediate,
            "ttp/remediation/get-incident": self._get_incident,
            "ttp/remediation/find-incidents": self._find_incidents,
        }

    # ---- HTTP ---------------------------------------------------------------

    def handle(self, req):
        segs = req.segments
        # Mimecast serves the token at the host root; also accept it under
        # /api for adapters configured with base_url .../gateway/api.
        if segs in (["oauth", "token"], ["api", "oauth", "token"]):
            return self.auth.handle_gateway_token(req)
        handler = None
        if segs and segs[0] == "api":
            handler = self._routes.get("/".join(segs[1:]))
        if handler is None:
            return _envelope(404, [], [_fail(None, "err_resource_not_found",
                                             "No such endpoint: %s"
                                             % req.raw_path)])
        if req.method != "POST":
            return _envelope(405, [], [_fail(None, "err_method_not_allowed",
                                             "Use POST.")])
        token, reason = self.auth.check("gateway", req.header("Authorization"))
        if token is None:
            return self.auth.gateway_unauthorized(reason)
        try:
            body = req.json_body()
        except (ValueError, UnicodeDecodeError):
            return _envelope(400, [], [_fail(None, "err_request_malformed",
                                             "The request body is not valid "
                                             "JSON.")])
        if not isinstance(body, dict) or not isinstance(body.get("data"),
                                                        list):
            return _envelope(400, [], [_fail(None, "err_validation_missing",
                                             "The request must have a 'data' "
                                             "array.")])
        items = body["data"]
        if any(not isinstance(item, dict) for item in items):
            return _envelope(400, [], [_fail(None, "err_validation_invalid",
                                             "Every 'data' item must be an "
                                             "object.")])
        return handler(items)

    def fault_reply(self, req, fault, extra_headers):
        retryable = fault.status in (429, 500, 502, 503, 504)
        default = {429: "err_xdk_client_rate_limit_exceeded",
                   503: "err_service_unavailable",
                   504: "err_gateway_timeout"}.get(fault.status,
                                                  "err_internal")
        reply = _envelope(fault.status, [], [_fail(
            None, fault.code or default,
            fault.message or "Injected failure (HTTP %d)." % fault.status,
            retryable)])
        reply.headers.extend(extra_headers)
        if fault.status == 429:
            reply.add_header("X-RateLimit-Limit", "50")
            reply.add_header("X-RateLimit-Remaining", "0")
            retry = next((v for k, v in extra_headers
                          if k.lower() == "retry-after"), None)
            if retry is not None and retry.isdigit():
                reply.add_header("X-RateLimit-Reset", str(int(retry) * 1000))
        return reply

    # ---- endpoints ----------------------------------------------------------

    def _hold_list(self, items):
        found = []
        for item in items or [{}]:
            search = item.get("searchBy") or {}
            field = search.get("fieldName", "all")
            value = str(search.get("value", "")).lower()
            if field not in HOLD_FIELDS:
                return _envelope(200, [], [_fail(
                    item, "err_validation_invalid_value",
                    "Unsupported searchBy.fieldName '%s'." % field)])
            for held in self.held.values():
                if held.status != "held" or held in found:
                    continue
                haystack = {
                    "messageId": [held.message_id],
                    "subject": [held.subject],
                    "sender": [held.sender],
                    "recipient": held.to,
                    "reasonCode": [held.reason_code],
                    "all": [held.message_id, held.subject, held.sender]
                    + held.to,
                }[field]
                if field == "messageId":
                    hit = any(h.lower() == value for h in haystack)
                else:
                    hit = any(value in h.lower() for h in haystack)
                if hit:
                    found.append(held)
        data = [h.render() for h in found]
        return _envelope(200, data, [], {"pagination": {
            "pageSize": 100, "totalCount": len(data)}})

    def _hold_release(self, items):
        data, fail = [], []
        for item in items:
            hold_id = item.get("id")
            held = self.held.get(hold_id) if isinstance(hold_id, str) else None
            if not hold_id:
                fail.append(_fail(item, "err_validation_missing",
                                  "'id' is required."))
            elif held is None or held.status != "held":
                fail.append(_fail(item, "err_hold_not_found",
                                  "No held message with id '%s'." % hold_id))
            else:
                held.status = "released"
                held.released_at = time.time()
                held.delivered_to = self._deliver(held)
                data.append({"id": held.id, "release": True})
        return _envelope(200, data, fail)

    def _deliver(self, held):
        delivered = []
        for address in held.to:
            for user in self.directory.all_users():
                if user.upn.lower() == address.lower() and user.mailbox:
                    inbox = user.mailbox.folder("inbox")
                    user.mailbox.add_message(held.message_id, held.subject,
                                             inbox, sender=held.sender,
                                             to=held.to)
                    delivered.append(user.upn)
        return delivered

    def _known(self, message_id):
        if any(True for _ in self.directory.messages_with_internet_id(
                message_id)):
            return True
        return any(h.message_id == message_id for h in self.held.values())

    def _remediate(self, items):
        data, fail = [], []
        for item in items:
            search_by = item.get("searchBy", "hash")
            message_id = item.get("hashOrMessageId")
            reason = item.get("reason")
            if not isinstance(reason, str) or not reason:
                fail.append(_fail(item, "err_validation_missing",
                                  "'reason' is required."))
                continue
            if search_by != "messageId":
                fail.append(_fail(item, "err_validation_invalid_value",
                                  "This fake remediates by messageId only."))
                continue
            if not isinstance(message_id, str) or not message_id:
                fail.append(_fail(item, "err_validation_missing",
                                  "'hashOrMessageId' is required."))
                continue
            if not (message_id.startswith("<") and message_id.endswith(">")):
                fail.append(_fail(item, "err_validation_invalid_value",
                                  "A messageId needs its '<' '>' "
                                  "delimiters."))
                continue
            if not self._known(message_id):
                fail.append(_fail(item, "err_message_not_found",
                                  "No message with id '%s' passed through "
                                  "the gateway." % message_id))
                continue
            copies = [(user, msg) for user, msg in
                      self.directory.messages_with_internet_id(message_id)
                      if msg.remediation_id is None]
            if not copies:
                fail.append(_fail(item, "err_remediation_no_messages_found",
                                  "No messages found to remediate."))
                continue
            incident = Incident(len(self.incidents) + 1, message_id, reason)
            for user, msg in copies:
                msg.remediation_id = incident.id
                incident.mailboxes.append(user.upn)
            self.incidents[incident.id] = incident
            data.append(incident.render())
        return _envelope(200, data, fail)

    def _get_incident(self, items):
        data, fail = [], []
        for item in items:
            incident = self.incidents.get(item.get("id"))
            if not item.get("id"):
                fail.append(_fail(item, "err_validation_missing",
                                  "'id' is required."))
            elif incident is None:
                fail.append(_fail(item, "err_remediation_incident_not_found",
                                  "No remediation incident with id '%s'."
                                  % item.get("id")))
            else:
                data.append(incident.render())
        return _envelope(200, data, fail)

    def _find_incidents(self, items):
        data, fail = [], []
        for item in items:
            search = item.get("searchBy") or []
            if isinstance(search, dict):
                search = [search]
            types = [f.get("value") for f in item.get("filterBy") or []
                     if isinstance(f, dict) and f.get("fieldName") == "type"]
            if not search and not types:
                fail.append(_fail(item, "err_validation_missing",
                                  "At least one field must be supplied."))
                continue
            bad = [c for c in search if not isinstance(c, dict) or
                   c.get("fieldName") not in ("all", "code", "file_hash",
                                              "reason")]
            if bad:
                fail.append(_fail(item, "err_validation_invalid_value",
                                  "searchBy.fieldName must be all, code, "
                                  "file_hash or reason."))
                continue
            for incident in self.incidents.values():
                if types and incident.type not in types:
                    continue
                if all(self._matches(incident, c) for c in search):
                    data.append(incident.render())
        return _envelope(200, data, fail)

    @staticmethod
    def _matches(incident, criterion):
        value = str(criterion.get("value", "")).lower()
        fields = {"code": [incident.code], "reason": [incident.reason],
                  "file_hash": [],
                  "all": [incident.code, incident.reason,
                          incident.message_id]}[criterion["fieldName"]]
        return any(value in f.lower() for f in fields)

    def restore_in_console(self, ref):
        """What an administrator does in the console: restore an incident."""
        incident = self.incidents.get(ref) or next(
            (i for i in self.incidents.values() if i.code == ref), None)
        if incident is None:
            raise KeyError(ref)
        for user, msg in self.directory.messages_with_internet_id(
                incident.message_id):
            if msg.remediation_id == incident.id:
                msg.remediation_id = None
                incident.restored_mailboxes.append(user.upn)
        incident.type = "restored"
        incident.modified = time.time()
        return incident

    # ---- control ------------------------------------------------------------

    def add_held(self, spec):
        message_id = spec.get("messageId")
        if not isinstance(message_id, str) or not message_id:
            raise ValueError("messageId is required")
        to = spec.get("to", [])
        if isinstance(to, str):
            to = [to]
        if not all(isinstance(a, str) for a in to):
            raise ValueError("to must be an address or a list of addresses")
        held = Held(message_id, str(spec.get("subject", "")),
                    str(spec.get("from", "sender@external.example")), to,
                    str(spec.get("reason", "Attachment Protection")),
                    str(spec.get("reasonCode", "attachment_protection")))
        self.held[held.id] = held
        return held

    def state(self):
        return {
            "held": [h.state() for h in self.held.values()
                     if h.status == "held"],
            "released": [h.state() for h in self.held.values()
                         if h.status == "released"],
            "incidents": [i.state() for i in self.incidents.values()],
        }
