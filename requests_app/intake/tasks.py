"""Celery tasks of the law-enforcement face: e-mails, sent after commit, and purges."""

from celery import shared_task

from requests_app.intake import emails
from requests_app.outbox import FollowUpTask


@shared_task(
    base=FollowUpTask, batchable=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5
)
def acknowledgement_mail_task(request_id: int) -> None:
    """E-mail the submitting officer the reference of their new request."""
    emails.acknowledgement_mail(request_id=request_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def quarantine_notice_mail_task(document_id: int) -> None:
    """E-mail the officer that a document they uploaded contains malware and was quarantined."""
    emails.quarantine_notice_mail(document_id=document_id)


@shared_task(acks_late=True)
def idempotency_purge_task() -> int:
    """Delete idempotency records older than a day (beat, hourly; idempotent)."""
    from requests_app.intake import services

    return services.idempotency_purge()


@shared_task(acks_late=True)
def pending_uploads_purge_task() -> int:
    """Delete PDFs kept from refused request forms once they expire (beat, every 15 minutes; idempotent)."""
    from requests_app.intake import services

    return services.pending_uploads_purge()


@shared_task(acks_late=True)
def drafts_purge_task() -> int:
    """Delete drafts of the request form DRAFT_TTL_DAYS after their last save (beat, hourly; idempotent)."""
    from requests_app.intake import drafts

    return drafts.drafts_purge()


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def registration_pending_mail_task(officer_id: int) -> None:
    """E-mail: registration received, awaiting verification."""
    emails.registration_pending_mail(officer_id=officer_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def account_activated_mail_task(officer_id: int) -> None:
    """E-mail: the account is active."""
    emails.account_activated_mail(officer_id=officer_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def token_created_mail_task(token_id: int) -> None:
    """E-mail: an API token was created (security notice)."""
    emails.token_created_mail(token_id=token_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def message_notice_mail_task(message_id: int) -> None:
    """E-mail: a new message on a request's thread."""
    emails.message_notice_mail(message_id=message_id)
