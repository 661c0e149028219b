"""The transactional outbox: follow-up tasks written as rows in the change's own transaction.

- `write()` inserts one `FollowUp` row per task, inside the caller's transaction, and asks
  for a relay once that transaction commits (nothing is written for one that rolls back).
- The relay (fast path) hands the rows to Celery right after commit. If the broker is down
  or the process dies before it publishes, the rows stay `pending`.
- `sweep()` (beat, every OUTBOX_SWEEP_SECONDS) republishes rows still pending after
  OUTBOX_RELAY_GRACE_SECONDS, and rows sent but unfinished after OUTBOX_REDELIVER_SECONDS
  (a message lost by a broker that restarted empty, or a task killed with its worker).
- A follow-up task uses `FollowUpTask` as its base: a row already done is not run again,
  and the row is marked done only once the task has returned (failed after its retries).

Delivery is at least once; tasks are written to be idempotent, and the done check makes a
second delivery of a finished follow-up a no-op.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from celery import Task, current_app
from celery.exceptions import Retry
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from requests_app.batching import collecting
from requests_app.models import FollowUp

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "followup-"

# After the broker could not be reached, the after-commit relay of this process does not try again for
# OUTBOX_BROKER_BACKOFF_SECONDS: each try costs the request ~0.25 s per row, and the sweep publishes the rows.
_broker_down_until = 0.0


def broker_down() -> bool:
    """True while this process recently failed to reach the broker (its fast paths then skip publishing)."""
    return time.monotonic() < _broker_down_until


def note_broker(*, reachable: bool) -> None:
    global _broker_down_until
    _broker_down_until = 0.0 if reachable else time.monotonic() + settings.OUTBOX_BROKER_BACKOFF_SECONDS


def write(*, event: str, tasks: Iterable[str], kwargs: dict[str, Any]) -> list[int]:
    """Insert one pending row per task in the current transaction; publish them after commit.

    Inside `batch()` the rows are inserted (in one statement with the block's other rows) when the block
    ends, so their ids are not known yet: the answer is then an empty list.
    """
    now = timezone.now()
    rows = [FollowUp(event=event, task=name, kwargs=kwargs, created_at=now) for name in tasks]
    pending = _batch.get()
    if pending is not None:
        pending.extend(rows)
        return []
    _insert(rows)
    return [row.pk for row in rows]


_batch: ContextVar[list[FollowUp] | None] = ContextVar("outbox_batch", default=None)


@contextmanager
def batch() -> Iterator[None]:
    """Collect the follow-ups written inside and insert them in one statement when the block ends, with one
    relay after commit for all of them (one broker connection, one UPDATE).

    Use it inside the transaction of the change (`with transaction.atomic(), outbox.batch():`). Nested
    batches join the outer one; if the block raises, its rows are dropped with the transaction.
    """
    if _batch.get() is None and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.batch() belongs inside the transaction of the change it follows")
    with collecting(_batch, _insert):
        yield


def _insert(rows: list[FollowUp]) -> None:
    if not rows:
        return
    FollowUp.objects.bulk_create(rows)

    # The rows themselves, not their ids: the relay needs no read to publish what this transaction wrote.
    # A named closure, not functools.partial: Django names the hook by __qualname__ when a robust one fails.
    def relay_after_commit() -> int:
        return _relay_rows(rows)

    transaction.on_commit(relay_after_commit, robust=True)


def relay(ids: list[int]) -> int:
    """Publish the given rows if they are still pending."""
    return _publish_rows(list(FollowUp.objects.filter(pk__in=ids, status=FollowUp.Status.PENDING)))


def _relay_rows(rows: list[FollowUp]) -> int:
    """The fast path after commit: publish now, unless the broker was just found down (the sweep will)."""
    if broker_down():
        return 0
    return _publish_rows(rows)


def registered_task(name: str) -> Task:
    """The Celery task registered under `name` (importing every app's tasks module if needed)."""
    if name not in current_app.tasks:
        # Outside a worker the apps' tasks modules are imported lazily (Celery's autodiscovery).
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def _publish_rows(rows: list[FollowUp]) -> int:
    """Publish each row's task (one broker connection for all, and on Redis one round trip: kombu's publish
    batch sends the messages as one pipeline when the block ends), then mark the published rows sent at once."""
    published: list[int] = []
    batched = False
    try:
        with current_app.producer_or_acquire() as producer:
            batched = hasattr(producer, "batch")
            with producer.batch() if batched else nullcontext():
                for row in rows:
                    if _publish(row, producer):
                        published.append(row.pk)
        note_broker(reachable=True)
    except Exception:
        # No broker connection at all: the change is committed; the rest stay pending for the sweep
        # (no further row is tried: each would wait for the connection to fail again). A batch that failed
        # was discarded or its delivery is uncertain: none of its rows counts as sent (the sweep publishes
        # them again; a second delivery of a finished follow-up is skipped by FollowUpTask).
        note_broker(reachable=False)
        if batched:
            published.clear()
        logger.warning(
            "Could not reach the broker for %d follow-up(s); the sweep will retry them", len(rows) - len(published)
        )
    if published:
        # Only rows nobody finished meanwhile (an eager task, or a fast worker, marks its row done first).
        FollowUp.objects.filter(pk__in=published, status__in=[FollowUp.Status.PENDING, FollowUp.Status.SENT]).update(
            status=FollowUp.Status.SENT, published_at=timezone.now(), publishes=F("publishes") + 1
        )
    return len(published)


def _publish(row: FollowUp, producer: Any) -> bool:
    try:
        task = registered_task(row.task)
        task.apply_async(kwargs=row.kwargs, task_id=f"{TASK_ID_PREFIX}{row.pk}", producer=producer)
    except BrokerUnreachable:
        raise  # the broker itself: stop this batch
    except Exception:
        # The change is committed; the row stays pending and the sweep publishes it later.
        logger.exception("Could not publish follow-up #%s (%s); the sweep will retry it", row.pk, row.task)
        return False
    return True


def sweep(*, now=None, limit: int = 500) -> int:
    """Republish follow-ups the relay never published, or whose task never finished (idempotent)."""
    now = now or timezone.now()
    grace = timedelta(seconds=settings.OUTBOX_RELAY_GRACE_SECONDS)
    redeliver = timedelta(seconds=settings.OUTBOX_REDELIVER_SECONDS)
    due = Q(status=FollowUp.Status.PENDING, created_at__lte=now - grace) | Q(
        status=FollowUp.Status.SENT, published_at__lte=now - redeliver
    )
    with transaction.atomic():
        # Two sweeps at once each take different rows.
        rows = list(FollowUp.objects.select_for_update(skip_locked=True).filter(due).order_by("pk")[:limit])
        published = _publish_rows(rows)
    if rows:
        logger.info("outbox sweep republished %d of %d follow-ups", published, len(rows))
    return published


def status_summary(*, now=None) -> dict[str, Any]:
    """Counts per status and the age in seconds of the oldest unfinished row (for operators)."""
    now = now or timezone.now()
    counts = {s.value: 0 for s in FollowUp.Status}
    for row in FollowUp.objects.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    oldest = FollowUp.objects.filter(status__in=[FollowUp.Status.PENDING, FollowUp.Status.SENT]).aggregate(
        at=Min("created_at")
    )["at"]
    return {"counts": counts, "oldest_open_seconds": (now - oldest).total_seconds() if oldest else None}


def _followup_pk(task_id: str | None) -> int | None:
    if task_id and task_id.startswith(TASK_ID_PREFIX):
        try:
            return int(task_id[len(TASK_ID_PREFIX) :])
        except ValueError:
            return None
    return None


def _error_line(exc: BaseException) -> str:
    # The type and the first line only: no traceback (and so no local values) in the table.
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:500]


class FollowUpTask(Task):
    """Base of every task in requests_app.followups: skip a finished row, mark the row done after.

    A task called directly (a test, beat, a shell) has no follow-up row and just runs.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        pk = _followup_pk(self.request.id)
        if pk is None:
            return super().__call__(*args, **kwargs)
        # One statement: count the attempt unless the row is already done (then skip this delivery).
        if not FollowUp.objects.filter(pk=pk).exclude(status=FollowUp.Status.DONE).update(attempts=F("attempts") + 1):
            if FollowUp.objects.filter(pk=pk).exists():
                logger.info("follow-up #%s already done; this delivery is skipped", pk)
                return None
        try:
            result = super().__call__(*args, **kwargs)
        except Retry as exc:
            FollowUp.objects.filter(pk=pk).update(last_error=_error_line(exc.exc or exc))
            raise
        except Exception as exc:
            FollowUp.objects.filter(pk=pk).exclude(status=FollowUp.Status.DONE).update(
                status=FollowUp.Status.FAILED, finished_at=timezone.now(), last_error=_error_line(exc)
            )
            logger.error("follow-up #%s (%s) failed for good: %s", pk, self.name, type(exc).__name__)
            raise
        FollowUp.objects.filter(pk=pk).update(status=FollowUp.Status.DONE, finished_at=timezone.now())
        return result


def retry_failed() -> int:
    """Put failed follow-ups back to pending (an operator fixed the cause) and publish them."""
    ids = list(FollowUp.objects.filter(status=FollowUp.Status.FAILED).values_list("pk", flat=True))
    FollowUp.objects.filter(pk__in=ids).update(status=FollowUp.Status.PENDING, finished_at=None)
    relay(ids)
    return len(ids)
