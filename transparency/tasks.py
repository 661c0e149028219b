"""Celery tasks of the transparency app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from transparency import services


@shared_task(acks_late=True)
def build_report_task(report_id: int) -> None:
    """Compute a draft report's numbers (idempotent: recomputing a draft is harmless)."""
    services.report_compute(report_id=report_id)
