"""Issue 16: the holds list for the legal team — days left, extend with a confirmation, release early
(supervisors, with a reason, audited; the reason stays staff-only)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app.models import EventType, RequestEvent
from requests_app.production import services
from requests_app.production.models import PreservationHold
from requests_app.services import PermissionDenied
from tests.factories import preservation_hold

pytestmark = pytest.mark.django_db


@pytest.fixture
def hold(officer_a):
    return preservation_hold(officer_a.agency, raw_value="some_user")


def test_holds_page_shows_days_left_and_actions_with_confirmation(client_supervisor, hold):
    html = client_supervisor.get("/production/holds/").content.decode()
    assert '<span class="hold-days-low">5 days</span>' in html
    assert f'action="/production/holds/{hold.pk}/extend/"' in html
    assert f'action="/production/holds/{hold.pk}/release/" data-confirm="Release the hold' in html
    assert 'data-confirm="Extend the hold' in html


@pytest.mark.usefixtures("hold")
def test_reviewer_sees_extend_but_not_release(client_reviewer):
    html = client_reviewer.get("/production/holds/").content.decode()
    assert "/extend/" in html and "/release/" not in html


@pytest.mark.usefixtures("hold")
def test_officer_sees_own_holds_without_actions(client_a):
    html = client_a.get("/production/holds/").content.decode()
    assert "5 days" in html and "/extend/" not in html and "/release/" not in html


def test_supervisor_releases_early_with_a_staff_only_reason(client_supervisor, supervisor, hold):
    response = client_supervisor.post(
        f"/production/holds/{hold.pk}/release/",
        {"reason": "Agency withdrew the request by letter", "next": "/production/holds/"},
    )
    assert response.status_code == 302 and response["Location"] == "/production/holds/"
    hold.refresh_from_db()
    assert hold.released_at is not None
    events = list(RequestEvent.objects.filter(request=hold.request, event_type=EventType.HOLD).order_by("id"))
    public = [e for e in events if e.public]
    private = [e for e in events if not e.public]
    assert len(public) == 1 and "released" in public[0].message and "withdrew" not in str(public[0].payload)
    assert private[0].payload["reason"] == "Agency withdrew the request by letter"
    assert private[0].actor == supervisor.user
    # Gone from the active list.
    assert f'data-hold="{hold.pk}"' not in client_supervisor.get("/production/holds/").content.decode()


def test_release_refused_without_reason_twice_or_by_non_supervisors(
    client_supervisor, client_reviewer, client_a, client_b, reviewer, hold
):
    html = client_supervisor.post(
        f"/production/holds/{hold.pk}/release/", {"reason": "  "}, follow=True
    ).content.decode()
    assert "Say why the hold ends early" in html
    assert client_reviewer.post(f"/production/holds/{hold.pk}/release/", {"reason": "x"}).status_code == 403
    assert client_a.post(f"/production/holds/{hold.pk}/release/", {"reason": "x"}).status_code == 403
    assert client_b.post(f"/production/holds/{hold.pk}/release/", {"reason": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.hold_release(hold=hold, actor=reviewer.user, reason="x")
    hold.refresh_from_db()
    assert hold.released_at is None
    assert not RequestEvent.objects.filter(request=hold.request, event_type=EventType.HOLD).exists()


def test_release_twice_is_refused(supervisor, hold):
    services.hold_release(hold=hold, actor=supervisor.user, reason="withdrawn")
    with pytest.raises(services.HoldError, match="already ended"):
        services.hold_release(hold=hold, actor=supervisor.user, reason="withdrawn")


def test_cybertipline_hold_cannot_end_early(supervisor):
    hold = PreservationHold.objects.create(
        basis=PreservationHold.Basis.CYBERTIPLINE,
        account_key="user_id:1",
        categories=[],
        starts_on=timezone.localdate(),
        until=timezone.localdate() + timedelta(days=300),
    )
    with pytest.raises(services.HoldError, match="2258A"):
        services.hold_release(hold=hold, actor=supervisor.user, reason="no longer needed")
    hold.refresh_from_db()
    assert hold.released_at is None


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
@pytest.mark.usefixtures("transactional_db")
def test_browser_release_asks_for_a_reason_and_a_confirmation(chromium, live_server, supervisor, hold):
    from tests.factories import browser_login

    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(15000)
    browser_login(context, live_server, supervisor.user)
    page = context.new_page()
    page.goto("/production/holds/")
    row = page.locator(f'tr[data-hold="{hold.pk}"]')
    assert not row.get_by_role("button", name="Release hold").is_visible()  # closed until asked for
    row.locator("summary").click()
    row.get_by_label("Why it ends early").fill("Agency withdrew the request in writing")
    page.once("dialog", lambda dialog: dialog.dismiss())  # first time: the user says no
    row.get_by_role("button", name="Release hold").click()
    hold.refresh_from_db()
    assert hold.released_at is None
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Release hold").click()
    page.wait_for_url("**/production/holds/")
    page.locator(".messages").get_by_text("released").wait_for()
    hold.refresh_from_db()
    assert hold.released_at is not None
