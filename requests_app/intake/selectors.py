"""Reads of the intake app (no writes, no audit)."""

from __future__ import annotations

from requests_app.models import Agency


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
