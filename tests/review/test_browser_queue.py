"""Headless Chromium (issue 16): the legal queue's bulk assignment, keyboard shortcuts and a saved view."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app.models import EventType, RequestEvent
from requests_app.review.models import SavedView
from tests.factories import LegalRequestFactory, StaffFactory, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _page(chromium, live_server, user):
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(15000)
    browser_login(context, live_server, user)
    return context.new_page()


def _rows(n, **kw):
    now = timezone.now()
    return [LegalRequestFactory(due_at=now + timedelta(days=i + 1), **kw) for i in range(n)]


@pytest.mark.usefixtures("transactional_db")
def test_bulk_assign_selected_rows_and_refusal_in_plain_words(chromium, live_server, reviewer):
    first, second, third = _rows(3)
    page = _page(chromium, live_server, reviewer.user)
    page.goto("/legal/")
    assert page.locator("#queue-total").inner_text() == "3 open"
    page.get_by_label(f"Select {first.reference}").check()
    page.get_by_label(f"Select {third.reference}").check()
    page.get_by_label("Assign selected to").select_option("me")
    page.get_by_role("button", name="Assign selected").click()
    page.wait_for_load_state()
    assert "2 requests assigned to you" in page.locator(".messages").inner_text()
    for lr, mine in ((first, True), (second, False), (third, True)):
        lr.refresh_from_db()
        assert (lr.assignee == reviewer.user) is mine
    assert RequestEvent.objects.filter(event_type=EventType.ASSIGNED).count() == 2
    name = reviewer.full_name
    assert page.locator(f'tr[data-reference="{first.reference}"] td.assignee').inner_text() == name

    # A request someone else holds: nothing changes, and the reason is spelled out.
    other = StaffFactory()
    second.assignee = other.user
    second.save()
    fourth = _rows(1)[0]
    page.goto("/legal/")
    page.get_by_label(f"Select {second.reference}").check()
    page.get_by_label(f"Select {fourth.reference}").check()
    page.get_by_role("button", name="Assign selected").click()
    page.wait_for_load_state()
    text = page.locator(".messages").inner_text()
    assert "Nothing was changed." in text and f"{second.reference}: Only a supervisor can reassign" in text
    fourth.refresh_from_db()
    assert fourth.assignee is None


@pytest.mark.usefixtures("transactional_db")
def test_keyboard_shortcuts_move_assign_open_search_and_help(chromium, live_server, reviewer):
    first, second, third = _rows(3)
    page = _page(chromium, live_server, reviewer.user)
    page.goto("/legal/")
    current = page.locator("#queue tbody tr.current")

    page.keyboard.press("j")
    assert current.get_attribute("data-reference") == first.reference
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")  # stays on the last row
    assert current.get_attribute("data-reference") == third.reference
    page.keyboard.press("k")
    assert current.get_attribute("data-reference") == second.reference

    # a: assign the current row to me (a real form POST, then back to the queue).
    page.keyboard.press("a")
    page.wait_for_url("**/legal/")
    page.locator(f'tr[data-reference="{second.reference}"] td.assignee').get_by_text(reviewer.full_name).wait_for()
    second.refresh_from_db()
    assert second.assignee == reviewer.user
    # On a row someone already holds, "a" says so instead of doing nothing.
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert current.get_attribute("data-reference") == second.reference
    page.keyboard.press("a")
    status = page.locator("#shortcut-status")
    assert status.inner_text() == f"{second.reference} is already assigned; open it to reassign."

    # /: focus the search box; typing there does not trigger shortcuts.
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.keyboard.type("jk")
    assert page.locator("#id_q").input_value() == "jk"
    page.locator("#id_q").fill("")
    page.keyboard.press("Escape")  # leaves the search box: shortcuts work again
    assert page.evaluate("document.activeElement.id") != "id_q"

    # ?: the help list opens as a dialog and Escape closes it.
    dialog = page.locator("#shortcuts-dialog")
    assert not dialog.is_visible()
    page.keyboard.press("?")
    dialog.wait_for(state="visible")
    assert "Assign the current request to me" in dialog.inner_text()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    # The same list is reachable without the keyboard shortcut.
    page.get_by_role("button", name="Show keyboard shortcuts").click()
    dialog.wait_for(state="visible")
    page.get_by_role("button", name="Close").click()
    dialog.wait_for(state="hidden")

    # o: open the current request.
    page.keyboard.press("k")  # from the second row back to the first
    assert current.get_attribute("data-reference") == first.reference
    page.keyboard.press("o")
    page.wait_for_url(f"**/legal/requests/{first.reference}/")


@pytest.mark.usefixtures("transactional_db")
def test_builtin_and_saved_view(chromium, live_server, reviewer):
    emergency = LegalRequestFactory(emergency=True)
    plain_soon, plain_late = _rows(2)
    page = _page(chromium, live_server, reviewer.user)
    page.goto("/legal/")
    views = page.get_by_role("navigation", name="Views")
    views.get_by_role("link", name="Emergencies").click()
    page.wait_for_url("**/legal/?view=emergencies")
    refs = page.locator("#queue tbody tr").evaluate_all("rows => rows.map(r => r.dataset.reference)")
    assert refs == [emergency.reference]

    # Filter non-emergencies, sort by due date descending, save that as a view.
    page.goto("/legal/")
    page.get_by_label("Emergency").select_option("false")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    page.locator('a.sort[data-sort="due"]').click()  # ascending
    page.wait_for_load_state()
    page.locator('a.sort[data-sort="due"]').click()  # descending
    page.wait_for_load_state()
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
    page.get_by_text("Save these filters as a view").click()
    page.get_by_label("Name of this view").fill("Ordinary, latest first")
    page.get_by_role("button", name="Save view").click()
    page.wait_for_load_state()
    saved = SavedView.objects.get(owner=reviewer.user)
    assert saved.query == "emergency=false&sort=-due"

    # Back on the plain queue, the saved view is one click away and applies filters and sort.
    page.goto("/legal/")
    page.get_by_role("navigation", name="Views").get_by_role("link", name="Ordinary, latest first").click()
    page.wait_for_load_state()
    refs = page.locator("#queue tbody tr").evaluate_all("rows => rows.map(r => r.dataset.reference)")
    assert refs == [plain_late.reference, plain_soon.reference]
    link = page.get_by_role("navigation", name="Views").get_by_role("link", name="Ordinary, latest first")
    assert link.get_attribute("aria-current") == "page"
