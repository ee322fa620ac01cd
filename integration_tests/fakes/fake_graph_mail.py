"""Fake Graph mail: /users/{mailbox}/mailFolders/... and /messages/...

See fake_mailbox.py for the id rules (a move changes REST ids; immutable
ids only with `Prefer: IdType="ImmutableId"`). Lists page at $top (default
10) with @odata.nextLink, so clients must follow it. Not thread-safe:
callers hold the World lock.
"""

import base64

from fake_common import GRAPH_JSON_TYPE, Reply, iso_time, json_reply
from fake_graph_base import (ITEM_NOT_FOUND, GraphError, quote_key,
                             segment_is)
from fake_mailbox import (ATTACHMENT_TYPES, FILE_ATTACHMENT,
                          ITEM_ATTACHMENT, REFERENCE_ATTACHMENT, FolderExists,
                          looks_like_id)
from fake_odata import (QueryError, matches, parse_filter, parse_select,
                        parse_skip, parse_top)

MESSAGE_PROPS = [
    "id", "createdDateTime", "lastModifiedDateTime", "changeKey",
    "categories", "receivedDateTime", "sentDateTime", "hasAttachments",
    "internetMessageId", "subject", "bodyPreview", "importance",
    "parentFolderId", "conversationId", "isRead", "isDraft", "webLink",
    "inferenceClassification", "body", "sender", "from", "toRecipients",
    "ccRecipients", "bccRecipients", "replyTo", "flag",
]
MESSAGE_FILTER_PROPS = ["internetMessageId", "subject", "parentFolderId",
                        "hasAttachments", "isRead", "conversationId"]
FOLDER_PROPS = ["id", "displayName", "parentFolderId", "childFolderCount",
                "unreadItemCount", "totalItemCount", "sizeInBytes",
                "isHidden"]
# A listing leaves out the contentBytes of larger file attachments.
LISTED_CONTENT_LIMIT = 3 * 1024 * 1024
ATTACHMENT_PROPS = ["id", "lastModifiedDateTime", "name", "contentType",
                    "size", "isInline", "contentId", "contentLocation",
                    "contentBytes"]


def _address(addr):
    if not addr:
        return None
    return {"emailAddress": {"name": addr.split("@")[0], "address": addr}}


class GraphMail:
    def __init__(self, directory):
        self.directory = directory

    def handle(self, call, ref, user, rest):
        """rest starts at "messages" or "mailFolders"."""
        call.outlook = True
        if user is None:
            raise GraphError(404, "ErrorInvalidUser",
                             "The requested user '%s' is invalid." % ref)
        if user.mailbox is None:
            raise GraphError(404, "MailboxNotEnabledForRESTAPI",
                             "The mailbox is either inactive, soft-deleted, "
                             "or is hosted on-premise.")
        call.mailbox_key = quote_key(ref)
        mailbox = user.mailbox
        method = call.req.method
        if segment_is(rest[0], "mailFolders"):
            if len(rest) == 1:
                if method == "GET":
                    return self._list_folders(call, mailbox, mailbox.root)
                if method == "POST":
                    return self._create_folder(call, mailbox, mailbox.root)
                raise call.method_not_allowed()
            folder = self._folder(mailbox, rest[1])
            if len(rest) == 2:
                if method != "GET":
                    raise call.method_not_allowed()
                return self._folder_reply(call, mailbox, folder)
            if segment_is(rest[2], "childFolders") and len(rest) == 3:
                if method == "GET":
                    return self._list_folders(call, mailbox, folder)
                if method == "POST":
                    return self._create_folder(call, mailbox, folder)
                raise call.method_not_allowed()
            if segment_is(rest[2], "messages"):
                return self._messages(call, mailbox, rest[3:], folder)
            raise GraphError(400, "BadRequest", "Resource not found for the "
                             "segment '%s'." % rest[2])
        return self._messages(call, mailbox, rest[1:], None)

    # ---- lookups ------------------------------------------------------------

    @staticmethod
    def _not_found_or_malformed(ref):
        if looks_like_id(ref):
            return GraphError(404, "ErrorItemNotFound", ITEM_NOT_FOUND)
        return GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")

    def _folder(self, mailbox, ref):
        folder = mailbox.folder(ref)
        if folder is None:
            raise self._not_found_or_malformed(ref)
        return folder

    def _message(self, mailbox, ref, folder):
        msg = mailbox.message(ref)
        if msg is None or (folder is not None and msg.folder_id != folder.id):
            raise self._not_found_or_malformed(ref)
        return msg

    # ---- folders ------------------------------------------------------------

    def _render_folder(self, mailbox, folder, selected=None):
        total, unread = mailbox.counts(folder.id)
        props = {
            "id": folder.id,
            "displayName": folder.display_name,
            "parentFolderId": folder.parent_id,
            "childFolderCount": len(mailbox.children(folder.id)),
            "unreadItemCount": unread,
            "totalItemCount": total,
            "sizeInBytes": 0,
            "isHidden": False,
        }
        return {k: props[k] for k in (selected or FOLDER_PROPS)}

    def _folder_reply(self, call, mailbox, folder):
        select = call.req.option("$select")
        selected = (parse_select(select, FOLDER_PROPS,
                                 "microsoft.graph.mailFolder")
                    if select else None)
        if selected and "id" not in selected:
            selected.insert(0, "id")
        body = {"@odata.context": call.context(
            "users('%s')/mailFolders/$entity" % call.mailbox_key)}
        body.update(self._render_folder(mailbox, folder, selected))
        return json_reply(200, body, content_type=GRAPH_JSON_TYPE)

    def _list_folders(self, call, mailbox, parent):
        req = call.req
        text = req.option("$filter")
        clauses = (parse_filter(text, ["displayName", "id", "parentFolderId"])
                   if text else [])
        select = req.option("$select")
        selected = (parse_select(select, FOLDER_PROPS,
                                 "microsoft.graph.mailFolder")
                    if select else None)
        if selected and "id" not in selected:
            selected.insert(0, "id")
        folders = [self._render_folder(mailbox, f)
                   for f in mailbox.children(parent.id)]
        folders = [f for f in folders if matches(f, clauses)]
        body = self._page(call, folders, default_top=10)
        body["value"] = [{k: f[k] for k in (selected or FOLDER_PROPS)}
                         for f in body["value"]]
        body = dict({"@odata.context": call.context(
            "users('%s')/mailFolders" % call.mailbox_key)}, **body)
        return json_reply(200, body, content_type=GRAPH_JSON_TYPE)

    def _create_folder(self, call, mailbox, parent):
        body = call.json_object()
        name = body.get("displayName")
        if not isinstance(name, str) or not name.strip():
            raise GraphError(400, "ErrorInvalidParameter",
                             "The value of the parameter 'DisplayName' is "
                             "empty.")
        try:
            folder = mailbox.create_folder(parent.id, name)
        except FolderExists:
            raise GraphError(409, "ErrorFolderExists",
                             "A folder with the specified name already "
                             "exists.")
        out = {"@odata.context": call.context(
            "users('%s')/mailFolders/$entity" % call.mailbox_key)}
        out.update(self._render_folder(mailbox, folder))
        return json_reply(201, out, content_type=GRAPH_JSON_TYPE)

    # ---- messages -----------------------------------------------------------

    def _messages(self, call, mailbox, rest, folder):
        method = call.req.method
        if not rest:
            if method != "GET":
                raise call.method_not_allowed()
            return self._list_messages(call, mailbox, folder)
        msg = self._message(mailbox, rest[0], folder)
        if len(rest) == 1:
            if method != "GET":
                raise call.method_not_allowed()
            return self._message_reply(call, mailbox, msg, 200)
        if segment_is(rest[1], "move") and len(rest) == 2:
            if method != "POST":
                raise call.method_not_allowed()
            return self._move(call, mailbox, msg)
        if segment_is(rest[1], "attachments"):
            return self._attachments(call, mailbox, msg, rest[2:])
        raise GraphError(400, "BadRequest", "Resource not found for the "
                         "segment '%s'." % rest[1])

    def _message_props(self, call, mailbox, msg):
        body_text = msg.body or ""
        return {
            "id": msg.immutable_id if call.immutable else msg.rest_id,
            "createdDateTime": iso_time(msg.created),
            "lastModifiedDateTime": iso_time(msg.last_modified),
            "changeKey": msg.change_key,
            "categories": [],
            "receivedDateTime": iso_time(msg.received),
            "sentDateTime": iso_time(msg.received),
            "hasAttachments": bool(msg.attachments),
            "internetMessageId": msg.internet_message_id,
            "subject": msg.subject,
            "bodyPreview": body_text[:255],
            "importance": "normal",
            "parentFolderId": msg.folder_id,
            "conversationId": msg.conversation_id,
            "isRead": msg.is_read,
            "isDraft": False,
            "webLink": "https://outlook.office365.com/owa/?ItemID=%s"
                       % quote_key(msg.rest_id),
            "inferenceClassification": "focused",
            "body": {"contentType": "html", "content": body_text},
            "sender": _address(msg.sender),
            "from": _address(msg.sender),
            "toRecipients": [_address(a) for a in msg.to],
            "ccRecipients": [],
            "bccRecipients": [],
            "replyTo": [],
            "flag": {"flagStatus": "notFlagged"},
        }

    def _message_selection(self, call):
        select = call.req.option("$select")
        if not select:
            return None
        selected = parse_select(select, MESSAGE_PROPS,
                                "microsoft.graph.message")
        if "id" not in selected:
            selected.insert(0, "id")
        return selected

    def _render_message(self, call, mailbox, msg, selected, expand):
        props = self._message_props(call, mailbox, msg)
        out = {"@odata.etag": 'W/"%s"' % msg.change_key}
        for key in selected or MESSAGE_PROPS:
            out[key] = props[key]
        if expand:
            out["attachments"] = [self._render_attachment(call, a, True)
                                  for a in msg.attachments]
        return out

    def _expand(self, call):
        expand = call.req.option("$expand")
        if expand is None:
            return False
        if expand.strip().lower() != "attachments":
            raise QueryError("Parsing OData Select and Expand failed: Could "
                             "not find a property named '%s' on type "
                             "'microsoft.graph.message'." % expand)
        return True

    def _message_reply(self, call, mailbox, msg, status):
        out = {"@odata.context": call.context(
            "users('%s')/messages/$entity" % call.mailbox_key)}
        out.update(self._render_message(call, mailbox, msg,
                                        self._message_selection(call),
                                        self._expand(call)))
        return json_reply(status, out, content_type=GRAPH_JSON_TYPE)

    def _list_messages(self, call, mailbox, folder):
        req = call.req
        text = req.option("$filter")
        clauses = parse_filter(text, MESSAGE_FILTER_PROPS) if text else []
        selected = self._message_selection(call)
        expand = self._expand(call)
        msgs = [m for m in mailbox.visible()
                if folder is None or m.folder_id == folder.id]
        msgs = [m for m in msgs
                if matches(self._message_props(call, mailbox, m), clauses)]
        order = (req.option("$orderby") or "receivedDateTime desc").split()
        if not order or order[0].lower() not in ("receiveddatetime",
                                                 "subject"):
            raise QueryError("The $orderby expression '%s' is not supported."
                             % req.option("$orderby"))
        descending = len(order) > 1 and order[1].lower() == "desc"
        if order[0].lower() == "subject":
            msgs.sort(key=lambda m: (m.subject or "").lower(),
                      reverse=descending)
        else:
            msgs.sort(key=lambda m: m.received, reverse=descending)
        rendered = [self._render_message(call, mailbox, m, selected, expand)
                    for m in msgs]
        body = self._page(call, rendered, default_top=10)
        body = dict({"@odata.context": call.context(
            "users('%s')/messages" % call.mailbox_key)}, **body)
        return json_reply(200, body, content_type=GRAPH_JSON_TYPE)

    def _page(self, call, items, default_top):
        top = parse_top(call.req.option("$top"), default_top, 1000)
        skip = parse_skip(call.req.option("$skip"))
        page = {"value": items[skip:skip + top]}
        if skip + top < len(items):
            page["@odata.nextLink"] = call.next_link(skip + top)
        return page

    def _move(self, call, mailbox, msg):
        body = call.json_object()
        destination = body.get("destinationId")
        if not isinstance(destination, str) or not destination:
            raise GraphError(400, "ErrorInvalidParameter",
                             "The value of the parameter 'DestinationId' is "
                             "empty.")
        folder = self._folder(mailbox, destination)
        mailbox.move(msg, folder)
        return self._message_reply(call, mailbox, msg, 201)

    # ---- attachments --------------------------------------------------------

    def _render_attachment(self, call, att, with_content, selected=None,
                           listing=False):
        """As Graph renders each kind: contentId, contentLocation and
        contentBytes belong to fileAttachment only, and a listing leaves
        out the contentBytes of files over 3 MB (read those with $value)."""
        is_file = att.odata_type == FILE_ATTACHMENT
        props = {
            "id": att.immutable_id if call.immutable else att.rest_id,
            "lastModifiedDateTime": iso_time(att.last_modified),
            "name": att.name,
            "contentType": att.content_type,
            "size": att.size,
            "isInline": att.is_inline,
        }
        if is_file:
            props["contentId"] = att.content_id
            props["contentLocation"] = None
            if not (listing and att.size > LISTED_CONTENT_LIMIT):
                props["contentBytes"] = base64.b64encode(
                    att.content).decode("ascii")
        out = {"@odata.type": att.odata_type}
        if with_content and is_file and not selected and not listing:
            out["@odata.mediaContentType"] = att.content_type
        keys = selected or [k for k in ATTACHMENT_PROPS
                            if with_content or k != "contentBytes"]
        for key in keys:
            if key in props:
                out[key] = props[key]
        return out

    def _add_attachment(self, call, mailbox, msg, context):
        """POST .../attachments: a file, an Outlook item, or a link."""
        body = call.json_object()
        odata_type = body.get("@odata.type")
        if odata_type not in ATTACHMENT_TYPES:
            raise GraphError(400, "ErrorInvalidRequest",
                             "@odata.type must name a fileAttachment, "
                             "itemAttachment or referenceAttachment.")
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise GraphError(400, "ErrorInvalidParameter",
                             "The value of the parameter 'Name' is empty.")
        kind = {"odata_type": odata_type,
                "is_inline": bool(body.get("isInline", False))}
        content_type = body.get("contentType")
        if odata_type == FILE_ATTACHMENT:
            try:
                content = base64.b64decode(body.get("contentBytes") or "",
                                           validate=True)
            except ValueError:
                raise GraphError(400, "ErrorInvalidParameter",
                                 "contentBytes is not base64.")
            kind["content_id"] = body.get("contentId")
            content_type = content_type or "application/octet-stream"
        elif odata_type == ITEM_ATTACHMENT:
            item = body.get("item") or {}
            content = ("Subject: %s\r\nContent-Type: text/plain\r\n\r\n%s"
                       % (item.get("subject", ""),
                          (item.get("body") or {}).get("content", "")))
            content = content.encode("utf-8")
        else:
            content = b""
            kind["source_url"] = body.get("sourceUrl")
        att = mailbox.add_attachment(msg, name, content_type, content, **kind)
        out = {"@odata.context": call.context(context + "/$entity")}
        out.update(self._render_attachment(call, att, True))
        return json_reply(201, out, content_type=GRAPH_JSON_TYPE)

    def _attachments(self, call, mailbox, msg, rest):
        method = call.req.method
        select = call.req.option("$select")
        selected = (parse_select(select, ATTACHMENT_PROPS,
                                 "microsoft.graph.attachment")
                    if select else None)
        if selected and "id" not in selected:
            selected.insert(0, "id")
        context = "users('%s')/messages('%s')/attachments" % (
            call.mailbox_key,
            quote_key(msg.immutable_id if call.immutable else msg.rest_id))
        if not rest:
            if method == "POST":
                return self._add_attachment(call, mailbox, msg, context)
            if method != "GET":
                raise call.method_not_allowed()
            return json_reply(200, {
                "@odata.context": call.context(context),
                "value": [self._render_attachment(call, a, True, selected,
                                                  listing=True)
                          for a in msg.attachments],
            }, content_type=GRAPH_JSON_TYPE)
        att = msg.attachment(rest[0])
        if att is None:
            raise self._not_found_or_malformed(rest[0])
        if len(rest) == 2 and rest[1] == "$value":
            if method != "GET":
                raise call.method_not_allowed()
            # Raw contents: a file's bytes, an item's MIME, none for a link.
            if att.odata_type == REFERENCE_ATTACHMENT:
                raise GraphError(405, "ErrorInvalidRequest",
                                 "The raw contents of a reference attachment "
                                 "are not available.")
            if att.odata_type == ITEM_ATTACHMENT:
                return Reply(200, att.content, content_type="message/rfc822")
            return Reply(200, att.content,
                         content_type=att.content_type or
                         "application/octet-stream")
        if len(rest) != 1:
            raise GraphError(400, "BadRequest", "Resource not found for the "
                             "segment '%s'." % rest[1])
        if method == "GET":
            out = {"@odata.context": call.context(context + "/$entity")}
            out.update(self._render_attachment(call, att, True, selected))
            return json_reply(200, out, content_type=GRAPH_JSON_TYPE)
        if method == "DELETE":
            mailbox.delete_attachment(msg, att)
            return Reply(204)
        raise call.method_not_allowed()
