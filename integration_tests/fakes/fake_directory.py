"""Entra ID directory model: tenants, their users and users' mailboxes.

Users are addressed by object id (a GUID) or userPrincipalName, compared
without regard to case, within the tenant of the caller's token. Not
thread-safe: callers hold the World lock.
"""

import time

from fake_auth import DEFAULT_TENANT
from fake_common import iso_time, new_guid
from fake_mailbox import Mailbox


class User:
    def __init__(self, tenant, upn, user_id, account_enabled, display_name,
                 has_mailbox):
        self.tenant = tenant
        self.id = user_id
        self.upn = upn
        self.display_name = display_name
        self.account_enabled = account_enabled
        self.sessions_revoked_count = 0
        self.sessions_valid_from = time.time()
        self.created = time.time()
        self.patch_count = 0
        self.account_enabled_changes = 0
        self.mailbox = Mailbox() if has_mailbox else None

    def properties(self):
        """Every property Graph can return for this user."""
        return {
            "id": self.id,
            "userPrincipalName": self.upn,
            "displayName": self.display_name,
            "mail": self.upn,
            "mailNickname": self.upn.split("@")[0],
            "givenName": None,
            "surname": None,
            "jobTitle": None,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": None,
            "businessPhones": [],
            "accountEnabled": self.account_enabled,
            "signInSessionsValidFromDateTime":
                iso_time(self.sessions_valid_from),
            "createdDateTime": iso_time(self.created),
            "userType": "Member",
        }

    def state(self):
        return {
            "tenant": self.tenant,
            "id": self.id,
            "userPrincipalName": self.upn,
            "displayName": self.display_name,
            "accountEnabled": self.account_enabled,
            "sessionsRevokedCount": self.sessions_revoked_count,
            "signInSessionsValidFromDateTime":
                iso_time(self.sessions_valid_from),
            "patchCount": self.patch_count,
            "accountEnabledChanges": self.account_enabled_changes,
            "hasMailbox": self.mailbox is not None,
        }


class Directory:
    def __init__(self):
        self.tenants = {}  # tenant -> {user id: User}

    def add_user(self, upn, tenant=None, user_id=None, account_enabled=True,
                 display_name=None, has_mailbox=True):
        tenant = tenant or DEFAULT_TENANT
        if not isinstance(upn, str) or "@" not in upn:
            raise ValueError("userPrincipalName must look like name@domain")
        if self.find(tenant, upn) is not None:
            raise KeyError("user %s already exists in %s" % (upn, tenant))
        user_id = user_id or new_guid()
        if self.find(tenant, user_id) is not None:
            raise KeyError("user id %s already exists" % user_id)
        user = User(tenant, upn, user_id, account_enabled,
                    display_name or upn.split("@")[0], has_mailbox)
        self.tenants.setdefault(tenant, {})[user_id.lower()] = user
        return user

    def find(self, tenant, ref):
        users = self.tenants.get(tenant or DEFAULT_TENANT, {})
        lowered = ref.lower()
        user = users.get(lowered)
        if user is not None:
            return user
        for candidate in users.values():
            if candidate.upn.lower() == lowered:
                return candidate
        return None

    def users(self, tenant):
        return list(self.tenants.get(tenant, {}).values())

    def all_users(self):
        for users in self.tenants.values():
            yield from users.values()

    def messages_with_internet_id(self, internet_message_id):
        """(user, message) for every copy in every mailbox."""
        for user in self.all_users():
            if user.mailbox is None:
                continue
            for msg in user.mailbox.by_internet_message_id(
                    internet_message_id):
                yield user, msg
