"""Celery tasks of the transparency app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from requests_app.outbox import FollowUpTask
from transparency import services


@shared_task(base=FollowUpTask, acks_late=True)
def report_compute_task(report_id: int) -> None:
    """Compute a draft report's numbers (idempotent: recomputing a draft is harmless)."""
    services.report_compute(report_id=report_id)


@shared_task(
    base=FollowUpTask, batchable=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3
)
def facts_refresh_task(request_id: int) -> int:
    """Recompute one request's report facts after a transition (idempotent)."""
    from transparency.facts import facts_refresh

    return facts_refresh(request_ids=[request_id])
