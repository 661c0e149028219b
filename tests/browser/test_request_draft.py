"""Headless Chromium (issue 16 item 2): an officer starts a request, sees only what the chosen process
needs, saves a draft, leaves, comes back later, resumes it with the fields intact, and submits it."""

from __future__ import annotations

import re

import pytest

from requests_app.intake.models import Draft
from requests_app.models import LegalRequest
from tests.factories import browser_login, minimal_pdf

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.usefixtures("transactional_db")
def test_officer_saves_a_draft_resumes_it_later_and_submits(
    browser_context, live_server, officer_a, tmp_path, settings
):
    settings.EMERGENCY_CONTACT_PHONE = "+1 202 555 0100"
    browser_login(browser_context, live_server, officer_a.user)
    page = browser_context.new_page()
    page.goto("/le/requests/new/")
    # First step: only the process question; the emergency line is on the page.
    assert page.locator("#emergency-contact").get_by_text("+1 202 555 0100").is_visible()
    assert not page.locator("#id_issuing_authority").is_visible()
    assert not page.locator("#refresh").is_visible()  # with the script, sections switch instantly

    page.select_option("#id_request_type", "subpoena")
    page.wait_for_selector("#id_issuing_authority", state="visible")
    assert page.locator("#guide-subpoena").is_visible()
    assert not page.locator("#id_judicial_validation").is_visible()  # no EU validation for a U.S. subpoena
    assert page.input_value("#id_legal_framework") == "us_sca"  # its only framework, chosen
    page.select_option("#id_request_type", "epoc")
    page.wait_for_selector("#id_judicial_validation", state="visible")
    assert page.locator("#guide-epoc").is_visible() and not page.locator("#guide-subpoena").is_visible()
    page.select_option("#id_request_type", "subpoena")
    page.wait_for_selector("#id_judicial_validation", state="hidden")
    assert not page.locator("#id_emergency_justification").is_visible()
    page.check("#id_emergency_1")  # "Yes: this is an emergency"
    page.wait_for_selector("#id_emergency_justification", state="visible")
    assert page.locator("#emergency-route").is_visible()
    page.check("#id_emergency_0")
    page.wait_for_selector("#id_emergency_justification", state="hidden")

    page.select_option("#id_country", "US")
    page.fill("#id_issuing_authority", "Grand Jury, S.D.N.Y.")
    page.select_option("#id_authority_kind", "prosecutor")
    page.fill("#id_case_number", "GJ-2026-0314")
    page.select_option("#id_targets-0-identifier_type", "username")
    page.fill("#id_targets-0-value", "@draft_suspect")
    page.click("#add-target")
    assert page.locator("label[for=id_targets-3-value]").count() == 1  # the new row is labelled too
    page.check("input[name=data_categories][value=subscriber_info]")
    # A live finding, linked to its field and described on it.
    link = page.locator("#findings li[data-code=document_missing] a")
    link.wait_for()
    assert link.get_attribute("href") == "#field-documents"
    page.wait_for_function(
        "(document.getElementById('id_documents').getAttribute('aria-describedby') || '').includes('findings-documents')"
    )

    page.click("button[name=save_draft]")
    page.wait_for_url("**/le/requests/#drafts")
    draft = Draft.objects.get()
    assert LegalRequest.objects.count() == 0

    page.goto("/")  # leave ...
    browser_context.clear_cookies()
    browser_login(browser_context, live_server, officer_a.user)  # ... and come back in a new session
    page.goto("/le/requests/")
    page.locator(f"#draft-{draft.pk} a").click()
    page.wait_for_url(f"**/le/drafts/{draft.pk}/")
    assert page.input_value("#id_case_number") == "GJ-2026-0314"
    assert page.input_value("#id_targets-0-value") == "@draft_suspect"
    assert page.input_value("#id_issuing_authority") == "Grand Jury, S.D.N.Y."
    assert page.is_checked("input[name=data_categories][value=subscriber_info]")
    assert page.locator("#guide-subpoena").is_visible()
    assert not page.locator("#id_judicial_validation").is_visible()

    pdf = tmp_path / "subpoena.pdf"
    pdf.write_bytes(minimal_pdf())
    page.set_input_files("#id_documents", str(pdf))  # files are asked again
    page.click("button[name=submit]")
    page.wait_for_url(re.compile(r".*/le/requests/LR-\d{4}-\d{6}/$"))
    lr = LegalRequest.objects.get()
    assert (lr.request_type, lr.case_number, lr.emergency) == ("subpoena", "GJ-2026-0314", False)
    assert lr.documents.count() == 1
    assert not Draft.objects.exists()
