"""bench/intake's naive-write endpoint saves the same rows as a submission with a plain ModelSerializer; it
exists only with BENCH_ENDPOINTS (never in production) and needs an officer's API token."""

import json

import pytest
from django.test import override_settings
from django.urls import clear_url_caches, reverse

from requests_app.intake.services import api_token_create
from requests_app.models import Document, LegalRequest, Target
from tests.factories import minimal_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench_urls():
    import importlib

    from portal import urls as root
    from requests_app.intake import api_urls

    with override_settings(BENCH_ENDPOINTS=True):
        importlib.reload(api_urls)
        importlib.reload(root)
        clear_url_caches()
        yield
    importlib.reload(api_urls)
    importlib.reload(root)
    clear_url_caches()


def _body():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "request_type": "search_warrant",
        "legal_framework": "us_sca",
        "country": "US",
        "issuing_authority": "Court",
        "authority_kind": "judge",
        "case_number": "N-1",
        "data_categories": ["subscriber_info"],
        "targets": json.dumps([{"type": "username", "value": "someone"}]),
        "date_from": "2026-01-01",
        "date_to": "2026-02-01",
        "documents": SimpleUploadedFile("w.pdf", minimal_pdf(), content_type="application/pdf"),
    }


@pytest.mark.usefixtures("bench_urls")
def test_naive_write_saves_request_target_and_file(client, officer_a):
    token = api_token_create(user=officer_a.user, name="bench")[1]
    response = client.post(reverse("api_bench_naive"), _body(), HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 201, response.content
    lr = LegalRequest.objects.get(reference=response.json()["reference"])
    assert lr.agency_id == officer_a.agency_id
    assert Target.objects.filter(request=lr).count() == 1 and Document.objects.filter(request=lr).count() == 1


@pytest.mark.usefixtures("bench_urls")
def test_naive_write_needs_a_token(client):
    assert client.post(reverse("api_bench_naive"), _body()).status_code == 401
