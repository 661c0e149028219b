"""The core's domain signals, delivered after commit from one background task.

Other apps (intake's acknowledgement, production's follow-ups, transparency's
report facts) listen to these instead of being called by the core. The core
sends them with `send_after_commit`: nothing is sent for a transaction that
rolls back, and the receivers run in a Celery worker (eagerly in-process when
no broker is configured), so a web request does not pay for them.

Inside `batched()` every signal that the transaction sends travels in ONE task
message; a submission sends two (submitted, transitioned), so that is one
broker round trip instead of one per receiver.

Receivers are run with `send_robust`: one failing receiver is logged and does
not stop the others. A receiver whose work must be retried queues its own task.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from requests_app.batching import collecting

logger = logging.getLogger(__name__)

request_submitted = Signal()  # kwargs: request_id
request_transitioned = Signal()  # kwargs: request_id, source, target, actor_id
request_overdue = Signal()  # kwargs: request_id

_BY_NAME: dict[str, Signal] = {
    "request_submitted": request_submitted,
    "request_transitioned": request_transitioned,
    "request_overdue": request_overdue,
}
_NAME_OF = {id(signal): name for name, signal in _BY_NAME.items()}

_batch: ContextVar[list[tuple[str, dict[str, Any]]] | None] = ContextVar("signal_batch", default=None)


def send_after_commit(signal: Signal, **kwargs: Any) -> None:
    """Send `signal` once the current transaction commits (kwargs must be JSON-serialisable)."""
    name = _NAME_OF[id(signal)]
    transaction.on_commit(functools.partial(_emit, name, kwargs), robust=True)


def _emit(name: str, kwargs: dict[str, Any]) -> None:
    pending = _batch.get()
    if pending is not None:
        pending.append((name, kwargs))
    else:
        _queue([(name, kwargs)])


@contextmanager
def batched() -> Iterator[None]:
    """Deliver all signals of the transaction(s) committed inside the block in one task.

    Wrap the outermost `transaction.atomic()` with it. If the block is itself inside
    another transaction, its signals are sent when that one commits, one task each.
    """
    with collecting(_batch, _queue):
        yield


def _queue(batch: list[tuple[str, dict[str, Any]]]) -> None:
    from requests_app.tasks import deliver_signals

    try:
        deliver_signals.delay([[name, kwargs] for name, kwargs in batch])
    except Exception:
        # The change is committed; losing its follow-ups must not turn it into an error page.
        logger.exception("Could not queue the after-commit signals %s", [name for name, _ in batch])


def deliver(batch: list[list[Any]]) -> int:
    """Send each signal of a batch to its receivers (called by the Celery task)."""
    from requests_app.models import LegalRequest

    for name, kwargs in batch:
        for receiver, result in _BY_NAME[name].send_robust(sender=LegalRequest, **kwargs):
            if isinstance(result, Exception):
                logger.error(
                    "Receiver %s of %s failed for request id %s",
                    getattr(receiver, "__qualname__", receiver),
                    name,
                    kwargs.get("request_id"),
                    exc_info=result,
                )
    return len(batch)
