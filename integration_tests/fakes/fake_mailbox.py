"""Exchange Online mailbox model behind the fake Microsoft Graph.

What the fake must get right, because clients depend on it:
  * Ids are opaque URL-safe base64 strings ("AAMkAG...AAA="), not GUIDs.
  * A message's REST id changes whenever it moves (Exchange copies the item
    into the destination and deletes the original); its attachments' ids
    change with it. The old ids then answer 404. Each item also has an
    immutable id that never changes, which Graph returns only when asked
    with `Prefer: IdType="ImmutableId"`. Either id may be used to address
    an item.
  * Well-known folder names (inbox, junkemail, deleteditems, ...) are
    accepted wherever a folder id is.

Not thread-safe: callers hold the World lock.
"""

import base64
import hashlib
import re
import time

from fake_common import iso_time, opaque_id, random_token

WELL_KNOWN = (
    ("inbox", "Inbox"),
    ("junkemail", "Junk Email"),
    ("deleteditems", "Deleted Items"),
    ("sentitems", "Sent Items"),
    ("drafts", "Drafts"),
    ("archive", "Archive"),
)

_ID_SHAPE = re.compile(r"^[A-Za-z0-9_\-+/]{40,}={0,2}$")

_MESSAGE_PREFIX = b"\x00\x03\x24\x00\x46"
_IMMUTABLE_PREFIX = b"\x00\x09\x2e\x00\x00"
_FOLDER_PREFIX = b"\x00\x03\x24\x00\x2e"
_ATTACHMENT_PREFIX = b"\x00\x03\x24\x00\x46\x00\x00\x12"


def looks_like_id(value):
    """Whether `value` is shaped like an Exchange id (else: malformed)."""
    return bool(_ID_SHAPE.match(value))


class FolderExists(Exception):
    pass


class Folder:
    def __init__(self, display_name, parent_id, well_known=None):
        self.id = opaque_id(_FOLDER_PREFIX, 40)
        self.display_name = display_name
        self.parent_id = parent_id
        self.well_known = well_known


FILE_ATTACHMENT = "#microsoft.graph.fileAttachment"
ITEM_ATTACHMENT = "#microsoft.graph.itemAttachment"
REFERENCE_ATTACHMENT = "#microsoft.graph.referenceAttachment"
ATTACHMENT_TYPES = (FILE_ATTACHMENT, ITEM_ATTACHMENT, REFERENCE_ATTACHMENT)


class Attachment:
    """One attachment, of one of Graph's three kinds (its @odata.type):

      * fileAttachment: `content` is the file's bytes ($value answers them);
        an inline one (an image in the body) has a `content_id`.
      * itemAttachment: an attached mail, event or contact; `content` is
        its MIME rendering ($value answers it), it has no contentBytes.
      * referenceAttachment: a link to a file in the cloud; no content at
        all ($value is 405), and `size` is that of the link's metadata.
    """

    def __init__(self, name, content_type, content, is_inline=False,
                 odata_type=FILE_ATTACHMENT, content_id=None,
                 source_url=None):
        self.rest_id = opaque_id(_ATTACHMENT_PREFIX, 96)
        self.immutable_id = opaque_id(_IMMUTABLE_PREFIX, 96)
        self.odata_type = odata_type
        self.name = name
        self.content_type = content_type
        self.content = content
        self.is_inline = is_inline
        self.content_id = content_id
        self.source_url = source_url
        self.last_modified = time.time()

    @property
    def size(self):
        if self.odata_type == REFERENCE_ATTACHMENT:
            return 256 + len(self.name.encode("utf-8")) + len(
                (self.source_url or "").encode("utf-8"))
        return len(self.content)

    def new_rest_id(self):
        self.rest_id = opaque_id(_ATTACHMENT_PREFIX, 96)

    def summary(self):
        return {
            "id": self.rest_id,
            "immutableId": self.immutable_id,
            "odataType": self.odata_type,
            "name": self.name,
            "contentType": self.content_type,
            "isInline": self.is_inline,
            "size": self.size,
            "sha256": hashlib.sha256(self.content).hexdigest(),
        }


class Message:
    def __init__(self, internet_message_id, subject, folder_id, sender,
                 to, body, received):
        self.rest_id = opaque_id(_MESSAGE_PREFIX, 64)
        self.immutable_id = opaque_id(_IMMUTABLE_PREFIX, 64)
        self.previous_ids = []
        self.internet_message_id = internet_message_id
        self.subject = subject
        self.folder_id = folder_id
        self.sender = sender
        self.to = to
        self.body = body
        self.received = received
        self.created = received
        self.last_modified = received
        self.change_key = random_token(12)
        self.conversation_id = opaque_id(b"\x00\x03\x24\x00\x10", 24)
        self.attachments = []
        self.removed_attachments = []
        self.is_read = False
        # Set by the mail gateway's remediation (quarantine): hidden from
        # Graph until restored.
        self.remediation_id = None
        self.move_count = 0

    def touch(self):
        self.last_modified = time.time()
        self.change_key = random_token(12)

    def attachment(self, ref):
        for att in self.attachments:
            if ref in (att.rest_id, att.immutable_id):
                return att
        return None


class Mailbox:
    def __init__(self):
        self.root = Folder("Top of Information Store", None, "msgfolderroot")
        self.folders = {self.root.id: self.root}
        for well_known, name in WELL_KNOWN:
            folder = Folder(name, self.root.id, well_known)
            self.folders[folder.id] = folder
        self.messages = {}  # immutable id -> Message
        self.rest_index = {}  # current REST id -> immutable id

    # ---- folders ---------------------------------------------------------

    def folder(self, ref):
        """By well-known name (any case) or id; None if unknown."""
        if ref is None:
            return None
        lowered = ref.lower()
        for folder in self.folders.values():
            if folder.well_known == lowered:
                return folder
        return self.folders.get(ref)

    def folder_by_name(self, name):
        """Top-level folder by display name or well-known name (control)."""
        folder = self.folder(name)
        if folder is not None:
            return folder
        for folder in self.folders.values():
            if (folder.parent_id == self.root.id and
                    folder.display_name.lower() == name.lower()):
                return folder
        return None

    def children(self, parent_id):
        return [f for f in self.folders.values() if f.parent_id == parent_id]

    def create_folder(self, parent_id, display_name):
        for sibling in self.children(parent_id):
            if sibling.display_name.lower() == display_name.lower():
                raise FolderExists(display_name)
        folder = Folder(display_name, parent_id)
        self.folders[folder.id] = folder
        return folder

    def folder_label(self, folder_id):
        folder = self.folders.get(folder_id)
        if folder is None:
            return None
        return folder.well_known or folder.display_name

    def counts(self, folder_id):
        items = [m for m in self.visible() if m.folder_id == folder_id]
        return len(items), sum(1 for m in items if not m.is_read)

    # ---- messages --------------------------------------------------------

    def add_message(self, internet_message_id, subject, folder, sender=None,
                    to=None, body="", received=None):
        msg = Message(internet_message_id, subject, folder.id, sender,
                      to or [], body, received or time.time())
        self.messages[msg.immutable_id] = msg
        self.rest_index[msg.rest_id] = msg.immutable_id
        return msg

    def add_attachment(self, msg, name, content_type, content, **kind):
        """`kind`: the Attachment keywords (odata_type, is_inline, ...)."""
        att = Attachment(name, content_type, content, **kind)
        msg.attachments.append(att)
        msg.touch()
        return att

    def visible(self):
        return [m for m in self.messages.values() if m.remediation_id is None]

    def message(self, ref):
        """A visible message by its current REST id or immutable id."""
        msg = self.messages.get(ref)
        if msg is None:
            immutable = self.rest_index.get(ref)
            msg = self.messages.get(immutable) if immutable else None
        if msg is None or msg.remediation_id is not None:
            return None
        return msg

    def move(self, msg, folder):
        """Moves `msg`; its REST id and its attachments' ids change."""
        del self.rest_index[msg.rest_id]
        msg.previous_ids.append(msg.rest_id)
        msg.rest_id = opaque_id(_MESSAGE_PREFIX, 64)
        self.rest_index[msg.rest_id] = msg.immutable_id
        for att in msg.attachments:
            att.new_rest_id()
        msg.folder_id = folder.id
        msg.move_count += 1
        msg.touch()

    def delete_attachment(self, msg, att):
        msg.attachments.remove(att)
        removed = att.summary()
        removed["removedAt"] = iso_time(millis=True)
        msg.removed_attachments.append(removed)
        msg.touch()

    def by_internet_message_id(self, internet_message_id):
        return [m for m in self.messages.values()
                if m.internet_message_id == internet_message_id]

    # ---- control view ------------------------------------------------------

    def state(self):
        folders = []
        for folder in self.folders.values():
            if folder is self.root:
                continue
            total, unread = self.counts(folder.id)
            folders.append({
                "id": folder.id,
                "displayName": folder.display_name,
                "wellKnownName": folder.well_known,
                "parentFolderId": folder.parent_id,
                "parent": self.folder_label(folder.parent_id)
                if folder.parent_id != self.root.id else None,
                "totalItemCount": total,
            })
        messages = []
        for msg in sorted(self.messages.values(), key=lambda m: m.created):
            messages.append(message_state(self, msg))
        return {"folders": folders, "messages": messages}


def message_state(mailbox, msg):
    folder = mailbox.folders[msg.folder_id]
    return {
        "id": msg.rest_id,
        "immutableId": msg.immutable_id,
        "previousIds": list(msg.previous_ids),
        "internetMessageId": msg.internet_message_id,
        "subject": msg.subject,
        "folder": folder.well_known or folder.display_name,
        "folderDisplayName": folder.display_name,
        "folderId": folder.id,
        "moveCount": msg.move_count,
        "attachments": [a.summary() for a in msg.attachments],
        "removedAttachments": list(msg.removed_attachments),
        "quarantinedByGateway": msg.remediation_id is not None,
        "remediationId": msg.remediation_id,
    }


def decode_content(content_base64):
    try:
        return base64.b64decode(content_base64, validate=True)
    except Exception as e:  # noqa: BLE001 - report any decoding problem
        raise ValueError("content_base64 is not valid base64: %s" % e)
