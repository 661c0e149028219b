"""Celery tasks of the legal workspace: thin, idempotent, each calls one service."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from requests_app.models import LegalRequest
from requests_app.outbox import FollowUpTask
from requests_app.review import emails, services


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def letter_send_task(request_id: int, kind: str, actor_id: int | None = None) -> int:
    """Render and send one letter (queued on commit by the review services)."""
    request = LegalRequest.objects.get(pk=request_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return services.letter_send(request=request, kind=kind, actor=actor).pk


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def reminders_send_due_task() -> int:
    """Remind assignees of requests falling due soon (beat, every 15 minutes; idempotent)."""
    return len(services.reminders_send_due())


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def request_escalate_task(request_id: int) -> bool:
    """Tell supervisors about one overdue request (a follow-up of the overdue event)."""
    return services.request_escalate(request_id=request_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def letter_sent_mail_task(letter_id: int) -> None:
    """E-mail the agency that a letter was sent."""
    emails.letter_sent_mail(letter_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def reminder_mail_task(request_id: int) -> None:
    """E-mail the assignee: a request falls due soon."""
    emails.reminder_mail(request_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def escalation_mail_task(request_id: int) -> None:
    """E-mail the supervisors: a request is overdue."""
    emails.escalation_mail(request_id)
