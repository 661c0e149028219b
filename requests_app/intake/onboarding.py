"""Onboarding pages of an officer whose account cannot be used yet (issue 16).

/accounts/pending/: anyone. An officer who signs in (or confirms their e-mail address, which signs them in)
while their account or agency waits for verification is signed out by requests_app.middleware and sent here;
the session keeps only the officer's id, so the page can say whose account waits and for what. Without it
the page explains the process in general.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from requests_app.models import Agency, Officer

SESSION_KEY = "onboarding_officer"


def remember(request: HttpRequest, officer: Officer) -> None:
    """After the sign-out: which officer the status page is about (their id only)."""
    request.session[SESSION_KEY] = officer.pk


@require_GET
def pending(request: HttpRequest) -> HttpResponse:
    """Anyone: what happens to a registration that waits for verification. Shows only the officer whose
    sign-in brought this browser here (their own name, e-mail and agency), nobody else's."""
    # allauth's "You have confirmed …" / "Successfully signed in …" would contradict or repeat this page.
    list(messages.get_messages(request))
    officer = None
    officer_id = request.session.get(SESSION_KEY)
    if officer_id:
        officer = Officer.objects.select_related("agency", "user").filter(pk=officer_id).first()
    state = "unknown"
    if officer is not None:
        agency = officer.agency
        if officer.status == Officer.Status.SUSPENDED:
            state = "officer_suspended"
        elif agency is not None and agency.verification_status == Agency.Verification.SUSPENDED:
            state = "agency_suspended"
        elif agency is not None and agency.verification_status == Agency.Verification.PENDING:
            state = "agency_pending"
        elif officer.status == Officer.Status.PENDING:
            state = "officer_pending"
        elif officer.can_act:
            state = "active"
    return render(
        request,
        "account/pending.html",
        {
            "officer": officer,
            "state": state,
            "legal_team_email": settings.LEGAL_TEAM_EMAIL,
            "verification_days": settings.AGENCY_VERIFICATION_DAYS,
        },
    )
