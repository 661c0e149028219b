"""Headless Chromium (issue 16 item 7): an officer whose browser asks for Arabic submits a request
and reads the rules' findings in Arabic, right to left; another picks German in the language
switcher, sees the live check in German and submits a request."""

from __future__ import annotations

import re

import pytest

from requests_app.models import LegalRequest
from tests.factories import browser_login, minimal_pdf

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _context(chromium, live_server, **options):
    context = chromium.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(15000)
    return context


def _fill_common(page, *, request_type, categories, pdf):
    page.select_option("#id_request_type", request_type)
    page.select_option("#id_legal_framework", "us_sca")
    page.select_option("#id_country", "US")
    page.fill("#id_issuing_authority", "US District Court, N.D. Cal.")
    page.select_option("#id_authority_kind", "judge")
    page.select_option("#id_targets-0-identifier_type", "username")
    page.fill("#id_targets-0-value", "@suspect_account")
    for category in categories:
        page.check(f"input[name=data_categories][value={category}]")
    page.set_input_files("#id_documents", str(pdf))


@pytest.mark.usefixtures("transactional_db")
def test_officer_submits_in_arabic_and_reads_the_findings_right_to_left(chromium, live_server, officer_a, tmp_path):
    context = _context(chromium, live_server, locale="ar")  # Accept-Language: ar
    browser_login(context, live_server, officer_a.user)
    page = context.new_page()
    page.goto("/le/requests/new/")
    html = page.locator("html")
    assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
    assert page.locator("h1").text_content().strip() == "طلب جديد"
    pdf = tmp_path / "subpoena.pdf"
    pdf.write_bytes(minimal_pdf())
    # A subpoena cannot reach cloud chat content (18 U.S.C. 2703(a)-(c)): the rules refuse it.
    _fill_common(page, request_type="subpoena", categories=["subscriber_info", "cloud_chat_content"], pdf=pdf)
    page.click("button[name=submit]")
    page.wait_for_selector("#findings li[data-code=category_not_compellable]")
    finding = page.locator("#findings li[data-code=category_not_compellable]").text_content()
    assert "يجب التصحيح" in finding  # "Must fix"
    assert "لا يمكن لـ«مذكرة استدعاء (Subpoena)» الإلزام بتقديم هذه البيانات" in finding
    assert "محتوى المحادثات السحابية" in finding  # the category, in Arabic too
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert LegalRequest.objects.count() == 0


@pytest.mark.usefixtures("transactional_db")
def test_officer_switches_to_german_sees_live_findings_and_submits(chromium, live_server, officer_a, tmp_path):
    context = _context(chromium, live_server, locale="en-GB")
    browser_login(context, live_server, officer_a.user)
    page = context.new_page()
    page.goto("/le/requests/new/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.select_option("#lang-select", "de")
    page.click(".lang-switcher button[type=submit]")
    page.wait_for_function("document.documentElement.lang === 'de'")
    assert page.url.endswith("/le/requests/new/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("h1").text_content().strip() == "Neues Ersuchen"

    pdf = tmp_path / "warrant.pdf"
    pdf.write_bytes(minimal_pdf())
    # Content without a date range: a warning the officer must acknowledge.
    _fill_common(page, request_type="search_warrant", categories=["cloud_chat_content"], pdf=pdf)
    page.wait_for_selector("#findings li[data-code=date_range_missing]")  # the live check, in German
    warning = page.locator("#findings li[data-code=date_range_missing]").text_content()
    assert "Warnung:" in warning and "Ersuchen um Inhalte ohne Zeitraum sind oft zu weit gefasst" in warning
    page.fill("#id_case_number", "DE-2026-0099")
    page.check("#id_acknowledge_warnings")
    page.click("button[name=submit]")
    page.wait_for_url(re.compile(r".*/le/requests/LR-\d{4}-\d{6}/$"))
    lr = LegalRequest.objects.get(case_number="DE-2026-0099")
    assert lr.request_type == "search_warrant"
    page.goto("/le/requests/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("link", name="Neues Ersuchen").first.is_visible()
    assert page.locator("#requests").get_by_text(lr.reference).is_visible()
