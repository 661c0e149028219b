"""The home page (anyone) and the health check (anyone)."""

import pytest

pytestmark = pytest.mark.django_db


def test_home_links_three_faces_and_explains_e2ee(anon):
    response = anon.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for link in ('href="/le/"', 'href="/legal/"', 'href="/transparency/"'):
        assert link in html
    assert "Secret chat content" in html and "Never — end-to-end encrypted" in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_healthz(anon):
    assert anon.get("/healthz").json() == {
        "status": "ok",
        "audit_log": {"pending": 0, "overdue": 0, "alarm": False},
    }


def test_healthz_raises_the_alarm_for_an_event_pending_too_long(anon, settings):
    from datetime import timedelta

    from django.utils import timezone

    from requests_app.audit import event_record, sequence_pending

    settings.LOG_PENDING_ALARM_SECONDS = 30
    event_record(event_type="sensitive_view", at=timezone.now() - timedelta(seconds=45))
    event_record(event_type="sensitive_view")
    assert anon.get("/healthz").json()["audit_log"] == {"pending": 2, "overdue": 1, "alarm": True}
    sequence_pending()
    assert anon.get("/healthz").json()["audit_log"]["alarm"] is False


def test_logged_in_user_without_authenticator_is_sent_to_enrolment(client, officer_a):
    client.force_login(officer_a.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    response = client.get("/le/")
    assert response.status_code == 302 and "/accounts/2fa/totp/activate/" in response["Location"]


def test_suspended_officer_is_logged_out(client_a, officer_a):
    officer_a.status = officer_a.Status.SUSPENDED
    officer_a.save()
    response = client_a.get("/le/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client_a.session


def test_navigation_by_role(client_a, client_reviewer, client_supervisor):
    officer_nav = client_a.get("/").content.decode()
    assert 'href="/le/requests/new/"' in officer_nav and 'href="/transparency/manage/"' not in officer_nav
    reviewer_nav = client_reviewer.get("/").content.decode()
    assert 'href="/transparency/manage/"' not in reviewer_nav
    supervisor_nav = client_supervisor.get("/").content.decode()
    assert 'href="/transparency/manage/"' in supervisor_nav and 'href="/legal/agencies/"' in supervisor_nav
