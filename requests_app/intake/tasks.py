"""Celery tasks of the law-enforcement face: e-mails, sent after commit, and purges."""

from celery import shared_task

from requests_app.intake import emails
from requests_app.outbox import FollowUpTask


@shared_task(
    base=FollowUpTask, batchable=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5
)
def send_acknowledgement(request_id: int) -> None:
    """E-mail the submitting officer the reference of their new request."""
    emails.send_acknowledgement(request_id=request_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def send_quarantine_notice(document_id: int) -> None:
    """E-mail the officer that a document they uploaded contains malware and was quarantined."""
    emails.send_quarantine_notice(document_id=document_id)


@shared_task(acks_late=True)
def purge_idempotency_records() -> int:
    """Delete idempotency records older than a day (beat, hourly; idempotent)."""
    from requests_app.intake import services

    return services.idempotency_purge()


@shared_task(acks_late=True)
def purge_pending_uploads() -> int:
    """Delete PDFs kept from refused request forms once they expire (beat, every 15 minutes; idempotent)."""
    from requests_app.intake import services

    return services.pending_upload_purge()


@shared_task(acks_late=True)
def purge_drafts() -> int:
    """Delete drafts of the request form DRAFT_TTL_DAYS after their last save (beat, hourly; idempotent)."""
    from requests_app.intake import drafts

    return drafts.draft_purge()


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def mail_registration_pending(officer_id: int) -> None:
    """E-mail: registration received, awaiting verification."""
    emails.send_registration_pending(officer_id=officer_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def mail_account_activated(officer_id: int) -> None:
    """E-mail: the account is active."""
    emails.send_account_activated(officer_id=officer_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def mail_token_created(token_id: int) -> None:
    """E-mail: an API token was created (security notice)."""
    emails.send_token_created(token_id=token_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def mail_message_notice(message_id: int) -> None:
    """E-mail: a new message on a request's thread."""
    emails.send_message_notice(message_id=message_id)
