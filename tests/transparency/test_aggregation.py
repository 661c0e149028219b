"""The report's numbers on hand-built cases: every measure and its edges."""

from datetime import UTC, date, datetime

import pytest

from requests_app.lifecycle import Status
from requests_app.models import LegalRequest
from tests.factories import AgencyFactory
from tests.transparency.helpers import H1_2025, make_request
from transparency import aggregation, periods
from transparency.facts import facts_backfill

pytestmark = pytest.mark.django_db
O = LegalRequest.Outcome  # noqa: E741


@pytest.fixture
def snapshot():
    us = AgencyFactory(country="US", name="FBI Field Office")
    de = AgencyFactory(country="DE", name="BKA")
    make_request(
        agency=us,
        produced=["cloud_chat_content", "subscriber_info"],
        found=2,
        notified=1,
        decided_days=2,
        produced_days=4,
    )
    make_request(
        agency=us,
        request_type="subpoena",
        produced=["subscriber_info"],
        found=1,
        not_found=1,
        decided_days=4,
        produced_days=6,
        ndo_until=date(2026, 1, 1),
    )
    make_request(agency=us, request_type="subpoena", outcome=O.NO_DATA, found=0, not_found=2, decided_days=1)
    make_request(agency=us, status=Status.REJECTED, outcome=O.REJECTED, rejection_reason="overbroad", decided_days=3)
    make_request(agency=us, status=Status.WITHDRAWN, outcome=O.WITHDRAWN)
    make_request(
        agency=us,
        request_type="emergency",
        emergency=True,
        produced=["subscriber_info"],
        decided_days=0,
        produced_days=1,
    )
    make_request(agency=us, request_type="preservation", outcome=O.PRESERVED, found=3)
    for _ in range(3):
        make_request(agency=us, request_type="nsl", produced=["subscriber_info"], found=2)
    # Received on the last evening of H1, closed in H2: counts in H1.
    make_request(agency=us, received=datetime(2025, 6, 30, 23, 0, tzinfo=UTC), produced=["media"], found=1)
    # Received in H2: not in this report.
    make_request(agency=us, received=datetime(2025, 7, 1, 0, 0, tzinfo=UTC), produced=["media"])
    make_request(agency=us, status=Status.IN_REVIEW)  # still open
    make_request(agency=de, request_type="court_order_other", country="DE", produced=["ip_logs"], found=1)
    make_request(
        agency=de, request_type="dsa_art10", country="DE", produced=["subscriber_info"], found=1, produced_days=2
    )
    facts_backfill()
    return aggregation.build_snapshot(periods.parse("2025-H1"))


def test_totals_cover_every_measure(snapshot):
    t = snapshot["totals"]
    # 11 in H1 minus 1 preservation minus 3 NSL (banded) = ... US 8 + DE 2 = 10 counted.
    assert t["requests"] == 10
    assert t["accounts"] == 2 + 2 + 2 + 1 + 1 + 1 + 1 + 1 + 1 + 1
    assert t["with_data"] == 6
    # Over the 9 with an outcome; the one still in review is beside it, not in the denominator.
    assert (t["requests_with_outcome"], t["open_requests"], t["pct_with_data"]) == (9, 1, 67)
    assert t["accounts_with_data"] == 2 + 1 + 1 + 1 + 1 + 1
    assert t["content"] == 2  # warrant with chat content, the June-30 media request
    assert t["non_content"] == 4
    assert t["no_data"] == 1  # every target not found
    assert t["rejected"] == 1
    assert t["withdrawn"] == 1
    assert t["pending"] == 1
    assert (
        t["content"] + t["non_content"] + t["no_data"] + t["rejected"] + t["withdrawn"] + t["invalid"] + t["pending"]
        == t["requests"]
    )
    assert t["emergency"] == 1
    assert t["ndo"] == 1
    assert t["users_notified"] == 1
    # received -> decided: 0, 1, 2, 3, 4 days -> median 2; received -> produced: 1, 2, 4, 6 -> 3.
    assert t["median_days_to_respond"] == 2.0
    assert t["median_days_to_produce"] == 3.0


def test_preservation_and_emergency_reported_apart(snapshot):
    assert snapshot["preservation"] == {"requests": 1, "accounts": 3}
    us = next(c for c in snapshot["countries"] if c["country"] == "US")
    assert us["preservation_requests"] == 1 and us["preservation_accounts"] == 3
    assert us["requests"] == 8
    pres_row = next(r for r in snapshot["rows"] if r["request_type"] == "preservation")
    assert pres_row["pct_with_data"] is None
    assert snapshot["emergency"] == {
        "requests": 1,
        "accounts": 1,
        "with_data": 1,
        "open_requests": 0,
        "pct_with_data": 100,
    }


def test_rejections_by_reason(snapshot):
    assert snapshot["rejected_by_reason"] == [{"reason": "overbroad", "label": "Overbroad", "requests": 1}]


def test_national_security_only_in_bands(snapshot):
    ns = {n["request_type"]: n for n in snapshot["national_security"]}
    assert ns["nsl"]["requests"] == "0-499" and ns["nsl"]["accounts"] == "0-499"
    assert not any(r["request_type"] == "nsl" for r in snapshot["rows"])
    assert not any(r["request_type"] == "nsl" for r in snapshot["request_types"])


def test_country_and_type_breakdown(snapshot):
    de = next(c for c in snapshot["countries"] if c["country"] == "DE")
    assert (de["requests"], de["with_data"], de["pct_with_data"], de["name"]) == (2, 2, 100, "Germany")
    row = next(r for r in snapshot["rows"] if (r["country"], r["request_type"]) == ("US", "subpoena"))
    assert (row["requests"], row["accounts"], row["with_data"], row["pct_with_data"]) == (2, 4, 1, 50)
    types = {t["request_type"]: t for t in snapshot["request_types"]}
    assert types["search_warrant"]["requests"] == 5  # incl. rejected, withdrawn, open, June-30


def test_dsa_orders_per_member_state(snapshot):
    # A half-year report of a platform that is not a VLOP carries no DSA block (calendar year only).
    assert snapshot["dsa"] is None and "calendar year" in snapshot["dsa_note"]
    cells = {
        (c["scope"], c["category"], c["keyword"]): c
        for c in aggregation.build_snapshot(periods.parse("2025"))["dsa"]["cells"]
    }
    # The order is not categorised: counted under "not specified by the authority" (Annex II Category 16).
    de = cells[("DE", "NOT_SPECIFIED_ORDER", "")]
    assert de["orders"] == 1
    # Receipt -> final outcome (closed on day 10), not receipt -> delivery (day 2).
    assert de["median_hours_to_give_effect"] == 240.0
    assert de["median_hours_to_inform"] is None  # no acknowledgement was sent
    assert ("FR", "", "") not in cells  # no order from France: no cell (the export writes the zeros)
    assert cells[("TOTAL", "", "")]["orders"] == 1


@pytest.mark.usefixtures("snapshot")
def test_quarter_excludes_other_quarter():
    q1 = aggregation.build_snapshot(periods.parse("2025-Q1"))
    assert q1["totals"]["requests"] == 9  # everything on 1 March; the June-30 request is in Q2
    q2 = aggregation.build_snapshot(periods.parse("2025-Q2"))
    assert q2["totals"]["requests"] == 1


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "0-499"), (1, "0-499"), (499, "0-499"), (500, "500-999"), (1234, "1000-1499")]
)
def test_bands(n, expected):
    assert aggregation.band(n) == expected


@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(1, 8, 13), (1, 3, 33), (2, 3, 67), (1, 200, 1), (1, 201, 0), (0, 0, None)]
)
def test_percent_rounds_half_up(part, whole, expected):
    assert aggregation.percent(part, whole) == expected


def test_periods():
    h = periods.parse("2025-h2")
    assert (h.code, h.first_day, h.last_day) == ("2025-H2", date(2025, 7, 1), date(2025, 12, 31))
    q = periods.parse("2025-Q3")
    assert (q.first_day, q.end_day) == (date(2025, 7, 1), date(2025, 10, 1))
    assert periods.parse("2025-Q4").end_day == date(2026, 1, 1)
    y = periods.parse("2025")
    assert (y.code, y.first_day, y.last_day, y.kind) == ("2025", date(2025, 1, 1), date(2025, 12, 31), "Y")
    for bad in ("2025-H3", "2025-Q5", "2025-Y", "H1-2025"):
        with pytest.raises(periods.PeriodError):
            periods.parse(bad)


def test_received_at_is_what_counts():
    make_request(received=H1_2025)
    facts_backfill()
    assert aggregation.build_snapshot(periods.parse("2025-H2"))["totals"]["requests"] == 0
