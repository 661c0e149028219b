"""Inclusion tags: the production panels do their own queries, so host pages only pass `lr`."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from requests_app import rules
from requests_app.lifecycle import Status
from requests_app.models import Target
from requests_app.permissions import (
    is_agency_officer,
    is_custodian,
    is_staff_member,
    is_supervisor,
    session_mfa_verified,
)
from requests_app.production.models import PreservationHold, Production, UserNotice
from requests_app.production.services import PRODUCIBLE_STATES, producible_categories

register = template.Library()

STALL_MINUTES = 30  # a build still running after this long probably lost its worker


def _common(lr) -> dict:
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


@register.inclusion_tag("production/_staff_panel_body.html", takes_context=True)
def production_staff_panel(context, lr):
    request = context.get("request")
    user = getattr(request, "user", None)
    data = _common(lr)
    staff = is_staff_member(user)
    categories = producible_categories(lr) if staff else []
    downloads = []
    if data["productions"]:
        from requests_app.production.models import ProductionDownload

        downloads = list(
            ProductionDownload.objects.filter(production__request=lr)
            .select_related("user__officer")
            .order_by("at")[:50]
        )
    data.update(
        request=request,
        csrf_token=context.get("csrf_token"),
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
        here=request.get_full_path() if request else "",
    )
    return data


@register.inclusion_tag("production/_officer_panel_body.html", takes_context=True)
def production_officer_panel(context, lr):
    request = context.get("request")
    user = getattr(request, "user", None)
    data = _common(lr)
    own = is_agency_officer(user) and user.officer.agency_id == lr.agency_id
    data.update(
        request=request,
        csrf_token=context.get("csrf_token"),
        officer=own,
        mfa=bool(own and request and session_mfa_verified(request)),
        here=request.get_full_path() if request else "",
    )
    if own:
        from requests_app.production.forms import NdoForm

        data["ndo_form"] = NdoForm()
    return data
