"""Headless Chromium: a reviewer holding the CyberTipline role records a hash-matched report,
records the human review, submits it to (a local) NCMEC, and sees the acknowledgement and the hold."""

from __future__ import annotations

import pytest
from django.utils import timezone

from requests_app.cybertipline.models import CyberTipReport
from tests.factories import browser_login, placeholder_image


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
@pytest.mark.usefixtures("transactional_db")
def test_reviewer_records_submits_and_sees_acknowledgement_and_hold(chromium, live_server, ncmec):
    from tests.factories import StaffFactory, grant

    tess = grant(StaffFactory(full_name="Tess Tipline", user__email="tess@platform.example"))
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(15000)
    browser_login(context, live_server, tess.user)
    page = context.new_page()
    page.goto("/legal/cybertipline/")
    page.get_by_role("link", name="Record a report").click()
    page.wait_for_url("**/legal/cybertipline/new/")

    form = page.locator("#report-form")
    form.get_by_label("Incident type").select_option("child_pornography")
    form.get_by_label("Actual knowledge at (UTC)").fill(timezone.now().strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Detection source").select_option("hash_match")
    form.get_by_label("Hash list:", exact=True).fill("Industry hash-sharing list")
    form.get_by_label("User id:", exact=True).fill("4242")
    form.get_by_label("Upload IP:", exact=True).fill("198.51.100.9")
    form.get_by_label("Chat type").select_option("group")
    form.get_by_label("File:", exact=True).set_input_files(
        {"name": "placeholder.png", "mimeType": "image/png", "buffer": placeholder_image(5)}
    )
    form.get_by_role("button", name="Record the report").click()
    page.wait_for_url("**/legal/cybertipline/reports/CT-*/")
    assert page.locator("#ct-status").inner_text() == "Draft (not reviewed)"

    review = page.locator("#review-form")
    review.get_by_label("placeholder.png").check()
    review.get_by_label("Review note").fill("Viewed: matches the list entry")
    review.get_by_role("button", name="Record the review").click()
    page.wait_for_load_state()
    assert "Tess Tipline" in page.locator("#ct-review").inner_text()

    page.get_by_role("button", name="Submit to NCMEC").click()
    page.wait_for_load_state()
    assert page.locator("#ct-status").inner_text() == "Submitted and acknowledged"
    report = CyberTipReport.objects.get()
    assert page.locator("#ct-ncmec-id").inner_text() == report.ncmec_report_id
    assert ncmec.finished_reports == [report.ncmec_report_id]
    assert page.locator("#ct-ack").inner_text().endswith("UTC")
    hold = report.holds.get()
    assert page.locator("#ct-holds .hold-until").inner_text() == f"{hold.until:%Y-%m-%d}"
    assert (hold.until - hold.starts_on).days == 365
    context.close()
