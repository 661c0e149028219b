"""Reads of the production app (no writes, no audit): what may be produced, and everything the
production panels show (the pages' views pass it to the templates, which run no query)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from requests_app import rules
from requests_app.lifecycle import Status
from requests_app.models import Decision, LegalRequest, Target
from requests_app.permissions import (
    is_agency_officer,
    is_custodian,
    is_staff_member,
    is_supervisor,
    session_mfa_verified,
)
from requests_app.production.models import PreservationHold, Production, ProductionDownload, UserNotice

PRODUCIBLE_STATES = (Status.APPROVED, Status.PARTIALLY_APPROVED)
STALL_MINUTES = 30  # a build still running after this long probably lost its worker


def producible_categories(request: LegalRequest) -> list[str]:
    """Categories approved, in effect (four eyes done), asked for, and not end-to-end encrypted."""
    decisions = Decision.objects.filter(request=request, verdict=Decision.Verdict.APPROVED)
    approved = {d.category for d in decisions if d.in_effect}
    return [
        c
        for c in rules.PRODUCIBLE_CATEGORIES
        if c in approved and c in request.data_categories and not rules.CATEGORIES[c].e2ee
    ]


def _panel_common(lr: LegalRequest) -> dict[str, Any]:
    productions = list(
        Production.objects.filter(request=lr)
        .select_related("certificate_signed_by__officer")
        .annotate(download_count=Count("downloads"))
        .order_by("-created_at", "-pk")
    )
    holds = list(
        PreservationHold.objects.filter(Q(request=lr) | Q(followups=lr))
        .select_related("request", "target", "extension_request")
        .distinct()
        .order_by("until", "pk")
    )
    notices = list(UserNotice.objects.filter(request=lr).select_related("target").order_by("pk"))
    return {
        "lr": lr,
        "productions": productions,
        "current": next(
            (
                p
                for p in productions
                if p.status in (Production.Status.BUILDING, Production.Status.UNSIGNED, Production.Status.READY)
            ),
            None,
        ),
        "holds": holds,
        "notices": notices,
        "e2ee_explanation": rules.translate(rules.E2EE_EXPLANATION),
    }


def staff_panel(request: HttpRequest, lr: LegalRequest) -> dict[str, Any]:
    """What the legal team's production panel (production/staff_panel.html) shows of `lr`, and may do."""
    user = request.user
    data = _panel_common(lr)
    staff = is_staff_member(user)
    categories = producible_categories(lr) if staff else []
    downloads: list[ProductionDownload] = []
    if data["productions"]:
        downloads = list(
            ProductionDownload.objects.filter(production__request=lr)
            .select_related("user__officer")
            .order_by("at")[:50]
        )
    data.update(
        request=request,
        staff=staff,
        supervisor=is_supervisor(user),
        custodian=is_custodian(user),
        can_start=staff and lr.status in PRODUCIBLE_STATES and not lr.is_preservation,
        can_requeue=staff and lr.status == Status.PRODUCING,
        stalled=bool(
            data["current"]
            and data["current"].status == Production.Status.BUILDING
            and data["current"].created_at < timezone.now() - timedelta(minutes=STALL_MINUTES)
        ),
        stall_minutes=STALL_MINUTES,
        categories=[rules.CATEGORIES[c] for c in categories],
        targets=list(Target.objects.filter(request=lr).order_by("pk")),
        downloads=downloads,
        can_lift=is_supervisor(user) and lr.has_ndo and lr.ndo_lifted_at is None,
        here=request.get_full_path(),
    )
    return data


def officer_panel(request: HttpRequest, lr: LegalRequest) -> dict[str, Any]:
    """What the requesting agency's production panel (production/officer_panel.html) shows of `lr`."""
    from requests_app.production.forms import NdoForm

    user = request.user
    data = _panel_common(lr)
    officer = getattr(user, "officer", None)
    own = is_agency_officer(user) and officer is not None and officer.agency_id == lr.agency_id
    data.update(
        request=request,
        officer=own,
        mfa=bool(own and session_mfa_verified(request)),
        here=request.get_full_path(),
    )
    if own:
        data["ndo_form"] = NdoForm()
    return data
