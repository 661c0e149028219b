"""Delivery: who may download, the audit of each download, expiry and purge."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from requests_app.audit import sequence_pending, verify_log
from requests_app.lifecycle import Status
from requests_app.models import EventType, RequestEvent
from requests_app.production import services
from requests_app.production.models import Production, ProductionDownload
from tests.factories import OfficerFactory, login_verified, sign

pytestmark = pytest.mark.django_db


def url(production):
    return f"/production/p/{production.pk}/download/"


def test_officer_downloads_and_it_is_audited(ready, client_a, officer_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.get(url(ready), REMOTE_ADDR="203.0.113.9")
        body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert hashlib.sha256(body).hexdigest() == ready.sha256
    download = ProductionDownload.objects.get()
    assert (download.user, download.ip_address) == (officer_a.user, "203.0.113.9")
    event = RequestEvent.objects.get(event_type=EventType.DOWNLOAD)
    assert (event.actor, event.ip_address, event.request_id) == (officer_a.user, "203.0.113.9", ready.request_id)
    ready.request.refresh_from_db()
    assert ready.request.status == Status.CLOSED
    sequence_pending()
    assert verify_log().ok  # every step above went through the audit chain intact


def test_second_download_also_audited(ready, client_a):
    for _ in range(2):
        b"".join(client_a.get(url(ready)).streaming_content)
    assert ProductionDownload.objects.count() == 2
    assert RequestEvent.objects.filter(event_type=EventType.DOWNLOAD).count() == 2


def test_other_agency_officer_gets_404(ready, client_b):
    assert client_b.get(url(ready)).status_code == 404
    assert client_b.get(f"/production/p/{ready.pk}/progress/").status_code == 404
    assert client_b.get(f"/production/requests/{ready.request.reference}/").status_code == 404
    assert not ProductionDownload.objects.exists()


def test_same_agency_colleague_may_download(ready, agency_a):
    colleague = OfficerFactory(agency=agency_a)
    client = Client()
    login_verified(client, colleague.user)
    assert client.get(url(ready)).status_code == 200


def test_staff_cannot_download(ready, client_reviewer):
    assert client_reviewer.get(url(ready)).status_code == 404


def test_anonymous_is_sent_to_login(ready, anon):
    response = anon.get(url(ready))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unverified_session_refused(ready, officer_a):
    client = Client()
    login_verified(client, officer_a.user)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": timezone.now().timestamp()}]
    session.save()
    response = client.get(url(ready))
    assert response.status_code == 302 and "/accounts/2fa/reauthenticate/" in response["Location"]
    assert not ProductionDownload.objects.exists()


def test_download_refused_after_expiry(ready, client_a):
    # (The session would not outlive the link either; move the link's end instead of the clock.)
    Production.objects.filter(pk=ready.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client_a.get(url(ready))
    assert response.status_code == 410
    assert not ProductionDownload.objects.exists()


def test_link_lifetime_is_configurable(
    approved_request, reviewer, custodian, settings, django_capture_on_commit_callbacks
):
    settings.PRODUCTION_LINK_DAYS = 3
    with django_capture_on_commit_callbacks(execute=True):
        production = services.production_start(request=approved_request, actor=reviewer.user)
    production.refresh_from_db()
    production = sign(production, custodian)  # the link's lifetime runs from the release
    assert production.expires_at - production.ready_at == timedelta(days=3)


def test_purge_deletes_the_file_after_expiry(ready, django_capture_on_commit_callbacks):
    name = ready.file.name
    assert default_storage.exists(name)
    assert services.productions_purge_expired(now=ready.expires_at - timedelta(minutes=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.productions_purge_expired(now=ready.expires_at + timedelta(minutes=1)) == 1
    assert not default_storage.exists(name)
    ready.refresh_from_db()
    assert ready.status == Production.Status.PURGED and not ready.file
    assert RequestEvent.objects.filter(event_type=EventType.PURGED, request=ready.request).count() == 1
    ready.request.refresh_from_db()
    assert ready.request.status == Status.CLOSED  # delivered but never fetched: closed when the package goes
    assert services.productions_purge_expired(now=ready.expires_at + timedelta(days=1)) == 0


def test_start_view_permissions(approved_request, client_a, client_b, anon, client_reviewer):
    start = f"/production/requests/{approved_request.reference}/start/"
    assert anon.post(start).status_code == 302 and not Production.objects.exists()
    assert client_b.post(start).status_code == 404
    assert client_a.post(start).status_code == 403
    assert not Production.objects.exists()
    response = client_reviewer.post(start)
    assert response.status_code == 302
    assert Production.objects.filter(request=approved_request).count() == 1


def test_progress_fragment_polls_while_building(
    approved_request, reviewer, custodian, client_a, client_reviewer, anon, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        production = services.production_start(request=approved_request, actor=reviewer.user)
    fragment = f"/production/p/{production.pk}/progress/"
    for client in (client_a, client_reviewer):
        response = client.get(fragment, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert b'hx-trigger="every 2s"' in response.content
    assert anon.get(fragment).status_code == 302
    services.production_build(production_id=production.pk)
    response = client_a.get(fragment)
    assert b"hx-trigger" not in response.content
    # Built, but the certificate is a draft: the agency cannot download yet.
    assert b"Download package" not in response.content and b"custodian of records" in response.content
    sign(production, custodian)
    response = client_a.get(fragment)
    assert b"Download package" in response.content
    assert b"Download package" not in client_reviewer.get(fragment).content


def test_panels_render_for_each_side(ready, client_a, client_reviewer):
    page = f"/production/requests/{ready.request.reference}/"
    officer_page = client_a.get(page).content.decode()
    assert ready.sha256 in officer_page and "Download package" in officer_page
    staff_page = client_reviewer.get(page).content.decode()
    assert ready.manifest_sha256 in staff_page and "Download package" not in staff_page


def test_staff_panel_query_count(ready, client_reviewer, django_assert_max_num_queries):
    page = f"/production/requests/{ready.request.reference}/"
    client_reviewer.get(page)
    with django_assert_max_num_queries(30):
        assert client_reviewer.get(page).status_code == 200


@pytest.mark.usefixtures("ready")
def test_lists_permissions(client_a, client_b, client_reviewer, anon):
    assert anon.get("/production/holds/").status_code == 302
    assert client_a.get("/production/notices/").status_code == 403
    assert client_reviewer.get("/production/notices/").status_code == 200
    assert client_b.get("/production/holds/").status_code == 200


def test_missing_package_file_records_no_download(ready, client_a):
    default_storage.delete(ready.file.name)
    response = client_a.get(url(ready))
    assert response.status_code == 410
    assert not ProductionDownload.objects.exists()
    assert not RequestEvent.objects.filter(event_type=EventType.DOWNLOAD).exists()
    ready.request.refresh_from_db()
    assert ready.request.status == Status.DELIVERED


def test_download_is_recorded_only_once_fully_served(ready, client_a):
    response = client_a.get(url(ready))
    stream = iter(response.streaming_content)
    next(stream)  # the transfer has started ...
    assert not ProductionDownload.objects.exists()  # ... but nothing is recorded until it ends
    b"".join(stream)
    assert ProductionDownload.objects.count() == 1
    ready.request.refresh_from_db()
    assert ready.request.status == Status.CLOSED
