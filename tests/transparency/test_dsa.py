"""The EU DSA export (Reg. 2024/2835 Annex I, "member states orders"): categories and sub-categories per
order, Art. 10(2) national-law orders, time to inform = acknowledgement actually sent, time to give
effect = final outcome, calendar-year periods (half-years too for a very large online platform)."""

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
def orders():
    fr, gr = AgencyFactory(country="FR"), AgencyFactory(country="GR")
    for hours, value in ((2, "SCAMS_AND_FRAUD/PHISHING"), (6, "SCAMS_AND_FRAUD")):
        make_request(
            agency=fr,
            country="FR",
            request_type="dsa_art10",
            produced=["subscriber_info"],
            dsa_category=value,
            acknowledged_at=H1_2025 + timedelta(hours=hours),
        )
    # A national-law production order the reviewer flagged as meeting Art. 10(2): counted as an order.
    make_request(
        agency=gr,
        country="GR",
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


def cells(snapshot):
    return {(c["scope"], c["category"], c["keyword"]): c for c in snapshot["dsa"]["cells"]}


@pytest.mark.usefixtures("orders")
def test_orders_at_every_level_of_the_template():
    snap = aggregation.build_snapshot(periods.parse("2025"))
    c = cells(snap)
    assert snap["dsa"]["orders"] == 3 and snap["dsa"]["member_states"] == ["FR", "GR"]
    # Time to inform: receipt -> the acknowledgement actually sent (2 h and 6 h: median 4 h).
    assert (c[("FR", "SCAMS_AND_FRAUD", "")]["orders"], c[("FR", "SCAMS_AND_FRAUD", "")]["median_hours_to_inform"]) == (
        2,
        4.0,
    )
    # Sub-categories: the recorded one, and KEYWORD_OTHER for the order whose sub-category was not recorded.
    assert c[("TOTAL", "SCAMS_AND_FRAUD", "PHISHING")]["orders"] == 1
    assert c[("TOTAL", "SCAMS_AND_FRAUD", "OTHER")]["median_hours_to_inform"] == 6.0
    # Time to give effect: receipt -> final outcome (closed 10 days later in the helper), whatever it was.
    assert c[("GR", "VIOLENCE", "")]["median_hours_to_give_effect"] == 240.0
    # Each level is its own median (not an average of the cells): overall inform of 1, 2, 6 h is 2 h.
    assert c[("TOTAL", "", "")] == {
        "scope": "TOTAL",
        "category": "",
        "keyword": "",
        "orders": 3,
        "median_hours_to_inform": 2.0,
        "median_hours_to_give_effect": 240.0,
    }


@pytest.mark.usefixtures("orders")
def test_csv_is_the_template_columns_rows_and_codes():
    snap = dict(aggregation.build_snapshot(periods.parse("2025")), version=1)
    rows = list(csv.reader(io.StringIO(dsa.dsa_csv(snap))))
    head, body = rows[0], rows[1:]
    # The Commission's CSV headings, verbatim and in order (github:johnou/dsa-transparency-report-generator,
    # 4_EN_Annex_I__Templates_for_Transparency_Reports_CSV_Part_3_member_states_orders.csv).
    assert len(head) == 20 and head[0] == "Applicability" and head[5] == "Scope"
    assert head[7] == (
        "Number of specific items of information included in the total number of orders to act against illegal content"
    )
    assert head[10] == "Number of orders to provide information"
    assert head[19] == "Contextual information on Median time to give effect to the order to provide information"
    col = {name: i for i, name in enumerate(head)}
    block = len(dsa.template_rows())
    # Scope TOTAL first, then each Member State that sent an order, Greece as Eurostat's EL.
    assert [body[i * block][col["Scope"]] for i in range(3)] == ["TOTAL", "FR", "EL"] and len(body) == 3 * block
    first = body[0]
    assert first[:4] == ["All", "Example Messenger", "2025-01-01/2025-12-31", "TOTAL"]
    assert first[col["Number of orders to provide information"]] == "3"
    # Orders to act (Art. 9) do not come through the portal: blank, not 0; zero orders that could exist: 0.
    assert first[col["Number of orders to act against illegal content received"]] == ""
    codes = [r[col["Category of illegal content"]] for r in body[:block]]
    assert codes[:5] == [
        "TOTAL",
        "STATEMENT_CATEGORY_ANIMAL_WELFARE",
        "KEYWORD_ANIMAL_HARM",
        "KEYWORD_UNLAWFUL_SALE_ANIMALS",
        "KEYWORD_OTHER",
    ]
    assert codes[-1] == "STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER"
    fr_animal = body[block + 1]
    assert fr_animal[col["Category of illegal content"]] == "STATEMENT_CATEGORY_ANIMAL_WELFARE"
    assert fr_animal[col["Number of orders to provide information"]] == "0"
    other = next(
        r for r in body[:block] if r[col["Number of orders to provide information"]] == "1" and "OTHER" in r[3]
    )
    assert other[col['Description of the sub-category "Other"']]  # every KEYWORD_OTHER row is described


@pytest.mark.usefixtures("orders")
def test_dsa_periods_calendar_year_and_half_year_only_for_a_vlop(settings):
    assert aggregation.build_snapshot(periods.parse("2025-H1"))["dsa"] is None
    assert aggregation.build_snapshot(periods.parse("2025-Q1"))["dsa"] is None
    assert "2025 report" in aggregation.build_snapshot(periods.parse("2025-H1"))["dsa_note"]
    settings.TRANSPARENCY_DSA_VLOP = True
    assert aggregation.build_snapshot(periods.parse("2025-H1"))["dsa"]["orders"] == 3
    assert aggregation.build_snapshot(periods.parse("2025-Q1"))["dsa"] is None


def test_schema_2_snapshot_still_exports():
    ms = lambda code, n: {  # noqa: E731
        "member_state": code,
        "orders": n,
        "median_hours_to_inform": 3.0 if n else None,
        "median_hours_to_give_effect": 50.0 if n else None,
    }
    old = {
        "schema_version": 2,
        "period": {"code": "2025-H1", "start": "2025-01-01", "end": "2025-06-30"},
        "dsa": {
            "orders": 2,
            "categories": [
                {
                    "category": "SCOPE_OF_PLATFORM_SERVICE",
                    "label": "Scope of platform service",
                    "member_states": [ms(c, 2 if c == "DE" else 0) for c in aggregation.EU_MEMBER_STATES],
                    "total": {"orders": 2, "median_hours_to_inform": 3.0, "median_hours_to_give_effect": 50.0},
                }
            ],
        },
    }
    rows = list(csv.reader(io.StringIO(dsa.dsa_csv(old))))
    col = {name: i for i, name in enumerate(rows[0])}
    de = [r for r in rows[1:] if r[col["Scope"]] == "DE"]
    assert de[0][col["Number of orders to provide information"]] == "2"
    assert de[-1][col["Category of illegal content"]] == "STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER"
    assert de[-1][col["Number of orders to provide information"]] == "2"
    assert (
        "Scope of platform service" in rows[1][col["Contextual information on Number of orders to provide information"]]
    )


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
    col = {name: i for i, name in enumerate(rows[0])}
    assert tuple(rows[0]) == dsa.COLUMNS and len(rows) == 1 + 2 * len(dsa.template_rows())
    de_total = next(r for r in rows if r[col["Scope"]] == "DE" and r[col["Category of illegal content"]] == "TOTAL")
    assert de_total[col["Number of orders to provide information"]] == "1"
    assert de_total[col["Median time to give effect to the order to provide information"]] == "5.0"
