"""Writes of the law-enforcement face: registration and verification of agencies
and officers, API tokens, messages, answers to the legal team, document reads.

Same rules as requests_app.services: keyword-only, one transaction each, the
audit event written in that transaction, e-mails sent on commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from requests_app import followups, permissions
from requests_app.audit import event_record
from requests_app.documents import DocumentInput, store_encrypted
from requests_app.intake import selectors
from requests_app.intake.models import PENDING_UPLOAD_TTL, ApiToken, PendingUpload, token_digest
from requests_app.intake.selectors import agency_for_email
from requests_app.lifecycle import Status
from requests_app.models import Agency, Document, EventType, LegalRequest, Message, Officer
from requests_app.services import PermissionDenied, document_add, request_transition

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MESSAGE_MAX_CHARS = 10_000
TOKEN_PREFIX = "lep_"  # noqa: S105 (a public prefix, not a secret)


# ---------------------------------------------------------------------------------
# Registration and verification
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAgency:
    name: str
    country: str
    kind: str


def officer_register(
    *,
    user: User,
    full_name: str,
    rank: str,
    phone: Any,
    new_agency: NewAgency | None = None,
    ip: str | None = None,
) -> Officer:
    """Create the officer profile of a freshly signed-up user.

    An address on a verified agency's official domain joins that agency at once;
    otherwise the officer waits (pending) for staff to verify them and, if the
    agency is new, the agency too.
    """
    with transaction.atomic():
        agency = agency_for_email(user.email)
        if agency is not None and agency.verification_status == Agency.Verification.SUSPENDED:
            raise PermissionDenied("This agency's access is suspended; contact the platform's legal team.")
        created_agency = False
        if agency is None:
            if new_agency is None:
                raise PermissionDenied("Name your agency: your e-mail domain is not one of a verified agency.")
            agency, created_agency = Agency.objects.get_or_create(
                name=new_agency.name.strip(),
                country=new_agency.country,
                defaults={"kind": new_agency.kind, "verification_status": Agency.Verification.PENDING},
            )
        status = Officer.Status.ACTIVE if agency.is_verified else Officer.Status.PENDING
        officer = Officer.objects.create(
            user=user,
            agency=agency,
            role=Officer.Role.OFFICER,
            status=status,
            full_name=full_name.strip(),
            rank=rank.strip(),
            phone=phone or "",
        )
        if created_agency:
            event_record(
                event_type=EventType.AGENCY,
                actor=user,
                agency=agency,
                message="Agency registered, waiting for verification",
                payload={"agency": agency.pk, "status": agency.verification_status},
                ip=ip,
            )
        event_record(
            event_type=EventType.ACCOUNT,
            actor=user,
            agency=agency,
            message="Officer registered" + (" and joined by e-mail domain" if status == Officer.Status.ACTIVE else ""),
            payload={"officer": officer.pk, "status": status},
            ip=ip,
        )
        if status == Officer.Status.PENDING:
            followups.emit(followups.MAIL_REGISTRATION_PENDING, officer_id=officer.pk)
    return officer


def _require_supervisor(actor: User) -> None:
    if not permissions.is_supervisor(actor):
        raise PermissionDenied("Only a legal supervisor can verify or suspend agencies and officers.")


def _clean_domains(domains: list[str] | None) -> list[str]:
    out = []
    for raw in domains or []:
        d = raw.strip().lower().lstrip("@")
        if d and d not in out:
            out.append(d)
    return out


def agency_verify(
    *,
    agency: Agency,
    actor: User,
    email_domains: list[str] | None = None,
    method: str = "",
    evidence: str = "",
    ip: str | None = None,
) -> Agency:
    """Verify (or re-instate) an agency; its pending officers become active with it.

    The supervisor records how the agency was checked (issue 16): the method (a call-back to a
    number from an official directory, an official directory listing, ...) and the evidence (which
    directory, which number, whom they spoke to). Both are required, for a re-instatement too.
    """
    _require_supervisor(actor)
    if method not in Agency.VerificationMethod.values:
        raise PermissionDenied("Choose how you checked the agency (for example a call-back to an official number).")
    evidence = " ".join((evidence or "").split())
    if not evidence:
        raise PermissionDenied("Write down the evidence: which directory or number you used and whom you spoke to.")
    if len(evidence) > 500:
        raise PermissionDenied("Keep the evidence under 500 characters.")
    with transaction.atomic():
        locked = Agency.objects.select_for_update().get(pk=agency.pk)
        before = locked.verification_status
        locked.verification_status = Agency.Verification.VERIFIED
        locked.verified_by = actor
        locked.verified_at = timezone.now()
        locked.verification_method = method
        locked.verification_evidence = evidence
        if email_domains is not None:
            locked.email_domains = _clean_domains(email_domains)
        locked.save()
        event_record(
            event_type=EventType.AGENCY,
            actor=actor,
            agency=locked,
            message=f"Agency verified: {locked.name} ({locked.get_verification_method_display().lower()})",
            payload={
                "from": before,
                "to": locked.verification_status,
                "email_domains": locked.email_domains,
                "method": method,
                "evidence": evidence,
            },
            ip=ip,
        )
        activated = []
        for officer in Officer.objects.select_for_update().filter(agency=locked, status=Officer.Status.PENDING):
            _officer_set_status(
                officer=officer, actor=actor, status=Officer.Status.ACTIVE, reason="agency verified", ip=ip
            )
            activated.append(officer.pk)
    agency.refresh_from_db()
    return agency


def agency_suspend(*, agency: Agency, actor: User, reason: str, ip: str | None = None) -> Agency:
    """Suspend an agency: none of its officers can log in, submit or use the API."""
    _require_supervisor(actor)
    if not reason.strip():
        raise PermissionDenied("Give a reason for suspending the agency.")
    with transaction.atomic():
        locked = Agency.objects.select_for_update().get(pk=agency.pk)
        before = locked.verification_status
        locked.verification_status = Agency.Verification.SUSPENDED
        locked.save(update_fields=["verification_status"])
        event_record(
            event_type=EventType.AGENCY,
            actor=actor,
            agency=locked,
            message=f"Agency suspended: {reason.strip()}"[:500],
            payload={"from": before, "to": locked.verification_status},
            ip=ip,
        )
    agency.refresh_from_db()
    return agency


def _officer_set_status(*, officer: Officer, actor: User, status: str, reason: str, ip: str | None) -> None:
    before = officer.status
    officer.status = status
    officer.save(update_fields=["status"])
    event_record(
        event_type=EventType.ACCOUNT,
        actor=actor,
        agency=officer.agency,
        message=f"Officer {officer.pk} {status}: {reason}"[:500],
        payload={"officer": officer.pk, "from": before, "to": status},
        ip=ip,
    )
    if status == Officer.Status.ACTIVE and before != status:
        officer_id = officer.pk
        followups.emit(followups.MAIL_ACCOUNT_ACTIVATED, officer_id=officer_id)


def officer_verify(*, officer: Officer, actor: User, ip: str | None = None) -> Officer:
    """Activate a pending or suspended officer. The agency must be verified too for them to act."""
    _require_supervisor(actor)
    with transaction.atomic():
        locked = Officer.objects.select_for_update(of=("self",)).select_related("agency").get(pk=officer.pk)
        if locked.role != Officer.Role.OFFICER:
            raise PermissionDenied("Staff accounts are managed by administrators.")
        _officer_set_status(officer=locked, actor=actor, status=Officer.Status.ACTIVE, reason="verified", ip=ip)
    officer.refresh_from_db()
    return officer


def officer_suspend(*, officer: Officer, actor: User, reason: str, ip: str | None = None) -> Officer:
    """Suspend an officer: logged out on their next page, API tokens refused."""
    _require_supervisor(actor)
    if not reason.strip():
        raise PermissionDenied("Give a reason for suspending the officer.")
    with transaction.atomic():
        locked = Officer.objects.select_for_update(of=("self",)).select_related("agency").get(pk=officer.pk)
        if locked.role != Officer.Role.OFFICER:
            raise PermissionDenied("Staff accounts are managed by administrators.")
        _officer_set_status(officer=locked, actor=actor, status=Officer.Status.SUSPENDED, reason=reason.strip(), ip=ip)
    officer.refresh_from_db()
    return officer


# ---------------------------------------------------------------------------------
# API tokens
# ---------------------------------------------------------------------------------


def api_token_create(
    *, user: User, name: str, expires_in_days: int | None = None, ip: str | None = None
) -> tuple[ApiToken, str]:
    """Create a token for an active officer; returns it and the secret (shown once)."""
    if not permissions.is_agency_officer(user):
        raise PermissionDenied("Only active officers of a verified agency can create API tokens.")
    name = name.strip()
    if not name:
        raise PermissionDenied("Give the token a name, e.g. the system that will use it.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            digest=token_digest(secret),
            expires_at=expires_at,
        )
        event_record(
            event_type=EventType.API_TOKEN,
            actor=user,
            agency=user.officer.agency,
            message=f"API token created: {token.prefix}…",
            payload={"token": token.pk, "prefix": token.prefix, "expires_at": expires_at},
            ip=ip,
        )
        token_id = token.pk
        followups.emit(followups.MAIL_TOKEN_CREATED, token_id=token_id)
    return token, secret


def api_token_revoke(*, token: ApiToken, actor: User, ip: str | None = None) -> ApiToken:
    """Revoke a token. Its owner or a supervisor may; revoking twice is harmless."""
    if token.user_id != getattr(actor, "pk", None) and not permissions.is_supervisor(actor):
        raise PermissionDenied("You can only revoke your own tokens.")
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            officer = getattr(locked.user, "officer", None)
            event_record(
                event_type=EventType.API_TOKEN,
                actor=actor,
                agency=getattr(officer, "agency", None),
                message=f"API token revoked: {locked.prefix}…",
                payload={"token": locked.pk, "prefix": locked.prefix},
                ip=ip,
            )
    token.revoked_at = locked.revoked_at
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret, or None. Marks it used (at most once a minute)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = selectors.active_token(token_digest(secret), now=now)
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# ---------------------------------------------------------------------------------
# Messages, answers, documents
# ---------------------------------------------------------------------------------


def _side_of(author: User, request: LegalRequest) -> bool:
    """True if the author writes for the agency, False for the legal team; else refuse."""
    officer: Officer | None = getattr(author, "officer", None)
    if officer is None or not officer.can_act:
        raise PermissionDenied("Your account or your agency is not active.")
    if officer.role == Officer.Role.OFFICER:
        if officer.agency_id != request.agency_id:
            raise PermissionDenied("This request belongs to another agency.")
        return True
    return False


def message_post(*, request: LegalRequest, author: User, body: str, ip: str | None = None) -> Message:
    """Post a message in a request's thread, from the agency or from the legal team.

    The event is public (both sides see that a message was posted); the other
    side is e-mailed on commit, without the message text.
    """
    from_agency = _side_of(author, request)
    body = (body or "").strip()
    if not body:
        raise PermissionDenied("Write a message first.")
    if len(body) > MESSAGE_MAX_CHARS:
        raise PermissionDenied(f"A message can be at most {MESSAGE_MAX_CHARS:,} characters; send a PDF for more.")
    with transaction.atomic():
        message = Message.objects.create(request=request, author=author, from_agency=from_agency, body=body)
        event_record(
            event_type=EventType.MESSAGE,
            actor=author,
            request=request,
            public=True,
            message="Message from the agency" if from_agency else "Message from the legal team",
            payload={"message": message.pk, "from_agency": from_agency},
            ip=ip,
        )
        message_id = message.pk
        followups.emit(followups.MAIL_MESSAGE_POSTED, message_id=message_id)
    return message


def request_answer(
    *, request: LegalRequest, actor: User, body: str = "", document: DocumentInput | None = None, ip: str | None = None
) -> LegalRequest:
    """The agency answers the legal team's question: a message and/or a document,
    and the request goes back to review. All or nothing."""
    if not _side_of(actor, request):
        raise PermissionDenied("Only the requesting agency answers questions on its request.")
    if not (body or "").strip() and document is None:
        raise PermissionDenied("Write an answer or attach a document.")
    if request.status != Status.NEEDS_INFO:
        raise PermissionDenied("The legal team has not asked for information on this request.")
    stored: Document | None = None
    try:
        with transaction.atomic():
            LegalRequest.objects.select_for_update().get(pk=request.pk)
            if document is not None:
                stored = document_add(request=request, actor=actor, doc=document, ip=ip)
            if (body or "").strip():
                message_post(request=request, author=actor, body=body, ip=ip)
            request_transition(request=request, to=Status.IN_REVIEW, actor=actor, reason="The agency answered", ip=ip)
    except BaseException:
        if stored is not None and stored.file:
            stored.file.delete(save=False)
        raise
    return request


def idempotency_purge(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Forget idempotency keys older than `older_than` (clients retry within minutes, not days)."""
    from requests_app.intake.models import IdempotencyRecord

    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


# ---------------------------------------------------------------------------------
# PDFs kept while the officer corrects a refused request form
# ---------------------------------------------------------------------------------


def pending_upload_keep(*, user: User, doc: DocumentInput) -> PendingUpload:
    """Keep one checked PDF for an hour. The same file attached again by the same
    officer reuses (and renews) the row instead of storing a second copy."""
    now = timezone.now()
    expires_at = now + PENDING_UPLOAD_TTL
    existing = PendingUpload.objects.usable_by(user).filter(sha256=doc.sha256, kind=doc.kind).first()
    if existing is not None:
        existing.expires_at = expires_at
        existing.filename = doc.filename[:255] or existing.filename
        existing.save(update_fields=["expires_at", "filename"])
        return existing
    upload = PendingUpload(
        user=user,
        kind=doc.kind,
        filename=doc.filename[:255] or "document.pdf",
        size=len(doc.content),
        sha256=doc.sha256,
        created_at=now,
        expires_at=expires_at,
    )
    try:
        with transaction.atomic():
            upload.save()
            store_encrypted(upload, doc.content, name="pending.bin")
            officer = getattr(user, "officer", None)
            event_record(
                event_type=EventType.DOCUMENT_ADDED,
                actor=user,
                agency=getattr(officer, "agency", None),
                message="PDF kept from a request form that came back with errors",
                payload={"pending_upload": upload.pk, "sha256": upload.sha256, "kind": upload.kind},
            )
    except BaseException:
        upload.file.delete(save=False)
        raise
    return upload


def pending_uploads_delete(uploads: Iterable[PendingUpload]) -> int:
    """Delete the rows; their files go once the deletion is committed (apps.py, on every delete)."""
    rows = list(uploads)
    PendingUpload.objects.filter(pk__in=[u.pk for u in rows]).delete()
    return len(rows)


def pending_uploads_purge() -> int:
    """Delete expired uploads and their files (idempotent); the purge is audited when it deletes any."""
    with transaction.atomic():
        expired = list(PendingUpload.objects.expired().select_for_update())
        if not expired:
            return 0
        count = pending_uploads_delete(expired)
        event_record(
            event_type=EventType.PURGED,
            message=f"{count} expired kept PDF(s) deleted",
            payload={"pending_uploads": [u.pk for u in expired]},
        )
    return count
