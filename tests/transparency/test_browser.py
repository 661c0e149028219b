"""Headless Chromium: open the public report, follow a country, download the CSV (no login, no JS needed)."""

import pytest

from tests.factories import AgencyFactory
from tests.transparency.helpers import make_request
from transparency import services


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
@pytest.mark.usefixtures("transactional_db")
def test_public_report_country_and_csv(browser_context, live_server, tmp_path):
    make_request(
        agency=AgencyFactory(country="DE"),
        country="DE",
        request_type="court_order_other",
        produced=["ip_logs"],
        found=3,
    )
    make_request(agency=AgencyFactory(country="US"), produced=["subscriber_info"])
    services.report_publish(report=services.report_build(period="2025-H1"))

    page = browser_context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{live_server.url}/transparency/")
    page.get_by_role("link", name="January – June 2025 (2025-H1)").click()
    page.wait_for_url("**/transparency/2025-H1/")
    assert page.locator("svg.chart").count() == 5  # the world map and four charts
    # Rendered text size at phone width: font-size times the SVG's on-screen scale.
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('svg.chart text')].map(
             t => parseFloat(t.getAttribute('font-size')) * t.ownerSVGElement.getScreenCTM().a))"""
    )
    assert smallest >= 11, smallest
    # Nothing wider than the phone's screen except inside the scrollable table box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1

    page.locator("table.tr-sortable").get_by_role("link", name="Germany").click()
    page.wait_for_url("**/transparency/country/DE/")
    assert "Requests from Germany" in page.content()

    page.go_back()
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    path = tmp_path / "report.csv"
    info.value.save_as(path)
    text = path.read_text()
    assert text.startswith("period,version,country,")
    assert "2025-H1,1,DE,Germany,court_order_other" in text
    assert not [e for e in errors if "Content Security Policy" in e]
