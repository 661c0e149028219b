"""How the portal reads the platform's data for one account: the RecordSource interface.

The platform's engineers plug in their own implementation (docs/record-source.md);
the demo implementation below serves generated demo accounts. End-to-end
encrypted categories have no method here: they cannot be produced.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class AccountLookup:
    found: bool
    account_id: str | None = None
    # The account exists but holds nothing producible (e.g. only secret chats).
    e2ee_only: bool = False


class RecordSource(Protocol):
    def lookup(self, kind: str, value: str) -> AccountLookup:
        """Find the account named by a normalised target (kind: phone, username, user_id, invite)."""

    def records(self, account_id: str, category: str, date_from: date | None, date_to: date | None) -> Iterator[dict[str, Any]]:
        """Yield the account's records of one producible category within the range, oldest first."""


class DemoRecordSource:
    """Deterministic demo accounts: a target is found unless its value contains 'unknown' or
    'notfound'; values containing 'secret' hold only end-to-end encrypted data."""

    def lookup(self, kind: str, value: str) -> AccountLookup:
        low = value.lower()
        if "unknown" in low or "notfound" in low or low.endswith("0000"):
            return AccountLookup(found=False)
        account_id = str(int(hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:12], 16))
        return AccountLookup(found=True, account_id=account_id, e2ee_only="secret" in low)

    def records(self, account_id: str, category: str, date_from: date | None, date_to: date | None) -> Iterator[dict[str, Any]]:
        return iter(())


def get_record_source() -> RecordSource:
    path = getattr(settings, "RECORD_SOURCE", "requests_app.production.records.DemoRecordSource")
    return import_string(path)()
