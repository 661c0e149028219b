"""The transactional outbox: follow-up tasks written as rows in the change's own transaction.

- `write()` inserts one `FollowUp` row per task, inside the caller's transaction, and asks
  for a relay once that transaction commits (nothing is written for one that rolls back).
- The relay (fast path, one per transaction) hands the rows to Celery right after commit: the rows
  of batchable tasks as one `followups_batch_run_task` message (followups_batch_run), the others one message each. If the
  broker is down or the process dies before it publishes, the rows stay `pending`.
- `sweep()` (beat, every OUTBOX_SWEEP_SECONDS) republishes rows still pending after
  OUTBOX_RELAY_GRACE_SECONDS, and rows sent but unfinished after OUTBOX_REDELIVER_SECONDS
  (a message lost by a broker that restarted empty, or a task killed with its worker) once the
  broker's queue is empty (before, such a row may simply be waiting in the queue).
- A follow-up task uses `FollowUpTask` as its base: a row already done is not run again,
  and the row is marked done only once the task has returned (failed after its retries).

Delivery is at least once; tasks are written to be idempotent, and the done check makes a
second delivery of a finished follow-up a no-op.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from celery import Task, current_app
from celery.exceptions import NotRegistered, Retry
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from requests_app.batching import collecting
from requests_app.models import FollowUp

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "followup-"
BATCH_TASK = "requests_app.tasks.followups_batch_run_task"  # several rows' tasks in one message
BATCH_ID_PREFIX = "followups-"

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
    _relay_after_commit(rows)


_this_thread = threading.local()  # the relay hook of the transaction this thread is in, if any


def _relay_after_commit(rows: list[FollowUp]) -> None:
    """Publish the rows after commit: one relay per transaction, for every row it wrote (so that the
    follow-ups of one change can travel as one batch message, see _publish_rows)."""
    conn = transaction.get_connection()
    hook = getattr(_this_thread, "hook", None)
    if conn.in_atomic_block and hook is not None and _this_thread.connection is conn:
        # This transaction already has its relay if the hook is still to run and was registered in this
        # atomic block or one around it (not in a sibling block: a test's captureOnCommitCallbacks runs
        # only the hooks registered inside it). A row written in a savepoint that later rolls back is
        # published too: it does not exist, so its batch skips it (and marking it sent changes nothing).
        open_savepoints = set(conn.savepoint_ids)
        if any(entry[1] is hook and set(entry[0]) <= open_savepoints for entry in conn.run_on_commit):
            hook.rows.extend(rows)
            return
    queued = list(rows)  # the rows themselves, not their ids: the relay needs no read to publish them

    # A named closure, not functools.partial: Django names the hook by __qualname__ when a robust one fails.
    def relay_after_commit() -> int:
        return _relay_rows(queued, batched=True)

    relay_after_commit.rows = queued  # type: ignore[attr-defined]
    _this_thread.hook, _this_thread.connection = relay_after_commit, conn
    transaction.on_commit(relay_after_commit, robust=True)


def relay(ids: list[int]) -> int:
    """Publish the given rows if they are still pending."""
    return _publish_rows(list(FollowUp.objects.filter(pk__in=ids, status=FollowUp.Status.PENDING)))


def _relay_rows(rows: list[FollowUp], *, batched: bool = False) -> int:
    """The fast path after commit: publish now, unless the broker was just found down (the sweep will)."""
    if broker_down():
        return 0
    return _publish_rows(rows, batched=batched)


def registered_task(name: str) -> Task:
    """The Celery task registered under `name` (importing every app's tasks module if needed)."""
    if name not in current_app.tasks:
        # Outside a worker the apps' tasks modules are imported lazily (Celery's autodiscovery). Import the
        # task's own module: Python's import lock makes a second thread wait until it is fully imported,
        # where two threads in import_default_modules at once let the second go on before the tasks exist
        # (seen in gunicorn's gthread workers on their first requests).
        module = name.rpartition(".")[0]
        if module:
            try:
                importlib.import_module(module)
            except ImportError:
                pass  # not a module path: the look-up below says which name is unknown
        if name not in current_app.tasks:
            current_app.loader.import_default_modules()
    return current_app.tasks[name]


def batchable(name: str) -> bool:
    """Whether the follow-up task `name` may run inside a batch (its task says `batchable=True`)."""
    try:
        return bool(getattr(registered_task(name), "batchable", False))
    except NotRegistered:
        return False  # published on its own, where the failure is handled like a broker error


def _publish_rows(rows: list[FollowUp], *, batched: bool = False) -> int:
    """Publish the rows' tasks (one broker connection for all, and on Redis one round trip: kombu's publish
    batch sends the messages as one pipeline when the block ends), then mark the published rows sent at once.

    batched (the after-commit relay): the rows of batchable tasks go as one `followups_batch_run_task` message per
    OUTBOX_BATCH_MAX rows (the worker's fixed cost per message, ~3 ms, was half of a submission's follow-up
    CPU); every other row, and every row the sweep republishes, as its own task's message.
    """
    published: list[int] = []
    singles = rows
    groups: list[list[FollowUp]] = []
    if batched and settings.OUTBOX_BATCH_MAX > 1:
        can_batch = [batchable(row.task) for row in rows]
        together = [row for row, ok in zip(rows, can_batch, strict=True) if ok]
        singles = [row for row, ok in zip(rows, can_batch, strict=True) if not ok]
        size = settings.OUTBOX_BATCH_MAX
        groups = [together[i : i + size] for i in range(0, len(together), size)]
        singles += [group[0] for group in groups if len(group) == 1]
        groups = [group for group in groups if len(group) > 1]
    pipelined = False
    try:
        with current_app.producer_or_acquire() as producer:
            pipelined = hasattr(producer, "batch")
            with producer.batch() if pipelined else nullcontext():
                for group in groups:
                    if _publish_batch(group, producer):
                        published.extend(row.pk for row in group)
                for row in singles:
                    if _publish(row, producer):
                        published.append(row.pk)
        note_broker(reachable=True)
    except Exception:
        # No broker connection at all: the change is committed; the rest stay pending for the sweep
        # (no further row is tried: each would wait for the connection to fail again). A batch that failed
        # was discarded or its delivery is uncertain: none of its rows counts as sent (the sweep publishes
        # them again; a second delivery of a finished follow-up is skipped by FollowUpTask).
        note_broker(reachable=False)
        if pipelined:
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


def _publish_batch(rows: list[FollowUp], producer: Any) -> bool:
    ids = [row.pk for row in rows]
    try:
        task = registered_task(BATCH_TASK)
        task.apply_async(kwargs={"ids": ids}, task_id=f"{BATCH_ID_PREFIX}{ids[0]}-{ids[-1]}", producer=producer)
    except BrokerUnreachable:
        raise
    except Exception:
        logger.exception("Could not publish follow-ups #%s-#%s as a batch; the sweep will retry them", ids[0], ids[-1])
        return False
    return True


def followups_batch_run(ids: list[int]) -> int:
    """Run the follow-ups `ids` one after the other in this task (the worker's side of a batch message).

    Each row keeps its own record: its attempts are counted, it is marked done once its task body has
    returned, and a row already done (a redelivered batch, a sweep's copy that ran first) is skipped. A
    body that raises is handed to its own task's message, which retries it on that task's policy (and
    fails the row for good after the last try); the batch's other rows are not held back by it. A row
    not found was rolled back with a savepoint of its change: nothing to do. Returns how many ran.
    """
    rows = _batch_rows_started(ids)
    if not rows:
        return 0
    done: list[int] = []
    alone: list[FollowUp] = []
    for row in rows:
        task = registered_task(row.task)
        if not getattr(task, "batchable", False):
            alone.append(row)
            continue
        try:
            # The body itself: called directly, a task's autoretry re-raises instead of scheduling a retry.
            task.run(**row.kwargs)
        except Exception as exc:
            FollowUp.objects.filter(pk=row.pk).update(last_error=_error_line(exc))
            logger.warning(
                "follow-up #%s (%s) failed in its batch (%s); retried alone", row.pk, row.task, type(exc).__name__
            )
            alone.append(row)
            continue
        done.append(row.pk)
    if done:
        _batch_rows_done(done)
    if alone:
        _publish_rows(alone)  # if even that fails, the rows stay sent and the sweep redelivers them
    return len(done)


def _batch_rows_started(ids: list[int]) -> list[FollowUp]:
    """The batch's rows not done yet, in id order, their attempt counted (one statement on PostgreSQL).

    Raw SQL for the batch's own two statements: building them through the ORM cost more CPU than running
    them, on every batch (a tenth of a submission's follow-up CPU)."""
    if connection.vendor != "postgresql":
        rows = list(FollowUp.objects.filter(pk__in=ids).exclude(status=FollowUp.Status.DONE).order_by("pk"))
        FollowUp.objects.filter(pk__in=[row.pk for row in rows]).exclude(status=FollowUp.Status.DONE).update(
            attempts=F("attempts") + 1
        )
        return rows
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET attempts = attempts + 1 WHERE id = ANY(%s) AND status <> %s"  # noqa: S608 (the model's table)
            " RETURNING id, task, kwargs",
            [list(ids), FollowUp.Status.DONE],
        )
        found = cursor.fetchall()
    return [
        FollowUp(pk=pk, task=task, kwargs=json.loads(kwargs) if isinstance(kwargs, str | bytes) else kwargs)
        for pk, task, kwargs in sorted(found)
    ]


def _batch_rows_done(ids: list[int]) -> None:
    """Mark the batch's finished rows done (their bodies have returned)."""
    if connection.vendor != "postgresql":
        FollowUp.objects.filter(pk__in=ids).update(status=FollowUp.Status.DONE, finished_at=timezone.now())
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET status = %s, finished_at = %s WHERE id = ANY(%s)",  # noqa: S608 (the model's table)
            [FollowUp.Status.DONE, timezone.now(), list(ids)],
        )


def _table() -> str:
    return connection.ops.quote_name(FollowUp._meta.db_table)


def sweep(*, now=None, limit: int = 500) -> int:
    """Republish follow-ups the relay never published, or whose task never finished (idempotent)."""
    now = now or timezone.now()
    grace = timedelta(seconds=settings.OUTBOX_RELAY_GRACE_SECONDS)
    redeliver = timedelta(seconds=settings.OUTBOX_REDELIVER_SECONDS)
    due = Q(status=FollowUp.Status.PENDING, created_at__lte=now - grace)
    # A row sent long ago and unfinished: its message was lost, or it still waits behind a backlog. While the
    # broker's queue holds messages, it may well be waiting: republishing it then only adds a copy to the
    # backlog (under a backlog older than OUTBOX_REDELIVER_SECONDS that was most of the queue, and the
    # worker fell further behind). Lost messages are republished once the queue has drained (a broker that
    # restarted empty has an empty queue at once); when the queue cannot be read, as before.
    if not broker_backlog():
        due |= Q(status=FollowUp.Status.SENT, published_at__lte=now - redeliver)
    with transaction.atomic():
        # Two sweeps at once each take different rows.
        rows = list(FollowUp.objects.select_for_update(skip_locked=True).filter(due).order_by("pk")[:limit])
        published = _publish_rows(rows)
    if rows:
        logger.info("outbox sweep republished %d of %d follow-ups", published, len(rows))
    return published


def broker_backlog() -> int | None:
    """Messages waiting in the broker's default queue; None when unknown (eager tasks, an error)."""
    if current_app.conf.task_always_eager:
        return None
    try:
        with current_app.connection_for_read() as conn:
            declared = conn.default_channel.queue_declare(queue=current_app.conf.task_default_queue, passive=True)
            return int(declared.message_count)
    except Exception:
        return None


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

    A task called directly (a test, beat, a shell) has no follow-up row and just runs. A task with
    `batchable = True` (a short body, no `bind`, no retry policy of its own beyond autoretry) may also
    run inside a batch message after commit (followups_batch_run); the sweep and a failed batch use its own message.
    """

    batchable = False

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
