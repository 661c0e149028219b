"""Celery tasks of the core: thin wrappers that call one service each."""

from celery import shared_task

from requests_app import files, outbox, services
from requests_app.outbox import FollowUpTask


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def deadlines_sweep_task() -> int:
    """Mark requests that passed their due time (idempotent; run by beat every 5 minutes)."""
    return len(services.deadlines_sweep())


@shared_task(acks_late=True)
def outbox_sweep_task() -> int:
    """Republish follow-ups left pending or unfinished (beat, every OUTBOX_SWEEP_SECONDS; idempotent)."""
    return outbox.sweep()


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def followups_batch_run_task(ids: list[int]) -> int:
    """Run several follow-ups of one change in one message (the after-commit relay's batch; idempotent:
    rows already done are skipped, each row is marked done after its own task body; requests_app.outbox)."""
    return outbox.followups_batch_run(ids)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def orphan_files_sweep_task() -> int:
    """Delete stored files whose row never committed (beat, hourly; idempotent)."""
    return files.orphan_files_sweep()


@shared_task(acks_late=True, ignore_result=True)
def sequence_pending_task() -> int:
    """Give pending audit events their log positions and sign a checkpoint (requests_app.audit).

    Kicked after each audited commit and every 10 s by beat; one runs at a time (advisory lock), so a
    kick that finds the lock taken returns at once: the running one picks its events up.
    """
    from requests_app import audit

    return audit.sequence_pending()


@shared_task(
    base=FollowUpTask, batchable=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5
)
def document_scan_task(document_id: int) -> str:
    """Scan an uploaded document for malware (follow-up of DOCUMENT_STORED; idempotent).

    A scanner that is down is not an error here: the document stays pending and
    documents_rescan_pending_task (beat) takes it up again."""
    return services.document_scan(document_id=document_id)


@shared_task(acks_late=True, ignore_result=True)
def documents_rescan_pending_task() -> dict[str, int]:
    """Scan every document still pending (beat, every CLAMD_RESCAN_SECONDS; idempotent)."""
    return services.documents_rescan_pending()
