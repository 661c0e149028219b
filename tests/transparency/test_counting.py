"""Issue 14 counting: distinct vs summed accounts at every level, what "with data" means, the rate's
denominator, national-security bands only in half-year reports, importer facts current."""

from datetime import UTC, datetime

import pytest

from requests_app.lifecycle import Status
from requests_app.models import Target
from requests_app.production.models import Production, ProductionFile
from tests.factories import AgencyFactory
from tests.factories import import_csv as write
from tests.factories import import_row as row
from tests.transparency.helpers import make_request
from transparency import aggregation, downloads, periods, services
from transparency.facts import facts_backfill
from transparency.importer import import_file
from transparency.models import RequestFacts, TargetFacts

pytestmark = pytest.mark.django_db
H1 = periods.parse("2025-H1")


def name(req, value, *, account_ref="", lookup=Target.Lookup.FOUND, kind="username"):
    return Target.objects.create(
        request=req,
        identifier_type=kind,
        raw_value=value,
        kind=kind,
        value=value,
        lookup=lookup,
        account_ref=account_ref,
    )


@pytest.fixture
def shared_accounts():
    """alice is named in four requests (two cells, two countries); bob's phone and username are one account."""
    us, de = AgencyFactory(country="US"), AgencyFactory(country="DE")
    for _ in range(2):
        req = make_request(agency=us, produced=["subscriber_info"], found=0)
        name(req, "alice")
    req = make_request(agency=us, request_type="subpoena", produced=["subscriber_info"], found=0)
    name(req, "alice")
    name(req, "+12025550143", kind="phone", account_ref="4711")
    req = make_request(agency=de, request_type="court_order_other", country="DE", outcome="no_data", found=0)
    name(req, "alice")  # named, but this request produced nothing
    name(req, "bob", account_ref="4711")  # bob's username: the same platform account as the phone above
    facts_backfill()
    return aggregation.build_snapshot(H1)


def test_distinct_accounts_differ_from_summed_per_cell_country_and_total(shared_accounts):
    snap = shared_accounts
    t = snap["totals"]
    assert (t["accounts"], t["distinct_accounts"]) == (6, 2)  # alice, account 4711
    assert (t["accounts_with_data"], t["distinct_accounts_with_data"]) == (4, 2)
    cell = next(r for r in snap["rows"] if (r["country"], r["request_type"]) == ("US", "search_warrant"))
    assert (cell["accounts"], cell["distinct_accounts"], cell["distinct_accounts_with_data"]) == (2, 1, 1)
    us = next(c for c in snap["countries"] if c["country"] == "US")
    assert (us["accounts"], us["distinct_accounts"], us["distinct_accounts_with_data"]) == (4, 2, 2)
    de = next(c for c in snap["countries"] if c["country"] == "DE")
    assert (de["accounts"], de["distinct_accounts"], de["distinct_accounts_with_data"]) == (2, 2, 0)
    # A distinct count is not the sum of its parts: the countries add up to 4, the total is 2.
    assert sum(c["distinct_accounts"] for c in snap["countries"]) == 4
    sw = next(x for x in snap["request_types"] if x["request_type"] == "search_warrant")
    assert (sw["accounts"], sw["distinct_accounts"]) == (2, 1)


def test_distinct_accounts_are_in_the_csv(shared_accounts):
    snap = dict(shared_accounts, version=1)
    lines = downloads.report_csv(snap).splitlines()
    header = lines[0].split(",")
    assert header[-2:] == ["distinct_accounts", "distinct_accounts_with_data"]


def test_e2ee_only_and_no_record_accounts_are_not_with_data():
    req = make_request(produced=["subscriber_info"], found=0, status=Status.CLOSED)
    with_records = name(req, "has_records", account_ref="1")
    no_records = name(req, "no_records_in_range", account_ref="2")
    name(req, "secret_chats_only", account_ref="3", lookup=Target.Lookup.E2EE_ONLY)
    production = Production.objects.create(
        request=req, status=Production.Status.READY, target_ids=[with_records.pk, no_records.pk]
    )
    for target, records in ((with_records, 12), (no_records, 0)):
        ProductionFile.objects.create(
            production=production,
            path=f"t{target.pk}/subscriber_info.json",
            target=target,
            category="subscriber_info",
            records=records,
            size=10,
            sha256="0" * 64,
        )
    facts_backfill()
    facts = RequestFacts.objects.get(request=req)
    assert (facts.accounts, facts.accounts_found, facts.accounts_with_data) == (3, 3, 1)
    assert set(TargetFacts.objects.filter(with_data=True).values_list("target_id", flat=True)) == {with_records.pk}
    t = aggregation.build_snapshot(H1)["totals"]
    assert (t["accounts_with_data"], t["distinct_accounts"], t["distinct_accounts_with_data"]) == (1, 3, 1)


def test_open_requests_are_beside_the_rate_not_in_it():
    make_request(produced=["subscriber_info"])
    make_request(outcome="no_data")
    for _ in range(2):
        make_request(status=Status.IN_REVIEW)
    facts_backfill()
    t = aggregation.build_snapshot(H1)["totals"]
    assert (t["requests"], t["requests_with_outcome"], t["open_requests"], t["pct_with_data"]) == (4, 2, 2, 50)


@pytest.mark.usefixtures("client_supervisor")
def test_quarterly_report_has_no_national_security_block():
    for _ in range(3):
        make_request(request_type="nsl", produced=["subscriber_info"])
    make_request(produced=["subscriber_info"])
    facts_backfill()
    q = aggregation.build_snapshot(periods.parse("2025-Q1"))
    assert q["national_security"] is None
    assert "half-year and annual reports" in q["national_security_note"] and "2025-H1" in q["national_security_note"]
    assert not any(line.split(",")[7] == "true" for line in downloads.report_csv(dict(q, version=1)).splitlines())
    h = aggregation.build_snapshot(H1)
    assert [n["requests"] for n in h["national_security"] if n["request_type"] == "nsl"] == ["0-499"]
    y = aggregation.build_snapshot(periods.parse("2025"))
    assert y["national_security"] is not None


@pytest.mark.usefixtures("django_assert_num_queries")
def test_freshly_imported_period_first_build_rewrites_no_facts_row(tmp_path):
    import_file(write(tmp_path, [row(n) for n in range(1, 6)]))
    stamps = dict(RequestFacts.objects.values_list("request_id", "updated_at"))
    assert len(stamps) == 5 and TargetFacts.objects.count() == 15
    assert services.facts_sync(period=H1) == 0
    snap = services.report_build(period="2025-H1").snapshot
    assert dict(RequestFacts.objects.values_list("request_id", "updated_at")) == stamps
    # The importer's TargetFacts count distinct identifiers: each row names the same three.
    assert (snap["totals"]["accounts"], snap["totals"]["distinct_accounts"]) == (15, 3)
    assert snap["totals"]["distinct_accounts_with_data"] == 2  # the not-found channel link never has data


def test_build_refuses_a_period_that_has_not_ended():
    now = datetime.now(tz=UTC)
    current = f"{now.year}-H{1 if now.month <= 6 else 2}"
    with pytest.raises(services.ReportError, match="has not ended"):
        services.report_build(period=current)
    with pytest.raises(services.ReportError, match="has not ended"):
        services.report_build(period=str(now.year))
