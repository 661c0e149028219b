"""E-mails of the production app, one function each (templates/emails/production-*)."""

from __future__ import annotations

from django.conf import settings

from requests_app.emails import officer_language, send_templated, site_url


def _send(name: str, to: list[str], context: dict, *, language: str = "") -> None:
    send_templated(name, to, context, language=language)


def production_ready_mail(*, request_id: int) -> None:
    """Tell the submitting officer that records are ready (no data in the e-mail, only the reference)."""
    from requests_app.models import LegalRequest

    lr = LegalRequest.objects.select_related("submitted_by").get(pk=request_id)
    production = lr.productions.filter(status="ready").first()
    if production is None or lr.submitted_by is None:
        return
    _send(
        "production-ready",
        [lr.submitted_by.email],
        {"lr": lr, "production": production, "site": site_url()},
        language=officer_language(lr.submitted_by),
    )


def hold_reminder_mail(*, hold_id: int) -> None:
    """Remind the agency (and the legal team) that a preservation hold ends soon."""
    from requests_app.production.models import PreservationHold

    hold = PreservationHold.objects.select_related("request__submitted_by").get(pk=hold_id)
    lr = hold.request
    context = {"lr": lr, "hold": hold, "site": site_url()}
    # The legal team reads English; the officer their own language (two e-mails when they differ).
    language = officer_language(lr.submitted_by)
    if lr.submitted_by is None or language == settings.LANGUAGE_CODE:
        to = [settings.LEGAL_TEAM_EMAIL] + ([lr.submitted_by.email] if lr.submitted_by else [])
        _send("production-hold-reminder", to, context)
    else:
        _send("production-hold-reminder", [settings.LEGAL_TEAM_EMAIL], context)
        _send("production-hold-reminder", [lr.submitted_by.email], context, language=language)


def certificate_to_sign_mail(*, production_id: int) -> None:
    """Tell the custodians of records that a built package's certificate waits for a signature
    (the reference and the package number only: no user data)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from requests_app.models import STAFF_ROLES, Officer
    from requests_app.production.models import Production

    production = Production.objects.select_related("request").get(pk=production_id)
    if production.status != Production.Status.UNSIGNED:
        return
    perm = Q(user_permissions__codename="sign_certificate", user_permissions__content_type__app_label="production")
    perm |= Q(
        groups__permissions__codename="sign_certificate", groups__permissions__content_type__app_label="production"
    )
    to = sorted(
        set(
            get_user_model()
            .objects.filter(perm, is_active=True, officer__status=Officer.Status.ACTIVE, officer__role__in=STAFF_ROLES)
            .values_list("email", flat=True)
        )
    )
    _send(
        "production-certificate-to-sign",
        to or [settings.LEGAL_TEAM_EMAIL],
        {"lr": production.request, "production": production, "site": site_url()},
    )
