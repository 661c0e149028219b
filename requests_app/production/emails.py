"""E-mails of the production app, one function each (templates/emails/production-*)."""

from __future__ import annotations

from django.conf import settings

from requests_app.emails import send_templated


def _send(name: str, to: list[str], context: dict) -> None:
    send_templated(name, to, context)


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
    )


def hold_reminder(*, hold_id: int) -> None:
    """Remind the agency (and the legal team) that a preservation hold ends soon."""
    from requests_app.production.models import PreservationHold

    hold = PreservationHold.objects.select_related("request__submitted_by").get(pk=hold_id)
    lr = hold.request
    to = [settings.LEGAL_TEAM_EMAIL] + ([lr.submitted_by.email] if lr.submitted_by else [])
    _send("production-hold-reminder", to, {"lr": lr, "hold": hold, "site": getattr(settings, "SITE_URL", "")})
