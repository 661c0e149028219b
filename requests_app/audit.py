"""The verifiable audit log: record events with their change, sequence them into a Merkle tree, sign checkpoints.

A writer only inserts its event rows (no position, no shared row locked), in the transaction of the change.
After commit, one sequencer at a time (`sequence_pending`, a Celery task kicked on commit and by beat)
gives pending events the next positions, stores the tree's new complete subtrees (LogNode) and signs a
C2SP checkpoint (LogCheckpoint). `verify_log` recomputes the tree from the events and compares it with
every signed checkpoint and, optionally, one kept outside the database. The maths is in requests_app.tlog.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from requests_app import outbox, tlog
from requests_app.batching import collecting
from requests_app.models import EventType, LogCheckpoint, LogNode, RequestEvent
from requests_app.rows import insert_new

logger = logging.getLogger(__name__)

# Any constant works as long as nothing else in the database uses it: "AUDITLOG" in ASCII.
ADVISORY_LOCK_KEY = 0x41554449544C4F47
_local_lock = threading.Lock()  # SQLite (one process): the advisory lock's stand-in


def _normalise(payload: dict[str, Any] | None) -> dict[str, Any]:
    return json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder))


def canonical(event: Any) -> bytes:
    """The leaf data: the event's stored fields and its salt as canonical JSON (sorted keys, no spaces).

    Not the position: that is the leaf's index. Works on historical models too (the migration uses it).
    """
    created: datetime = event.created_at
    body = {
        "request": event.request_id,
        "agency": event.agency_id,
        "type": event.event_type,
        "actor": event.actor_id,
        "at": created.astimezone(UTC).isoformat(timespec="microseconds"),
        "public": event.public,
        "from": event.from_status,
        "to": event.to_status,
        "message": event.message,
        "payload": event.payload,
        "ip": event.ip_address,
        "salt": event.salt,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_record(
    *,
    event_type: EventType | str,
    actor=None,
    request=None,
    agency=None,
    public: bool = False,
    from_status: str = "",
    to_status: str = "",
    message: str = "",
    payload: dict[str, Any] | None = None,
    ip: str | None = None,
    at: datetime | None = None,
) -> RequestEvent:
    """Record one event. Call inside the transaction of the change it records.

    It is saved now (or when the enclosing `batch()` ends) without a position; the sequencer gives it one
    after commit.
    """
    event = RequestEvent(
        request=request,
        # agency_id, not .agency: no extra query to load the agency row.
        agency_id=agency.pk if agency is not None else getattr(request, "agency_id", None),
        event_type=str(event_type),
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=at or timezone.now(),
        public=public,
        from_status=str(from_status or ""),
        to_status=str(to_status or ""),
        message=message[:500],
        payload=_normalise(payload),
        ip_address=ip,
        salt=secrets.token_hex(16),
    )
    pending = _batch.get()
    if pending is not None:
        pending.append(event)
    else:
        _save([event])
    return event


_batch: ContextVar[list[RequestEvent] | None] = ContextVar("audit_batch", default=None)


@contextmanager
def batch() -> Iterator[None]:
    """Collect the events recorded inside and insert them in one statement when the block ends.

    Use it inside the transaction of the change (`with transaction.atomic(), audit.batch():`). Nested
    batches join the outer one. If the block raises, its events are dropped with the transaction.
    """
    if _batch.get() is None and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.batch() belongs inside the transaction of the change it records")
    with collecting(_batch, _save):
        yield


def _save(events: list[RequestEvent]) -> None:
    # One INSERT built once per process (requests_app.rows), not compiled by the ORM for every event (about
    # a third of an audited transaction's CPU in bench/audit).
    insert_new(events)
    request_sequencing()


def request_sequencing() -> None:
    """Have the sequencer run once this transaction commits (once per transaction, however many events)."""
    conn = transaction.get_connection()
    if any(entry[1] is _kick for entry in conn.run_on_commit):
        return
    transaction.on_commit(_kick)


_kicked_until = 0.0  # monotonic time until which a kick from this process is already queued


def _kick() -> None:
    from portal.celery import app

    if connection.vendor == "sqlite" or app.conf.task_always_eager:
        # The embedded setup (make run, tests): sequence in the committing thread. Through a worker thread, the
        # sequencer's writes would collide with the next writer's on SQLite's table locks; and with eager tasks
        # no worker would run the kick at the window's end, so commits inside a window would wait for beat.
        sequence_pending()
        return
    from requests_app.tasks import sequence_pending_task

    # One kick per window per process, run at the window's end: it sequences every event committed
    # in the window (a kick per commit cost the worker one task per submission for no extra effect).
    global _kicked_until
    now = time.monotonic()
    if now < _kicked_until or outbox.broker_down():
        return
    window = settings.AUDIT_KICK_WINDOW_SECONDS
    _kicked_until = now + window
    try:
        sequence_pending_task.apply_async(countdown=window) if window else sequence_pending_task.delay()
    except Exception:
        _kicked_until = 0.0
        outbox.note_broker(reachable=False)
        # The change is committed; a broker outage must not turn it into an error for the caller.
        # Beat's sequence_pending_task picks the pending events up within 10 s (see followups.py).
        logger.warning("Could not kick the audit sequencer (broker unavailable); beat will sequence the events")


# ---------------------------------------------------------------- the sequencer


@contextmanager
def _sequencer_lock() -> Iterator[bool]:
    """One sequencer at a time: a transaction-scoped PostgreSQL advisory lock, or a process lock on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            yield bool(cursor.fetchone()[0])
        return
    got = _local_lock.acquire(timeout=30)
    try:
        yield got
    finally:
        if got:
            _local_lock.release()


def sequence_pending(*, limit: int | None = None) -> int:
    """Give pending events positions in commit order, extend the tree, sign a checkpoint; return how many.

    Runs batches until nothing visible is pending, so an event committed while another sequencer held the
    lock (and whose own trigger gave up) is picked up before this one returns.
    """
    limit = limit or settings.LOG_SEQUENCE_BATCH
    total = 0
    while True:
        done = _sequence_batch(limit)
        if done is None:  # another sequencer holds the lock; it loops until nothing is pending
            return total
        total += done
        if done == 0 or not RequestEvent.objects.filter(seq__isnull=True).exists():
            return total


def _sequence_batch(limit: int) -> int | None:
    with transaction.atomic(), _sequencer_lock() as locked:
        if not locked:
            return None
        pending = list(RequestEvent.objects.filter(seq__isnull=True).order_by("id")[:limit])
        size = _tree_size()
        stack = _right_edge(size)
        if not pending:
            if size and _signed_size() < size:  # e.g. right after the migration from the chain
                root = tlog.fold([h for _, _, h in stack])
                LogCheckpoint.objects.create(size=size, root=root.hex(), note=sign_checkpoint(size, root))
            return 0
        now = timezone.now()
        new_nodes: list[LogNode] = []
        for event in pending:
            size += 1
            event.seq = size
            leaf = tlog.leaf_hash(canonical(event))
            event.leaf_hash = leaf.hex()
            event.sequenced_at = now
            new_nodes.extend(_push(stack, size - 1, leaf))
        _store_positions(pending, now)
        LogNode.objects.bulk_create(new_nodes, batch_size=1000)
        root = tlog.fold([h for _, _, h in stack])
        LogCheckpoint.objects.create(size=size, root=root.hex(), note=sign_checkpoint(size, root), created_at=now)
        return len(pending)


def _store_positions(events: list[RequestEvent], now: datetime) -> None:
    """Write the batch's positions and leaf hashes: on PostgreSQL one `UPDATE … FROM unnest(…)` statement
    (bulk_update's CASE per row grows with the batch and was the sequencer's largest cost)."""
    if connection.vendor != "postgresql":
        RequestEvent.objects.bulk_update(events, ["seq", "leaf_hash", "sequenced_at"], batch_size=1000)
        return
    table = connection.ops.quote_name(RequestEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS e SET seq = v.seq, leaf_hash = v.leaf, sequenced_at = %s"  # noqa: S608 (the model's table)
            " FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS v(id, seq, leaf) WHERE e.id = v.id",
            [now, [e.pk for e in events], [e.seq for e in events], [e.leaf_hash for e in events]],
        )


def _tree_size() -> int:
    """The size of the stored tree: the highest position given (one probe of the unique index)."""
    return RequestEvent.objects.aggregate(n=Max("seq"))["n"] or 0


def _signed_size() -> int:
    return LogCheckpoint.objects.order_by("-size").values_list("size", flat=True).first() or 0


def _right_edge(size: int) -> list[tuple[int, int, bytes]]:
    """The complete subtrees covering [0, size), largest first, read in one query."""
    keys = tlog.complete_subtrees(0, size)
    found = _nodes(keys)
    return [(level, index, found[(level, index)]) for level, index in keys]


def _push(stack: list[tuple[int, int, bytes]], index: int, leaf: bytes) -> list[LogNode]:
    """Append leaf `index` to the right edge; return the nodes that became complete (the leaf included)."""
    made = [LogNode(level=0, index=index, hash=leaf.hex())]
    stack.append((0, index, leaf))
    while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
        level, right_index, right = stack.pop()
        _, left_index, left = stack.pop()
        parent = (level + 1, left_index // 2, tlog.node_hash(left, right))
        stack.append(parent)
        made.append(LogNode(level=parent[0], index=parent[1], hash=parent[2].hex()))
    return made


def _nodes(keys: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Stored subtree hashes for these (level, index) keys, in one query; raises if one is missing."""
    if not keys:
        return {}
    wanted = sorted(set(keys))
    if connection.vendor == "postgresql":
        # One statement over two arrays, probing the (level, index) unique index: the ORM's OR of ~2 log n
        # pairs cost more to compile than the query did to run (a receipt per acknowledgement asks for one).
        table = connection.ops.quote_name(LogNode._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT n.level, n."index", n.hash FROM {table} AS n'  # noqa: S608 (the model's table)
                ' JOIN unnest(%s::int[], %s::bigint[]) AS k(level, "index")'
                ' ON n.level = k.level AND n."index" = k."index"',
                [[level for level, _ in wanted], [index for _, index in wanted]],
            )
            found = {(level, index): bytes.fromhex(h) for level, index, h in cursor.fetchall()}
    else:
        query = Q()
        for level, index in wanted:
            query |= Q(level=level, index=index)
        found = {(n.level, n.index): bytes.fromhex(n.hash) for n in LogNode.objects.filter(query)}
    missing = set(keys) - set(found)
    if missing:
        raise LogError(f"the stored tree lacks {len(missing)} node(s), e.g. {sorted(missing)[0]}")
    return found


# ---------------------------------------------------------------- keys and checkpoints


class LogError(Exception):
    """The stored log cannot answer (missing nodes, a size beyond the tree)."""


def _private_key() -> Ed25519PrivateKey:
    return _key_from(settings.LOG_SIGNING_KEY)


@functools.lru_cache(maxsize=4)
def _key_from(encoded: str) -> Ed25519PrivateKey:
    # Parsed once per key (each checkpoint and each receipt needs it), keyed by the setting's text.
    try:
        raw = base64.b64decode(encoded, validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except ValueError as exc:
        raise ImproperlyConfigured("LOG_SIGNING_KEY must be base64 of 32 raw bytes.") from exc


def public_key_raw() -> bytes:
    return _private_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def verifier_key() -> str:
    """The C2SP verifier key an outsider needs to check checkpoints (published at /transparency/log/key)."""
    return _verifier_key(settings.LOG_ORIGIN, settings.LOG_SIGNING_KEY)


@functools.lru_cache(maxsize=4)
def _verifier_key(origin: str, encoded: str) -> str:
    return tlog.verifier_key(
        origin, _key_from(encoded).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def sign_checkpoint(size: int, root: bytes) -> str:
    return tlog.sign_note(tlog.Checkpoint(settings.LOG_ORIGIN, size, root).body(), settings.LOG_ORIGIN, _private_key())


def latest_checkpoint() -> LogCheckpoint | None:
    return LogCheckpoint.objects.order_by("-size").first()


# ---------------------------------------------------------------- proofs and receipts


def inclusion_proof(index: int, size: int) -> list[bytes]:
    """RFC 9162 inclusion proof of leaf `index` in the tree of `size`: one query of O(log n) rows."""
    if not 0 <= index < size or size > _tree_size():
        raise LogError("that leaf or tree size is not in the log")
    return _inclusion_proof(index, size)


def _inclusion_proof(index: int, size: int) -> list[bytes]:
    """inclusion_proof for a size known to be in the log (a checkpoint's: checkpoints sign stored trees)."""
    ranges = tlog.inclusion_ranges(index, size)
    found = _nodes([k for a, b in ranges for k in tlog.complete_subtrees(a, b)])
    return tlog.proof_from(ranges, lambda level, i: found[(level, i)])


def consistency_proof(old: int, new: int) -> list[bytes]:
    """RFC 9162 consistency proof between the trees of sizes old and new: one query of O(log n) rows."""
    if not 0 < old <= new or new > _tree_size():
        raise LogError("those tree sizes are not in the log")
    ranges = tlog.consistency_ranges(old, new)
    found = _nodes([k for a, b in ranges for k in tlog.complete_subtrees(a, b)])
    return tlog.proof_from(ranges, lambda level, i: found[(level, i)])


def receipt_for(event: RequestEvent) -> dict[str, Any] | None:
    """What an agency keeps to prove later that this event is in the log: verifiable with tlog.py alone.

    Sequences the event first if it is still pending (and committed); None if it cannot be yet.
    """
    if event.seq is None:
        sequence_pending()
        event.refresh_from_db(fields=["seq", "leaf_hash"])
        if event.seq is None:
            return None
    checkpoint = latest_checkpoint()
    if checkpoint is None or checkpoint.size < event.seq:
        return None
    proof = _inclusion_proof(event.seq - 1, checkpoint.size)
    return {
        "log": settings.LOG_ORIGIN,
        "event_type": event.event_type,
        "index": event.seq - 1,
        "entry": canonical(event).decode(),
        "leaf_hash": event.leaf_hash,
        "tree_size": checkpoint.size,
        "checkpoint": checkpoint.note,
        "inclusion_proof": [h.hex() for h in proof],
        "verifier_key": verifier_key(),
    }


def request_receipts(request: Any) -> list[dict[str, Any]]:
    """Receipts for the events of a request its agency sees (public ones), oldest first; pending events that
    cannot be sequenced yet are left out."""
    events = RequestEvent.objects.filter(request=request, public=True).order_by("id")
    return [r for r in (receipt_for(e) for e in events) if r is not None]


def latest_request_receipt(request: Any) -> dict[str, Any] | None:
    """The receipt of the request's latest public event already in the log (for the production certificate)."""
    event = RequestEvent.objects.filter(request=request, public=True, seq__isnull=False).order_by("-seq").first()
    return receipt_for(event) if event else None


def request_receipt(request: Any, *, index: int) -> dict[str, Any] | None:
    """The receipt of the request's public event at leaf `index`, or None if it has none."""
    event = RequestEvent.objects.filter(request=request, public=True, seq=index + 1).first()
    return receipt_for(event) if event else None


# ---------------------------------------------------------------- verification


def event_intact(event: RequestEvent) -> bool | None:
    """Whether a sequenced event still matches its leaf hash; None while it is pending."""
    if event.seq is None:
        return None
    return event.leaf_hash == tlog.leaf_hash(canonical(event)).hex()


@dataclass(frozen=True)
class LogProblem:
    seq: int
    kind: str  # edited, missing, reordered, tree, checkpoint, signature, pending
    detail: str

    def __str__(self) -> str:
        return f"event #{self.seq}: {self.kind}: {self.detail}"


@dataclass
class LogReport:
    size: int = 0
    checkpoints: int = 0
    pending: int = 0
    problems: list[LogProblem] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def pending_alarm() -> tuple[int, int]:
    """(events pending, of which older than LOG_PENDING_ALARM_SECONDS)."""
    pending = RequestEvent.objects.filter(seq__isnull=True)
    limit = timezone.now() - timedelta(seconds=settings.LOG_PENDING_ALARM_SECONDS)
    return pending.count(), pending.filter(created_at__lt=limit).count()


def verify_log(*, external_checkpoint: str | None = None, batch_size: int = 2000) -> LogReport:
    """Recompute the tree from the events and compare it with the stored tree, every signed checkpoint, and
    `external_checkpoint` (a signed note kept outside the database). Returns every problem found."""
    report = LogReport(problems=[])
    problems = report.problems
    verifier = verifier_key()
    wanted: dict[int, list[tuple[str, bytes]]] = {}
    for cp in LogCheckpoint.objects.order_by("size"):
        try:
            parsed = tlog.open_checkpoint(cp.note, verifier)
        except tlog.NoteError as exc:
            problems.append(LogProblem(cp.size, "signature", f"stored checkpoint {cp.size}: {exc}"))
            continue
        if parsed.size != cp.size or parsed.root.hex() != cp.root:
            problems.append(LogProblem(cp.size, "checkpoint", "a stored checkpoint's columns differ from its note"))
        wanted.setdefault(parsed.size, []).append((f"the signed checkpoint of size {parsed.size}", parsed.root))
        report.checkpoints += 1
    if external_checkpoint is not None:
        try:
            ext = tlog.open_checkpoint(external_checkpoint, verifier)
        except tlog.NoteError as exc:
            problems.append(LogProblem(0, "signature", f"the checkpoint given: {exc}"))
        else:
            wanted.setdefault(ext.size, []).append((f"the checkpoint given (size {ext.size})", ext.root))

    stored = {(n.level, n.index): n.hash for n in LogNode.objects.only("level", "index", "hash").iterator(5000)}
    stack: list[tuple[int, int, bytes]] = []
    size = 0
    for event in _iterate(batch_size):
        if event.seq != size + 1:
            problems.append(LogProblem(size + 1, "missing", f"the next event in the log is #{event.seq}"))
            break
        leaf = tlog.leaf_hash(canonical(event))
        if event.leaf_hash != leaf.hex():
            problems.append(LogProblem(event.seq, "edited", "its content does not match its leaf hash"))
        elif stored.get((0, size)) != leaf.hex():
            problems.append(LogProblem(event.seq, "reordered", "it is not the leaf the tree holds at its position"))
        for node in _push(stack, size, leaf)[1:]:
            if stored.get((node.level, node.index)) != node.hash:
                problems.append(LogProblem(event.seq, "tree", f"stored node {node.level}/{node.index} differs"))
        size += 1
        for label, root in wanted.pop(size, []):
            if tlog.fold([h for _, _, h in stack]) != root:
                problems.append(LogProblem(size, "checkpoint", f"the events do not give the root of {label}"))
    report.size = size
    for missing_size, labels in sorted(wanted.items()):
        for label, _ in labels:
            problems.append(
                LogProblem(size + 1, "missing", f"{label} covers {missing_size} events but the log ends at #{size}")
            )
    report.pending, old = pending_alarm()
    if old:
        problems.append(
            LogProblem(
                0, "pending", f"{old} event(s) waited more than {settings.LOG_PENDING_ALARM_SECONDS} s for a position"
            )
        )
    return report


def _iterate(batch_size: int) -> Iterator[RequestEvent]:
    last = 0
    while True:
        rows = list(RequestEvent.objects.filter(seq__gt=last).order_by("seq")[:batch_size])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
