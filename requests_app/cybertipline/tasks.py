"""Celery tasks of the register: thin, idempotent, each calls one service."""

from __future__ import annotations

from celery import shared_task

from requests_app.cybertipline import emails, services
from requests_app.cybertipline.client import NcmecUnavailable
from requests_app.outbox import FollowUpTask


@shared_task(
    base=FollowUpTask,
    acks_late=True,
    autoretry_for=(NcmecUnavailable,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=48,
)
def report_send_task(report_id: int) -> str:
    """Send (or resume sending) one queued report to NCMEC; safe to run twice."""
    return services.report_send(report_id=report_id).status


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def deadlines_sweep_task() -> dict[str, int]:
    """Beat, every five minutes: reminders and escalations of reports not yet sent."""
    return services.deadlines_sweep()


@shared_task(
    base=FollowUpTask, batchable=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3
)
def followups_link_cited_task(request_id: int) -> int:
    """A new law-enforcement request: link it to the reports whose NCMEC id it cites."""
    return services.followups_link_cited(request_id=request_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def deadline_reminder_mail_task(report_id: int) -> None:
    """E-mail the register's holders: a report falls due soon."""
    emails.deadline_reminder_mail(report_id=report_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def deadline_escalation_mail_task(report_id: int) -> None:
    """E-mail the supervisors: a report is overdue."""
    emails.deadline_escalation_mail(report_id=report_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def submission_refused_mail_task(report_id: int) -> None:
    """E-mail the register's holders: NCMEC refused a submission."""
    emails.submission_refused_mail(report_id=report_id)
