"""The PDF: tagged (PDF/UA), table header on every page, methodology appendix, publisher, verification steps."""

import re
import subprocess

import pytest
from django.urls import reverse

from tests.factories import AgencyFactory
from tests.transparency.helpers import make_request
from transparency import services

pytestmark = pytest.mark.django_db

COUNTRIES = ["US", "DE", "FR", "IT", "ES", "BR", "IN", "GB", "PL", "NL", "BE", "AT", "SE", "JP", "MX", "AR", "KR"]
TYPES = ["search_warrant", "subpoena", "court_order_other", "emergency", "mlat"]


@pytest.fixture
def long_report(settings):
    settings.PLATFORM_NAME = "Example Messenger"
    settings.TRANSPARENCY_CONTACT = "transparency@example.org"
    settings.SITE_URL = "https://portal.example.org"
    for country in COUNTRIES:  # 17 countries x 5 types = 85 rows: the country table runs over pages
        agency = AgencyFactory(country=country)
        for rtype in TYPES:
            make_request(agency=agency, country=country, request_type=rtype, produced=["subscriber_info"])
    draft = services.report_build(period="2025-H1")
    return services.report_publish(report=draft)


def _pdf(anon, tmp_path):
    r = anon.get(reverse("transparency:pdf", args=["2025-H1", 1]))
    path = tmp_path / "report.pdf"
    path.write_bytes(r.content)
    return path


def _run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


@pytest.mark.usefixtures("long_report")
def test_pdf_is_tagged(anon, tmp_path):
    info = _run("pdfinfo", str(_pdf(anon, tmp_path)))
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info


@pytest.mark.usefixtures("long_report")
def test_every_page_of_the_country_table_carries_its_header(anon, tmp_path):
    path = _pdf(anon, tmp_path)
    pages = _run("pdftotext", "-layout", str(path), "-").split("\f")
    with_rows = [p for p in pages if "Search warrant" in p and "% with data" in p or "Subpoena" in p]
    table_pages = [p for p in pages if re.search(r"(United States|Germany|France|Mexico|Korea).*Subpoena", p)]
    assert len(table_pages) >= 2, "the fixture must make the table run over at least two pages"
    for page in table_pages:
        assert re.search(r"Country\s+Request type\s+Requests\s+Accounts\s+% with data", page), page[:400]
    assert with_rows


@pytest.mark.usefixtures("long_report")
def test_pdf_has_publisher_full_urls_verification_and_methodology_appendix(anon, tmp_path):
    text = _run("pdftotext", str(_pdf(anon, tmp_path)), "-")
    flat = " ".join(text.split())
    assert "Published by Example Messenger" in flat and "transparency@example.org" in flat
    assert "https://portal.example.org/transparency/2025-H1/v1/" in flat
    assert "https://portal.example.org/transparency/key.pem" in flat
    assert "openssl pkeyutl -verify" in flat and "sha256sum report.canonical" in flat
    assert "Appendix: methodology" in flat and "Median days to respond" in flat
