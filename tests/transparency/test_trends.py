"""Trends over every published period (index and country pages), the country picker, per-country CSV."""

import csv
import io
import re
import unicodedata

import pytest
from django.urls import reverse

from tests.factories import AgencyFactory
from tests.transparency.helpers import make_request
from transparency import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_periods():
    from datetime import UTC, datetime

    de = AgencyFactory(country="DE")
    make_request(agency=de, country="DE", produced=["subscriber_info"])
    make_request(agency=de, country="DE", request_type="subpoena")
    services.report_publish(report=services.report_build(period="2025-H1"))
    make_request(agency=de, country="DE", received=datetime(2025, 8, 1, tzinfo=UTC), produced=["ip_logs"])
    make_request(agency=AgencyFactory(country="FR"), country="FR", received=datetime(2025, 8, 2, tzinfo=UTC))
    services.report_publish(report=services.report_build(period="2025-H2"))


def _unaccented(name):
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def _trend_rows(body):
    table = body[body.index('class="tr-table tr-trends"') :]
    table = table[: table.index("</table>")]
    return re.findall(r'<tr><th scope="row"><a href="[^"]+">([^<]+)</a></th>(.*?)</tr>', table)


@pytest.mark.usefixtures("two_periods")
def test_index_shows_every_measure_over_all_periods_and_the_picker(anon):
    body = anon.get(reverse("transparency:index")).content.decode()
    rows = _trend_rows(body)
    assert [label for label, _ in rows] == ["January – June 2025", "July – December 2025"]
    assert re.findall(r'<td class="n">([^<]+)</td>', rows[0][1])[:2] == ["2", "2"]  # requests, accounts
    assert "% with some data produced" in body and "Median days to respond" in body
    assert '<form class="tr-picker" method="get"' in body
    options = re.findall(r'<option value="([A-Z]{2})"[^>]*>([^<]+)</option>', body)
    names = [n for _, n in options]
    assert len(options) >= 249 and names == sorted(names, key=_unaccented)  # A–Z, "Åland" after "Afghanistan"


@pytest.mark.usefixtures("two_periods")
def test_country_page_trends_and_csv(anon):
    body = anon.get(reverse("transparency:country", args=["DE"])).content.decode()
    rows = _trend_rows(body)
    assert [re.findall(r'<td class="n">([^<]+)</td>', cells)[0] for _, cells in rows] == ["2", "1"]
    assert 'option value="DE" selected' in body
    r = anon.get(reverse("transparency:country_csv", args=["de"]))
    assert r["Content-Type"].startswith("text/csv") and 'filename="transparency-DE.csv"' in r["Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(r.content.decode())))
    assert {(x["period"], x["request_type"], x["requests"]) for x in lines} == {
        ("2025-H1", "search_warrant", "1"),
        ("2025-H1", "subpoena", "1"),
        ("2025-H1", "ALL", "2"),
        ("2025-H2", "search_warrant", "1"),
        ("2025-H2", "ALL", "1"),
    }
    fr = list(csv.DictReader(io.StringIO(anon.get("/transparency/country/FR/trends.csv").content.decode())))
    assert [x["period"] for x in fr] == ["2025-H2", "2025-H2"]


def test_country_picker_works_without_javascript(anon):
    r = anon.get(reverse("transparency:country_pick"), {"code": "br"})
    assert r.status_code == 302 and r["Location"] == reverse("transparency:country", args=["BR"])
    assert anon.get(reverse("transparency:country_pick"), {"code": "QQ"}).status_code == 404
    assert anon.get(reverse("transparency:country_csv", args=["QQ"])).status_code == 404
