"""The report page and the PDF show the DSA orders per Member State (annual report), or say where they are."""

import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse

from tests.factories import AgencyFactory
from tests.transparency.helpers import H1_2025, make_request
from transparency import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports():
    make_request(
        agency=AgencyFactory(country="FR"),
        country="FR",
        request_type="dsa_art10",
        produced=["subscriber_info"],
        dsa_category="VIOLENCE",
        acknowledged_at=H1_2025 + timedelta(hours=3),
    )
    make_request(agency=AgencyFactory(country="US"), produced=["subscriber_info"])
    return [services.report_publish(report=services.report_build(period=p)) for p in ("2025-H1", "2025")]


@pytest.mark.usefixtures("reports")
def test_annual_page_has_the_dsa_table_and_the_half_year_says_where(anon):
    body = anon.get(reverse("transparency:report", args=["2025"])).content.decode()
    section = body[body.index('id="dsa"') :]
    assert "France" in section and "3.0" in section and "240.0" in section  # inform 3 h, effect 10 days
    half = anon.get(reverse("transparency:report", args=["2025-H1"])).content.decode()
    assert "covers the calendar year: see the 2025 report" in half


@pytest.mark.usefixtures("reports")
def test_pdf_has_the_dsa_table(anon, tmp_path):
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(anon.get(reverse("transparency:pdf", args=["2025", 1])).content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "All Member States" in text and "Median hours to give effect" in text


@pytest.mark.usefixtures("supervisor2")
def test_a_correction_lists_a_change_in_dsa_orders(reports):
    make_request(agency=AgencyFactory(country="DE"), country="DE", request_type="dsa_art10", dsa_category="VIOLENCE")
    draft = services.report_correct(period="2025", change_note="A late order from Germany.")
    previous = reports[1].snapshot
    changes = services.snapshot_changes(previous, draft.snapshot)
    assert {"where": "EU DSA", "measure": "orders to provide information", "old": 1, "new": 2} in changes
