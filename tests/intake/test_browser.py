"""End to end in headless Chromium: register, confirm the e-mail, sign in, enrol
TOTP, submit a request with a PDF, and find it in the list by its reference."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from requests_app.models import LegalRequest, Officer
from tests.factories import AgencyFactory, minimal_pdf, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _confirmation_link(live_server) -> str:
    body = mail.outbox[-1].body
    match = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", body)
    assert match, body
    return live_server.url + "/accounts/confirm-email/" + match.group(0).split("/accounts/confirm-email/")[1]


@pytest.mark.usefixtures("transactional_db")
def test_officer_registers_enrols_totp_and_submits(browser_context, live_server, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    AgencyFactory(name="Metropolitan Police", country="GB", email_domains=["met.police.example"])
    page = browser_context.new_page()
    page.goto("/accounts/signup/")
    page.fill("#id_full_name", "Dana Detective")
    page.fill("#id_email", "dana@met.police.example")
    page.fill("#id_rank", "Detective Sergeant")
    page.fill("#id_phone", "+44 20 7946 0018")
    page.fill("#id_password1", "a long and unusual passphrase 7")
    page.fill("#id_password2", "a long and unusual passphrase 7")
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/confirm-email/")
    officer = Officer.objects.get(user__email="dana@met.police.example")
    assert officer.status == Officer.Status.ACTIVE and officer.agency.name == "Metropolitan Police"

    page.goto(_confirmation_link(live_server))
    page.click("button[type=submit]")  # allauth confirms on POST

    page.goto("/accounts/login/")
    page.fill("#id_login", "dana@met.police.example")
    page.fill("#id_password", "a long and unusual passphrase 7")
    page.click("button[type=submit]")
    # No authenticator yet: the portal sends the officer to enrolment before anything else.
    page.wait_for_url("**/accounts/2fa/totp/activate/**")
    secret = page.input_value("#authenticator_secret")
    page.fill("#id_code", totp_code(secret))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()

    # Enrolling is not a second factor for this session: the portal asks for one before any page.
    page.goto("/le/requests/new/")
    page.wait_for_url("**/accounts/2fa/reauthenticate/**")
    from allauth.mfa.models import Authenticator

    codes = Authenticator.objects.get(user__email="dana@met.police.example", type=Authenticator.Type.RECOVERY_CODES)
    page.fill("#id_code", codes.wrap().get_unused_codes()[0])
    page.click("main form button[type=submit]")
    page.wait_for_url("**/le/requests/new/**")
    page.select_option("#id_request_type", "search_warrant")
    page.select_option("#id_legal_framework", "us_sca")
    page.select_option("#id_country", "US")
    page.fill("#id_issuing_authority", "US District Court, N.D. Cal.")
    page.select_option("#id_authority_kind", "judge")
    page.fill("#id_case_number", "CR-2026-0777")
    page.select_option("#id_targets-0-identifier_type", "username")
    page.fill("#id_targets-0-value", "@suspect_account")
    page.check("input[name=data_categories][value=subscriber_info]")
    assert page.is_disabled("input[name=data_categories][value=secret_chat_content]")
    # The live check shows the rules' findings while the form is filled in.
    page.wait_for_selector("#findings li[data-code=document_missing]")
    pdf = tmp_path / "warrant.pdf"
    pdf.write_bytes(minimal_pdf())
    page.set_input_files("#id_documents", str(pdf))
    page.click("button[name=submit]")
    page.wait_for_url(re.compile(r".*/le/requests/LR-\d{4}-\d{6}/$"))
    reference = page.text_content("#reference").strip().split()[0]

    lr = LegalRequest.objects.get(reference=reference)
    assert lr.submitted_by == officer.user and lr.documents.count() == 1
    page.goto("/le/requests/")
    assert page.locator("#requests").get_by_text(reference).is_visible()
    assert any(reference in m.subject for m in mail.outbox)
