"""Reads of the intake app (no writes, no audit)."""

from __future__ import annotations

from django.db.models import QuerySet

from requests_app.models import Agency, EventType, RequestEvent


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def agency_for_email(email: str) -> Agency | None:
    """The agency whose official domains include this address's domain, if any."""
    domain = email_domain(email)
    if not domain:
        return None
    # email_domains is a short JSON list; filtering in Python keeps this portable across SQLite and PostgreSQL.
    for agency in Agency.objects.exclude(email_domains=[]).only(
        "id", "email_domains", "verification_status", "name", "country"
    ):
        if domain in {d.lower() for d in agency.email_domains}:
            return agency
    return None


def agency_history(agency: Agency, *, limit: int = 200) -> QuerySet[RequestEvent]:
    """The agency's verification history (verified, suspended, re-instated), newest first."""
    return (
        RequestEvent.objects.filter(agency=agency, event_type=EventType.AGENCY)
        .select_related("actor__officer")
        .order_by("-id")[:limit]
    )
