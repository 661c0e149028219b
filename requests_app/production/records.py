"""How the portal reads the platform's data for one account: the RecordSource interface.

The platform's engineers plug in their own implementation (docs/record-source.md);
the demo implementation below serves generated demo accounts. End-to-end
encrypted categories have no method here: they cannot be produced.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from requests_app import rules


@dataclass(frozen=True)
class AccountLookup:
    found: bool
    account_id: str | None = None
    # The account exists but holds nothing producible (e.g. only secret chats).
    e2ee_only: bool = False

    @property
    def target_lookup(self) -> str:
        """The Target.Lookup value this result stands for."""
        if not self.found:
            return "not_found"
        return "e2ee_only" if self.e2ee_only else "found"


class NotProducible(ValueError):
    """Asked for a category that cannot be produced (end-to-end encrypted or unknown)."""


class RecordSource(Protocol):
    def lookup(self, kind: str, value: str) -> AccountLookup:
        """Find the account named by a normalised target (kind: phone, username, user_id, invite)."""

    def records(
        self, account_id: str, category: str, date_from: date | None, date_to: date | None
    ) -> Iterator[dict[str, Any]]:
        """Yield the account's records of one producible category within the range, oldest first."""


# The columns of each category's CSV file (the JSON file carries every key a record has).
CATEGORY_FIELDS: dict[str, list[str]] = {
    "subscriber_info": ["account_id", "phone", "username", "first_name", "last_name", "registered_at", "last_seen_at"],
    "ip_logs": ["timestamp", "ip", "port", "event", "device", "app_version"],
    "contacts": ["contact_id", "first_name", "last_name", "phone", "added_at"],
    "cloud_chat_content": ["message_id", "timestamp", "chat_id", "peer_id", "direction", "text", "media_id"],
    "group_channel_content": [
        "record",
        "timestamp",
        "chat_id",
        "chat_title",
        "chat_kind",
        "role",
        "message_id",
        "text",
    ],
    "media": ["media_id", "timestamp", "chat_id", "kind", "mime_type", "size_bytes", "sha256"],
}


def check_producible(category: str) -> None:
    info = rules.CATEGORIES.get(category)
    if info is None or info.e2ee or category not in CATEGORY_FIELDS:
        raise NotProducible(f"{category!r} cannot be produced")


# --- the demo source ----------------------------------------------------------------------

DEMO_START = datetime(2019, 1, 1, tzinfo=UTC)
DEMO_END = datetime(2026, 11, 1, tzinfo=UTC)  # exclusive: demo accounts have data up to October 2026

_FIRST = ["Alex", "Sam", "Mira", "Jonas", "Lea", "Omar", "Ines", "Yuki", "Pavel", "Nora", "Tariq", "Eva", "Luca", "Ada"]
_LAST = ["Novak", "Schmidt", "Rossi", "Garcia", "Kowalski", "Dubois", "Silva", "Jensen", "Ivanova", "Okafor", "Berg"]
_WORDS = (
    "meet tomorrow at the station bring the documents call me later ok see you soon where are you "
    "the car is ready payment sent check the channel new photos tonight at eight did you get it "
    "address changed same place as before thanks delete this after reading"
).split()
_DEVICES = ["Android 14 / Pixel 7", "iOS 18 / iPhone 15", "Desktop 5.2 / Windows 11", "Web K / Firefox", "macOS 15"]
_GROUPS = ["Neighbourhood market", "Football Sunday", "City news", "Crypto signals", "Family", "Car parts trade"]
_MIME = [("photo", "image/jpeg"), ("video", "video/mp4"), ("document", "application/pdf"), ("voice", "audio/ogg")]
_VOLUME_RE = re.compile(r"msgs(\d{1,9})")


def _mix(*parts: int) -> int:
    """A cheap deterministic 64-bit mix (splitmix64), so a record never depends on the range asked for."""
    x = 0
    for p in parts:
        x = (x + p + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 30
        x = (x * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 27
        x = (x * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 31
    return x


def _iso(dt: datetime) -> str:
    return dt.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


@dataclass(frozen=True)
class _Account:
    account_id: str
    seed: int
    registered: datetime
    messages: int

    @classmethod
    def parse(cls, account_id: str) -> _Account:
        base, _, volume = account_id.partition("m")
        seed = int(base)
        registered = DEMO_START + timedelta(days=seed % 1500, seconds=seed % 86400)
        messages = int(volume) if volume else 2000 + seed % 3000
        return cls(account_id, seed, registered, messages)


def _range(date_from: date | None, date_to: date | None, start: datetime) -> tuple[datetime, datetime]:
    lo = max(start, datetime.combine(date_from, datetime.min.time(), UTC)) if date_from else start
    hi = min(DEMO_END, datetime.combine(date_to + timedelta(days=1), datetime.min.time(), UTC)) if date_to else DEMO_END
    return lo, hi


class DemoRecordSource:
    """Deterministic demo accounts: a target is found unless its value contains 'unknown' or
    'notfound'; values containing 'secret' hold only end-to-end encrypted data. A value
    containing 'msgs<N>' (e.g. username bulk_msgs1000000_a) gives an account with N cloud-chat
    messages, for load tests. Records are generated lazily: nothing is held in memory."""

    def lookup(self, kind: str, value: str) -> AccountLookup:
        low = value.lower()
        if "unknown" in low or "notfound" in low or low.endswith("0000"):
            return AccountLookup(found=False)
        account_id = str(int(hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:12], 16))
        volume = _VOLUME_RE.search(low)
        if volume:
            account_id += f"m{int(volume.group(1))}"
        return AccountLookup(found=True, account_id=account_id, e2ee_only="secret" in low)

    def records(
        self, account_id: str, category: str, date_from: date | None, date_to: date | None
    ) -> Iterator[dict[str, Any]]:
        check_producible(category)
        account = _Account.parse(account_id)
        generator = getattr(self, f"_{category}")
        return generator(account, date_from, date_to)

    # One generator per producible category; none exists for secret chats or calls.

    def _subscriber_info(self, a: _Account, date_from, date_to) -> Iterator[dict[str, Any]]:
        s = a.seed
        yield {
            "account_id": a.account_id,
            "phone": f"+4479{s % 100_000_000:08d}",
            "username": f"user_{s % 1_000_000}",
            "first_name": _FIRST[s % len(_FIRST)],
            "last_name": _LAST[(s >> 8) % len(_LAST)],
            "registered_at": _iso(a.registered),
            "last_seen_at": _iso(DEMO_END - timedelta(hours=1 + s % 300)),
        }

    def _days(self, a: _Account, date_from, date_to) -> Iterator[datetime]:
        lo, hi = _range(date_from, date_to, a.registered)
        day = datetime.combine(lo.date(), datetime.min.time(), UTC)
        while day < hi:
            yield day
            day += timedelta(days=1)

    def _ip_logs(self, a: _Account, date_from, date_to) -> Iterator[dict[str, Any]]:
        lo, hi = _range(date_from, date_to, a.registered)
        for day in self._days(a, date_from, date_to):
            h = _mix(a.seed, day.toordinal(), 1)
            for n in range(1 + h % 4):
                hn = _mix(h, n)
                ts = day + timedelta(seconds=(n * 21600) + hn % 21600)
                if not lo <= ts < hi:
                    continue
                yield {
                    "timestamp": _iso(ts),
                    "ip": f"{81 + hn % 100}.{(hn >> 8) % 256}.{(hn >> 16) % 256}.{1 + (hn >> 24) % 254}",
                    "port": 1024 + (hn >> 32) % 60000,
                    "event": "login" if n == 0 else "session",
                    "device": _DEVICES[(a.seed + (hn >> 40) % 2) % len(_DEVICES)],
                    "app_version": f"11.{(hn >> 44) % 6}.{(hn >> 48) % 10}",
                }

    def _contacts(self, a: _Account, date_from, date_to) -> Iterator[dict[str, Any]]:
        _, hi = _range(None, date_to, a.registered)
        span = (DEMO_END - a.registered).total_seconds()
        count = 10 + a.seed % 40
        for i in range(count):
            h = _mix(a.seed, i, 2)
            added = a.registered + timedelta(seconds=span * i / count + h % 3600)
            if added >= hi:
                break
            yield {
                "contact_id": str(_mix(h) % 10**10),
                "first_name": _FIRST[h % len(_FIRST)],
                "last_name": _LAST[(h >> 8) % len(_LAST)],
                "phone": f"+4477{(h >> 16) % 100_000_000:08d}",
                "added_at": _iso(added),
            }

    def _cloud_chat_content(self, a: _Account, date_from, date_to) -> Iterator[dict[str, Any]]:
        # Message i is sent at registered + i * step: the range maps to an index range,
        # so a million-message account yields only what the range asks for, one at a time.
        lo, hi = _range(date_from, date_to, a.registered)
        step = (DEMO_END - a.registered).total_seconds() / a.messages
        first = max(0, math.ceil((lo - a.registered).total_seconds() / step))
        last = min(a.messages, math.ceil((hi - a.registered).total_seconds() / step))
        words, n_words = _WORDS, len(_WORDS)
        seed = a.seed
        for i in range(first, last):
            h = _mix(seed, i)
            ts = a.registered + timedelta(seconds=i * step)
            text = " ".join(words[(h >> (6 * k)) % n_words] for k in range(3 + h % 7))
            yield {
                "message_id": i + 1,
                "timestamp": _iso(ts),
                "chat_id": str(1_000_000 + h % 12),
                "peer_id": str(5_000_000 + (h >> 20) % 12),
                "direction": "out" if h & 1 else "in",
                "text": text,
                "media_id": f"m{seed % 10000}-{i}" if h % 17 == 0 else "",
            }

    def _group_channel_content(self, a: _Account, date_from, date_to) -> Iterator[dict[str, Any]]:
        lo, hi = _range(date_from, date_to, a.registered)
        groups = [(g, _GROUPS[(a.seed + g) % len(_GROUPS)]) for g in range(2 + a.seed % 3)]
        for g, title in groups:
            joined = a.registered + timedelta(days=30 * g)
            if joined < hi:
                yield {
                    "record": "membership",
                    "timestamp": _iso(joined),
                    "chat_id": str(-100_000_000 - a.seed % 1000 * 10 - g),
                    "chat_title": title,
                    "chat_kind": "channel" if g % 2 else "group",
                    "role": "admin" if g == 0 else "member",
                    "message_id": "",
                    "text": "",
                }
        for day in self._days(a, date_from, date_to):
            h = _mix(a.seed, day.toordinal(), 3)
            for n in range(h % 3):
                hn = _mix(h, n)
                ts = day + timedelta(seconds=n * 40000 + hn % 40000)
                g = hn % len(groups)
                if not lo <= ts < hi or ts < a.registered + timedelta(days=30 * g):
                    continue
                yield {
                    "record": "post",
                    "timestamp": _iso(ts),
                    "chat_id": str(-100_000_000 - a.seed % 1000 * 10 - g),
                    "chat_title": groups[g][1],
                    "chat_kind": "channel" if g % 2 else "group",
                    "role": "",
                    "message_id": hn % 10**6,
                    "text": " ".join(_WORDS[(hn >> (5 * k)) % len(_WORDS)] for k in range(4 + hn % 5)),
                }

    def _media(self, a: _Account, date_from, date_to) -> Iterator[dict[str, Any]]:
        lo, hi = _range(date_from, date_to, a.registered)
        for day in self._days(a, date_from, date_to):
            h = _mix(a.seed, day.toordinal(), 4)
            if h % 3:
                continue
            ts = day + timedelta(seconds=h % 86400)
            if not lo <= ts < hi:
                continue
            kind, mime = _MIME[(h >> 20) % len(_MIME)]
            yield {
                "media_id": f"md{a.seed % 10000}-{day.toordinal()}",
                "timestamp": _iso(ts),
                "chat_id": str(1_000_000 + (h >> 8) % 12),
                "kind": kind,
                "mime_type": mime,
                "size_bytes": 10_000 + (h >> 24) % 20_000_000,
                "sha256": hashlib.sha256(f"{a.seed}:{day.toordinal()}".encode()).hexdigest(),
            }


def get_record_source() -> RecordSource:
    path = settings.RECORD_SOURCE
    return import_string(path)()
