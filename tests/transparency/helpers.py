"""Small builders shared by the transparency tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from requests_app.lifecycle import Status
from requests_app.models import LegalRequest, Target
from tests.factories import AgencyFactory, LegalRequestFactory, TargetFactory

H1_2025 = datetime(2025, 3, 1, 12, tzinfo=UTC)


def make_request(
    *,
    agency=None,
    country="US",
    request_type="search_warrant",
    status=Status.CLOSED,
    outcome="",
    produced=(),
    found=1,
    not_found=0,
    notified=0,
    received=H1_2025,
    decided_days=None,
    produced_days=None,
    **extra,
) -> LegalRequest:
    agency = agency or AgencyFactory(country=country)
    req = LegalRequestFactory(
        agency=agency,
        country=country,
        request_type=request_type,
        status=status,
        outcome=outcome or (LegalRequest.Outcome.DATA_PRODUCED if produced else ""),
        produced_categories=list(produced),
        received_at=received,
        decided_at=received + timedelta(days=decided_days) if decided_days is not None else None,
        produced_at=received + timedelta(days=produced_days) if produced_days is not None else None,
        closed_at=received + timedelta(days=10) if status in {"closed", "rejected", "withdrawn", "invalid"} else None,
        **extra,
    )
    for i in range(found):
        TargetFactory(request=req, lookup=Target.Lookup.FOUND, notified_at=received if i < notified else None)
    for _ in range(not_found):
        TargetFactory(request=req, lookup=Target.Lookup.NOT_FOUND)
    return req
