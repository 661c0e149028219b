"""E-mails of the production app, one function each (templates/emails/production-*)."""

from __future__ import annotations

from django.conf import settings

from requests_app.emails import officer_language, send_templated


def _send(name: str, to: list[str], context: dict, *, language: str = "") -> None:
    send_templated(name, to, context, language=language)


def production_ready(*, request_id: int) -> None:
    """Tell the submitting officer that records are ready (no data in the e-mail, only the reference)."""
    from requests_app.models import LegalRequest

    lr = LegalRequest.objects.select_related("submitted_by").get(pk=request_id)
    production = lr.productions.filter(status="ready").first()
    if production is None or lr.submitted_by is None:
        return
    _send(
        "production-ready",
        [lr.submitted_by.email],
        {"lr": lr, "production": production, "site": getattr(settings, "SITE_URL", "")},
        language=officer_language(lr.submitted_by),
    )


def hold_reminder(*, hold_id: int) -> None:
    """Remind the agency (and the legal team) that a preservation hold ends soon."""
    from requests_app.production.models import PreservationHold

    hold = PreservationHold.objects.select_related("request__submitted_by").get(pk=hold_id)
    lr = hold.request
    context = {"lr": lr, "hold": hold, "site": getattr(settings, "SITE_URL", "")}
    # The legal team reads English; the officer their own language (two e-mails when they differ).
    language = officer_language(lr.submitted_by)
    if lr.submitted_by is None or language == settings.LANGUAGE_CODE:
        to = [settings.LEGAL_TEAM_EMAIL] + ([lr.submitted_by.email] if lr.submitted_by else [])
        _send("production-hold-reminder", to, context)
    else:
        _send("production-hold-reminder", [settings.LEGAL_TEAM_EMAIL], context)
        _send("production-hold-reminder", [lr.submitted_by.email], context, language=language)
