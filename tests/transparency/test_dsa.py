"""The EU DSA export (Reg. 2024/2835 Annex I, "member states orders"): categories per order, Art. 10(2)
national-law orders, time to inform = acknowledgement actually sent, time to give effect = final outcome."""

import csv
import io
from datetime import timedelta

import pytest

from tests.factories import AgencyFactory
from tests.transparency.helpers import H1_2025, make_request
from transparency import aggregation, dsa, periods
from transparency.facts import facts_backfill

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshot():
    fr = AgencyFactory(country="FR")
    for hours in (2, 6):
        make_request(
            agency=fr,
            country="FR",
            request_type="dsa_art10",
            produced=["subscriber_info"],
            dsa_category="SCAMS_AND_FRAUD",
            acknowledged_at=H1_2025 + timedelta(hours=hours),
        )
    # A national-law production order the reviewer flagged as meeting Art. 10(2): counted as an order.
    make_request(
        agency=fr,
        country="FR",
        request_type="court_order_other",
        outcome="no_data",
        dsa_art10_2=True,
        dsa_category="VIOLENCE",
        acknowledged_at=H1_2025 + timedelta(hours=1),
    )
    # Not flagged: not an Art. 10 order.
    make_request(agency=fr, country="FR", request_type="court_order_other", produced=["ip_logs"])
    # Not an EU Member State: never in the DSA export.
    make_request(country="US", request_type="dsa_art10", dsa_category="VIOLENCE")
    facts_backfill()
    return aggregation.build_snapshot(periods.parse("2025-H1"))


def test_orders_per_category_and_member_state(snapshot):
    blocks = {b["category"]: b for b in snapshot["dsa"]["categories"]}
    assert list(blocks) == ["SCAMS_AND_FRAUD", "VIOLENCE"]  # taxonomy order
    fr = next(r for r in blocks["SCAMS_AND_FRAUD"]["member_states"] if r["member_state"] == "FR")
    # Time to inform: receipt -> the acknowledgement actually sent (2 h and 6 h: median 4 h).
    assert (fr["orders"], fr["median_hours_to_inform"]) == (2, 4.0)
    # Time to give effect: receipt -> final outcome (closed 10 days later in the helper), whatever it was.
    assert fr["median_hours_to_give_effect"] == 240.0
    violence = blocks["VIOLENCE"]
    assert violence["total"] == {"orders": 1, "median_hours_to_inform": 1.0, "median_hours_to_give_effect": 240.0}
    assert snapshot["dsa"]["orders"] == 3


def test_csv_has_template_columns_in_order_and_a_total_row_per_category(snapshot):
    rows = list(csv.reader(io.StringIO(dsa.dsa_csv(dict(snapshot, version=1)))))
    assert tuple(rows[0]) == dsa.COLUMNS
    scope = rows[0].index("Scope")
    category = rows[0].index("Category of illegal content")
    assert [r[scope] for r in rows[1:29]] == [*aggregation.EU_MEMBER_STATES, "Total"]
    assert {r[category] for r in rows[1:29]} == {"Scams and/or fraud"}
    assert rows[29 + 27][scope] == "Total" and rows[29 + 27][category] == "Violence"
    assert len(rows) == 1 + 2 * 28


def test_quarterly_report_has_no_dsa_block(snapshot):
    assert aggregation.build_snapshot(periods.parse("2025-Q1"))["dsa"] is None


def test_schema_1_snapshot_still_exports():
    old = {
        "schema_version": 1,
        "period": {"code": "2024-H2", "start": "2024-07-01", "end": "2024-12-31"},
        "dsa_art10": [
            {
                "member_state": ms,
                "orders": 1 if ms == "DE" else 0,
                "median_hours_to_acknowledge": None,
                "median_hours_to_give_effect": 5.0 if ms == "DE" else None,
            }
            for ms in aggregation.EU_MEMBER_STATES
        ],
    }
    rows = list(csv.reader(io.StringIO(dsa.dsa_csv(old))))
    assert tuple(rows[0]) == dsa.COLUMNS and len(rows) == 1 + 28
    assert rows[-1][rows[0].index("Number of orders to provide information received")] == "1"
