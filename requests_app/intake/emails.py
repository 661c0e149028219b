"""One function per e-mail of the law-enforcement face.

Templates live in templates/emails/intake-<name>-subject.txt, -body.txt and
-body.html. E-mails say what happened and link to the portal; they never carry
message text, targets or other case content.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from requests_app import audit
from requests_app.emails import officer_language, send_templated
from requests_app.models import EventType, LegalRequest, Message, Officer


def _send(name: str, to: list[str], context: dict[str, object], *, language: str = "") -> None:
    send_templated(f"intake-{name}", to, context, language=language)


def acknowledgement_mail(*, request_id: int) -> None:
    """To the submitting officer: we received the request, here is its reference."""
    # The officer too (officer_language reads it): one query for the request, its officer and their language.
    lr = LegalRequest.objects.select_related("submitted_by__officer").filter(pk=request_id).first()
    if lr is None or lr.submitted_by is None or lr.acknowledged_at is not None:
        return  # idempotent: a second delivery of the follow-up sends nothing
    submitted = lr.events.filter(event_type=EventType.SUBMITTED).order_by("id").first()
    receipt = audit.receipt_for(submitted) if submitted else None
    _send(
        "acknowledgement",
        [lr.submitted_by.email],
        {"lr": lr, "receipt": receipt},
        language=officer_language(lr.submitted_by),
    )
    # The DSA's "time to inform the authority of receipt" runs to this moment (first send only).
    now = timezone.now()
    LegalRequest.objects.filter(pk=lr.pk, acknowledged_at__isnull=True).update(acknowledged_at=now, updated_at=now)


def message_notice_mail(*, message_id: int) -> None:
    """To the other side of a request's thread: a new message is waiting."""
    message = Message.objects.select_related("request", "request__assignee", "request__submitted_by").get(pk=message_id)
    lr = message.request
    if message.from_agency:
        to = [lr.assignee.email if lr.assignee else settings.LEGAL_TEAM_EMAIL]
        link = f"/legal/requests/{lr.reference}/"
    else:
        to = [lr.submitted_by.email] if lr.submitted_by else []
        link = f"/le/requests/{lr.reference}/"
    language = "" if message.from_agency else officer_language(lr.submitted_by)
    _send("message", to, {"lr": lr, "from_agency": message.from_agency, "link": link}, language=language)


def quarantine_notice_mail(*, document_id: int) -> None:
    """To whoever uploaded the document (else the submitting officer): it contains malware and was
    quarantined; upload a clean copy. Names the request only, not the file (no case content in e-mail)."""
    from requests_app.models import Document

    document = (
        Document.objects.select_related("request", "request__submitted_by", "uploaded_by")
        .filter(pk=document_id)
        .first()
    )
    if document is None or document.scan_status != Document.Scan.INFECTED:
        return
    recipient = document.uploaded_by or document.request.submitted_by
    if recipient is not None and recipient.email:
        _send("quarantined", [recipient.email], {"lr": document.request})


def registration_pending_mail(*, officer_id: int) -> None:
    """To the legal team: an officer (and maybe an agency) waits for verification."""
    officer = Officer.objects.select_related("agency").get(pk=officer_id)
    _send("registration", [settings.LEGAL_TEAM_EMAIL], {"officer": officer})


def account_activated_mail(*, officer_id: int) -> None:
    """To the officer: the legal team verified the account, you can sign in."""
    officer = Officer.objects.select_related("user", "agency").get(pk=officer_id)
    _send("activated", [officer.user.email], {"officer": officer}, language=officer.language)


def token_created_mail(*, token_id: int) -> None:
    """To the officer: a security notice that an API token was created on the account."""
    from requests_app.intake.models import ApiToken

    token = ApiToken.objects.select_related("user").get(pk=token_id)
    _send("token-created", [token.user.email], {"token": token}, language=officer_language(token.user))
