"""The hash-chained audit log: append under a lock, verify by walking the chain.

Each event's hash is SHA-256 over the previous hash and the event's canonical
JSON. Appends lock the single AuditChainHead row, so two writers can never
give two events the same predecessor (on SQLite writes are serialised anyway).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from requests_app.batching import collecting
from requests_app.models import AuditChainHead, EventType, RequestEvent

GENESIS = "0" * 64


def _normalise(payload: dict[str, Any] | None) -> dict[str, Any]:
    return json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder))


def canonical(event: RequestEvent) -> bytes:
    created: datetime = event.created_at
    body = {
        "seq": event.seq,
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
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(prev_hash: str, event: RequestEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(event)).hexdigest()


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
    """Append one event to the chain. Call inside the transaction of the change it records.

    Inside `batch()` the event is appended when the batch ends (still in the
    same transaction); its seq and hash are set then.
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
    )
    pending = _batch.get()
    if pending is not None:
        pending.append(event)
    else:
        _append([event])
    return event


_batch: ContextVar[list[RequestEvent] | None] = ContextVar("audit_batch", default=None)


@contextmanager
def batch() -> Iterator[None]:
    """Collect the events recorded inside and append them together when the block ends.

    Use it inside the transaction of the change (`with transaction.atomic(), audit.batch():`):
    the events are still committed with the change, all or nothing, but the single chain
    head is locked only for the last statements of the transaction instead of from the first
    event on, so concurrent writers wait on each other far less. Nested batches join the
    outer one. If the block raises, its events are dropped with the transaction; so do not
    catch and carry on after a failed savepoint inside a batch (its events would stay).
    """
    if _batch.get() is None and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.batch() belongs inside the transaction of the change it records")
    with collecting(_batch, _append):
        yield


def _append(events: list[RequestEvent]) -> None:
    """Give the events the next seqs and hashes under the chain-head lock, and save them."""
    # No savepoint: inside the caller's transaction a failure here aborts that whole transaction anyway.
    with transaction.atomic(savepoint=False):
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:  # only on an empty database (e.g. after a test flush)
            AuditChainHead.objects.get_or_create(pk=1, defaults={"last_seq": 0, "last_hash": GENESIS})
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        prev_hash, seq = head.last_hash, head.last_seq
        for event in events:
            seq += 1
            event.seq = seq
            event.prev_hash = prev_hash
            event.hash = prev_hash = compute_hash(prev_hash, event)
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            RequestEvent.objects.bulk_create(events)
        AuditChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev_hash)


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: str  # edited, missing, reordered, head_mismatch
    detail: str

    def __str__(self) -> str:
        return f"event #{self.seq}: {self.kind}: {self.detail}"


def verify_chain(batch_size: int = 2000) -> ChainProblem | None:
    """Walk the whole chain in order; return the first problem, or None if intact."""
    prev_hash = GENESIS
    expected_seq = 1
    for event in _iterate(batch_size):
        if event.seq != expected_seq:
            return ChainProblem(expected_seq, "missing", f"the next event in the chain is #{event.seq}")
        if event.prev_hash != prev_hash:
            return ChainProblem(event.seq, "reordered", "it does not follow the event before it")
        if compute_hash(prev_hash, event) != event.hash:
            return ChainProblem(event.seq, "edited", "its content does not match its hash")
        prev_hash = event.hash
        expected_seq += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and (head.last_seq != expected_seq - 1 or head.last_hash != prev_hash):
        return ChainProblem(
            expected_seq, "missing", f"the chain head says #{head.last_seq} but the log ends at #{expected_seq - 1}"
        )
    return None


def _iterate(batch_size: int) -> Iterator[RequestEvent]:
    last = 0
    while True:
        batch = list(RequestEvent.objects.filter(seq__gt=last).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq
