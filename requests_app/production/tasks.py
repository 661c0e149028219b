"""Celery tasks of the production app: thin, idempotent, each calls one service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from requests_app.outbox import FollowUpTask
from requests_app.production import emails, services

logger = logging.getLogger(__name__)

BUILD_RETRIES = 3


@shared_task(base=FollowUpTask, bind=True, acks_late=True, max_retries=BUILD_RETRIES)
def production_build_task(self, production_id: int) -> str:
    """Build one package; retried with backoff; after the last try the production fails (request back to approved)."""
    try:
        return services.production_build(production_id=production_id).status
    except Exception as exc:
        services.production_heartbeat(production_id)  # waiting for a retry is not a stall
        # Eager mode (development, no broker) has no worker to retry later: give up at once.
        if self.request.retries >= self.max_retries or self.request.is_eager:
            logger.exception("production %s failed after %s attempts", production_id, self.request.retries + 1)
            return services.production_fail(production_id=production_id, error=f"{type(exc).__name__}: {exc}").status
        delay = settings.PRODUCTION_RETRY_SECONDS * 2**self.request.retries
        raise self.retry(exc=exc, countdown=delay) from exc


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def productions_purge_expired_task() -> int:
    """Beat: delete packages whose download link expired."""
    return services.productions_purge_expired()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def productions_requeue_stalled_task() -> list[int]:
    """Beat: queue again builds with no heartbeat for PRODUCTION_STALL_SECONDS (worker killed)."""
    return services.productions_requeue_stalled()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def holds_release_expired_task() -> dict:
    """Beat: remind before preservation ends; release holds that ended."""
    return services.holds_release_expired()


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notices_send_due_task(request_id: int | None = None) -> int:
    """Beat (and after a request closes or an order is lifted): send user notices that are due."""
    return services.notices_send_due(request_id=request_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def notices_create_for_request_task(request_id: int) -> int:
    """A request closed: create its user notices."""
    return len(services.notices_create_for_request(request_id=request_id))


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def holds_create_for_approved_request_task(request_id: int) -> int:
    """A preservation request was approved: create (or extend) its holds and close it."""
    return len(services.holds_create_for_approved_request(request_id=request_id))


@shared_task(
    base=FollowUpTask, batchable=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3
)
def holds_link_followups_task(request_id: int) -> int:
    """A new request: link it to active holds on the same accounts of the same agency."""
    return services.holds_link_followups(request_id=request_id)


@shared_task(
    base=FollowUpTask, batchable=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3
)
def holds_provisional_create_task(request_id: int) -> int:
    """After submission: preserve the named accounts from receipt."""
    return len(services.holds_provisional_create(request_id=request_id))


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def production_ready_mail_task(request_id: int) -> None:
    """E-mail the agency: the package is ready."""
    emails.production_ready_mail(request_id=request_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def certificate_to_sign_mail_task(production_id: int) -> None:
    """E-mail the custodians of records: a built package's certificate waits for a signature."""
    emails.certificate_to_sign_mail(production_id=production_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def hold_reminder_mail_task(hold_id: int) -> None:
    """E-mail the agency: a preservation hold ends soon."""
    emails.hold_reminder_mail(hold_id=hold_id)
