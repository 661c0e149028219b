"""Celery tasks of the core: thin wrappers that call one service each."""

from celery import shared_task

from requests_app import services


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def sweep_deadlines() -> int:
    """Mark requests that passed their due time (idempotent; run by beat every 5 minutes)."""
    return len(services.deadlines_sweep())
