"""Issue 16 item 3: the API lists and downloads produced packages, with the web download's rules."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from requests_app.lifecycle import Status
from requests_app.models import EventType, RequestEvent
from requests_app.production.models import Production, ProductionDownload
from tests.intake.helpers import token_for

pytestmark = pytest.mark.django_db


def api(officer):
    return {"Authorization": f"Bearer {token_for(officer)}"}


def list_url(production):
    return f"/api/v1/requests/{production.request.reference}/packages/"


def download_url(production):
    return f"/api/v1/requests/{production.request.reference}/packages/{production.pk}/download/"


def test_list_shows_the_package_with_its_download_link(ready, officer_a):
    response = Client().get(list_url(ready), headers=api(officer_a))
    assert response.status_code == 200
    [package] = response.json()["packages"]
    assert package["id"] == ready.pk and package["status"] == "ready" and package["downloadable"] is True
    assert package["sha256"] == ready.sha256 and package["downloads"] == 0
    assert package["download_url"] == download_url(ready)


def test_unsigned_package_is_listed_without_link_and_refused(built, officer_a):
    [package] = Client().get(list_url(built), headers=api(officer_a)).json()["packages"]
    assert package["status"] == "unsigned" and package["download_url"] is None
    response = Client().get(download_url(built), headers=api(officer_a))
    assert response.status_code == 409 and response.json()["code"] == "not_released"
    assert not ProductionDownload.objects.exists()


def test_download_is_the_zip_and_is_audited_after_it_is_served(ready, officer_a, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(download_url(ready), headers={**api(officer_a), "Accept": "application/zip"})
        assert response.status_code == 200 and response["Content-Type"] == "application/zip"
        stream = iter(response.streaming_content)
        first = next(stream)
        assert not ProductionDownload.objects.exists()  # nothing recorded before the whole file is served
        body = first + b"".join(stream)
    assert hashlib.sha256(body).hexdigest() == ready.sha256 == response["X-Content-SHA256"]
    download = ProductionDownload.objects.get()
    assert download.user == officer_a.user
    assert RequestEvent.objects.filter(
        event_type=EventType.DOWNLOAD, request=ready.request, actor=officer_a.user
    ).exists()
    ready.request.refresh_from_db()
    assert ready.request.status == Status.CLOSED
    [package] = Client().get(list_url(ready), headers=api(officer_a)).json()["packages"]
    assert package["downloads"] == 1


def test_expired_link_is_gone(ready, officer_a):
    Production.objects.filter(pk=ready.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().get(download_url(ready), headers=api(officer_a))
    assert response.status_code == 410 and response.json()["code"] == "gone"
    assert not ProductionDownload.objects.exists()


def test_other_agency_sees_nothing(ready, officer_b):
    assert Client().get(list_url(ready), headers=api(officer_b)).status_code == 404
    response = Client().get(download_url(ready), headers=api(officer_b))
    assert response.status_code == 404
    assert not ProductionDownload.objects.exists()


def test_package_of_another_request_is_not_found_under_this_one(ready, officer_a, submit):
    other = submit()
    url = f"/api/v1/requests/{other.reference}/packages/{ready.pk}/download/"
    assert Client().get(url, headers=api(officer_a)).status_code == 404


def test_session_is_not_enough(ready, client_a):
    assert client_a.get(download_url(ready)).status_code == 401


def test_schema_documents_the_package_endpoints():
    schema = Client().get("/api/schema/?format=json").json()
    download = schema["paths"]["/api/v1/requests/{reference}/packages/{package_id}/download/"]["get"]
    assert "application/zip" in download["responses"]["200"]["content"]
    assert {"404", "409", "410"} <= set(download["responses"])
    assert "/api/v1/requests/{reference}/packages/" in schema["paths"]
