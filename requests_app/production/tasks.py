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
def build_production(self, production_id: int) -> str:
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
def purge_expired_productions() -> int:
    """Beat: delete packages whose download link expired."""
    return services.production_purge_expired()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def requeue_stalled_productions() -> list[int]:
    """Beat: queue again builds with no heartbeat for PRODUCTION_STALL_SECONDS (worker killed)."""
    return services.production_requeue_stalled()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def release_expired_holds() -> dict:
    """Beat: remind before preservation ends; release holds that ended."""
    return services.holds_release_expired()


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def send_due_notices(request_id: int | None = None) -> int:
    """Beat (and after a request closes or an order is lifted): send user notices that are due."""
    return services.notices_send_due(request_id=request_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def create_notices(request_id: int) -> int:
    """A request closed: create its user notices."""
    return len(services.notices_create_for_request(request_id=request_id))


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def preserve_approved_request(request_id: int) -> int:
    """A preservation request was approved: create (or extend) its holds and close it."""
    return len(services.holds_create_for_approved_request(request_id=request_id))


@shared_task(
    base=FollowUpTask, batchable=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3
)
def link_followups(request_id: int) -> int:
    """A new request: link it to active holds on the same accounts of the same agency."""
    return services.holds_link_followups(request_id=request_id)


@shared_task(
    base=FollowUpTask, batchable=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3
)
def provisional_holds(request_id: int) -> int:
    """After submission: preserve the named accounts from receipt."""
    return len(services.holds_provisional_create(request_id=request_id))


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def mail_production_ready(request_id: int) -> None:
    """E-mail the agency: the package is ready."""
    emails.production_ready(request_id=request_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def mail_certificate_to_sign(production_id: int) -> None:
    """E-mail the custodians of records: a built package's certificate waits for a signature."""
    emails.certificate_to_sign(production_id=production_id)


@shared_task(base=FollowUpTask, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def mail_hold_reminder(hold_id: int) -> None:
    """E-mail the agency: a preservation hold ends soon."""
    emails.hold_reminder(hold_id=hold_id)
