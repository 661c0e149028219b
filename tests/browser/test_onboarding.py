"""Issue 16 item 1 in Chromium: registering with a domain we do not know, confirming the e-mail address, the
status page of a pending officer, and the two-factor sign-in page (each page also checked by axe-core)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from requests_app.models import Agency, Officer
from tests.factories import OfficerFactory, enrol_totp, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PASSWORD = "a long and unusual passphrase 7"


@pytest.mark.usefixtures("transactional_db")
def test_unknown_domain_then_confirmation_lands_on_the_status_page(browser_context, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url  # links in e-mails are built from SITE_URL, whatever host sent them
    page = browser_context.new_page()
    page.goto("/accounts/signup/")
    page.fill("#id_full_name", "Erin Enquirer")
    page.fill("#id_email", "erin@newforce.example")
    page.fill("#id_rank", "Inspector")
    page.fill("#id_phone", "+33 1 23 45 67 89")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#signup-problems")

    body = page.locator("main").inner_text()
    assert body.count("We do not know the e-mail domain newforce.example yet") == 1  # said once, not per field
    assert page.locator("#field-agency_name .errorlist").inner_text() == "Enter the name of your agency."
    assert page.locator("#field-agency_country .errorlist").inner_text() == "Choose your agency's country."
    assert page.locator("#field-agency_kind .errorlist").inner_text() == "Choose the kind of agency."
    assert page.input_value("#id_full_name") == "Erin Enquirer" and page.input_value("#id_rank") == "Inspector"
    assert page.input_value("#id_email") == "erin@newforce.example"
    assert "the two password fields" in page.locator("#signup-problems").inner_text()  # emptied, and it says so
    assert not Officer.objects.exists()

    page.fill("#id_agency_name", "New Force")
    page.select_option("#id_agency_country", "FR")
    page.select_option("#id_agency_kind", "police")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/confirm-email/")
    officer = Officer.objects.get(user__email="erin@newforce.example")
    assert officer.status == Officer.Status.PENDING
    assert officer.agency.verification_status == Agency.Verification.PENDING

    confirmation = next(m for m in mail.outbox if "erin@newforce.example" in m.to)
    assert confirmation.subject == "LE Request Portal: Confirm your e-mail address"
    assert "example.com" not in confirmation.body
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", confirmation.body).group(0)
    assert link.startswith(live_server.url + "/")
    page.goto(link)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/pending/")
    text = page.locator("main").inner_text()
    assert "erin@newforce.example is confirmed" in text and "waiting for verification" in text
    assert "New Force" in text and "working days" in text and settings.LEGAL_TEAM_EMAIL in text
    assert "Successfully signed in" not in page.content()
    assert page.locator(".messages").count() == 0

    # Signing in before verification lands on the same page, not on a contradictory sign-in form.
    page.goto("/accounts/login/")
    page.fill("#id_login", "erin@newforce.example")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/pending/")
    assert "waiting for verification" in page.locator("main").inner_text()


@pytest.mark.usefixtures("transactional_db")
def test_two_factor_page_is_the_portals_with_a_recovery_hint(browser_context, agency_a):
    officer = OfficerFactory(agency=agency_a, user__email="tom@met.police.example")
    officer.user.set_password(PASSWORD)
    officer.user.save()
    secret = enrol_totp(officer.user)
    page = browser_context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_login", "tom@met.police.example")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    assert page.locator("header.topbar").is_visible() and page.locator("link[href$='intake.css']").count() == 1
    assert "recovery codes" in page.locator("#recovery-hint").inner_text()
    page.fill("#id_code", totp_code(secret))
    page.click("main form.stacked button[type=submit]")
    page.wait_for_url(re.compile(r".*/(le/)?$"))
