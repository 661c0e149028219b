"""One function per e-mail the legal workspace sends; templates in templates/emails/review-*."""

from __future__ import annotations

import logging

from django.conf import settings

from requests_app.emails import officer_language, send_templated
from requests_app.models import LegalRequest, Officer
from requests_app.review.models import Letter

logger = logging.getLogger(__name__)


def _send(name: str, to: list[str], context: dict, *, language: str = "") -> None:
    send_templated(name, to, context, language=language)


def letter_sent_mail(letter_id: int) -> None:
    """To the submitting officer: a letter is waiting in the portal (the PDF is not attached)."""
    letter = Letter.objects.select_related("request").get(pk=letter_id)
    _send(
        "review-letter",
        [letter.sent_to],
        {"letter": letter, "lr": letter.request},
        language=officer_language(letter.request.submitted_by),
    )


def reminder_mail(request_id: int) -> None:
    """To the assignee (or the team mailbox if nobody holds it): the request falls due soon."""
    lr = LegalRequest.objects.select_related("assignee").get(pk=request_id)
    to = [lr.assignee.email] if lr.assignee and lr.assignee.email else [settings.LEGAL_TEAM_EMAIL]
    _send("review-reminder", to, {"lr": lr})


def supervisor_emails() -> list[str]:
    return sorted(
        Officer.objects.filter(role__in=[Officer.Role.SUPERVISOR, Officer.Role.ADMIN], status=Officer.Status.ACTIVE)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def escalation_mail(request_id: int) -> None:
    """To every active supervisor: the request is overdue."""
    lr = LegalRequest.objects.select_related("assignee", "agency").get(pk=request_id)
    _send("review-escalation", supervisor_emails() or [settings.LEGAL_TEAM_EMAIL], {"lr": lr})
