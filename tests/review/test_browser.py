"""Headless Chromium: an emergency taken from the top of the queue, verified, decided,
approved by a second supervisor, and the officer sees the new status in the portal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app.lifecycle import Status
from requests_app.models import Decision, LegalRequest
from requests_app.services import request_submit
from tests.factories import LegalRequestFactory, browser_login, emergency_data


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
@pytest.mark.usefixtures("transactional_db")
def test_emergency_from_queue_to_officer_portal(chromium, live_server, officer_a, reviewer, supervisor):
    # An ordinary request due sooner must still come after the emergency.
    LegalRequestFactory(agency=officer_a.agency, due_at=timezone.now() + timedelta(hours=1))
    lr = request_submit(actor=officer_a.user, data=emergency_data(), documents=[], acknowledge_warnings=True)
    assert lr.status == Status.AWAITING_VERIFICATION

    rita = chromium.new_context(base_url=live_server.url)
    rita.set_default_timeout(15000)
    browser_login(rita, live_server, reviewer.user)
    page = rita.new_page()
    page.goto("/legal/")
    top = page.locator("#queue tbody tr").first
    assert top.get_attribute("data-reference") == lr.reference
    top.locator("a").first.click()
    page.wait_for_url(f"**/legal/requests/{lr.reference}/")

    form = page.locator("#verify-form")
    form.get_by_label("Whom you spoke to").fill("Duty Inspector J. Smith")
    form.get_by_label("Number you called").fill("+44 20 7230 1212")
    form.get_by_label("Official directory").fill("Home Office police directory 2026")
    form.get_by_label("When you called").fill((timezone.now() - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Confirmed").check()
    form.get_by_label("I believe in good faith").check()
    form.get_by_role("button", name="Record the check").click()
    page.wait_for_load_state()
    assert page.locator("#lr-status").inner_text() == "In legal review"

    # Safe default: no decision is preselected, so Save alone cannot approve anything.
    for category in ("subscriber_info", "ip_logs"):
        select = page.locator(f'tr[data-category="{category}"] select[name="verdict"]')
        assert select.input_value() == ""
        assert select.evaluate("s => s.selectedOptions[0].value") == ""
    row = page.locator('tr[data-category="subscriber_info"]')
    row.get_by_role("button", name="Save").click()  # the browser refuses: a decision is required
    assert Decision.objects.filter(request=lr).count() == 0
    for category in ("subscriber_info", "ip_logs"):
        row = page.locator(f'tr[data-category="{category}"]')
        row.locator('select[name="verdict"]').select_option("approved")
        row.get_by_role("button", name="Save").click()
        page.wait_for_load_state()
        # A decided category shows its decision, not a second form; changing it is a separate,
        # closed "Change decision" action whose verdict again starts empty.
        decided = page.locator(f'tr[data-category="{category}"]')
        assert decided.locator("form.decide").count() == 0
        assert "decided: approved" in decided.inner_text()
        change = decided.locator("details.change-decision")
        assert change.count() == 1 and change.get_attribute("open") is None
        assert change.locator('select[name="verdict"]').input_value() == ""
    # Rita is a reviewer: her content/emergency approvals wait for a supervisor.
    assert page.locator("table.decisions").get_by_text("waiting for a supervisor's approval").count() == 2
    assert page.locator("#conclude").count() == 0

    sam = chromium.new_context(base_url=live_server.url)
    sam.set_default_timeout(15000)
    browser_login(sam, live_server, supervisor.user)
    spage = sam.new_page()
    spage.goto(f"/legal/requests/{lr.reference}/")
    for _ in range(2):
        spage.locator("button.approve-decision").first.click()
        spage.wait_for_load_state()
    assert spage.locator("button.approve-decision").count() == 0
    assert all(d.in_effect for d in Decision.objects.filter(request=lr))
    spage.locator("#conclude").click()
    spage.wait_for_load_state()
    assert spage.locator("#lr-status").inner_text() == "Approved"
    assert LegalRequest.objects.get(pk=lr.pk).status == Status.APPROVED

    alice = chromium.new_context(base_url=live_server.url)
    alice.set_default_timeout(15000)
    browser_login(alice, live_server, officer_a.user)
    opage = alice.new_page()
    opage.goto(f"/le/requests/{lr.reference}/")
    assert "Approved" in opage.locator("main").inner_text()
    for context in (rita, sam, alice):
        context.close()


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
@pytest.mark.usefixtures("transactional_db")
def test_reviewer_records_the_ex_post_validation_of_an_emergency_epoc(chromium, live_server, officer_a, reviewer):
    """Reg. 2023/1543 Art. 4(5): the 48-hour clock on the page, the validation recorded from it."""
    from datetime import date

    lr = request_submit(
        actor=officer_a.user,
        data=emergency_data(
            request_type="epoc", legal_framework="eu_eevidence", country="DE", authority_kind="police",
            data_categories=["subscriber_info"], date_to=date(2026, 11, 30),
        ),
        documents=[], acknowledge_warnings=True,
    )  # fmt: skip
    assert lr.validation_due_at is not None
    rita = chromium.new_context(base_url=live_server.url)
    rita.set_default_timeout(15000)
    browser_login(rita, live_server, reviewer.user)
    page = rita.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the "are you sure" before a withdrawing refusal
    page.goto(f"/legal/requests/{lr.reference}/")
    assert "left." in page.locator("#validation-clock").inner_text()
    assert "ex-post validation" in page.locator("#transfer-blocked").inner_text()
    form = page.locator("#validation-form")
    form.get_by_label("Validated", exact=True).check()
    form.get_by_label("Judge, court or prosecutor who decided").fill("Amtsgericht Tiergarten, Richterin Weber")
    form.get_by_label("When they decided").fill((timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state()
    assert "Amtsgericht Tiergarten, Richterin Weber" in page.locator("#validation-state").inner_text()
    assert page.locator("#validation-form").count() == 0
    lr.refresh_from_db()
    assert lr.validated_by_name == "Amtsgericht Tiergarten, Richterin Weber"
    rita.close()
