"""Clean failures (#11): every API error is JSON with a code, a database that is down is a 503
with Retry-After, bad bodies are 400/413 JSON; web pages show a plain page with no stack."""

from __future__ import annotations

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from tests.intake.helpers import api_body, token_for

pytestmark = pytest.mark.django_db

API = "/api/v1/requests/"


@pytest.fixture
def api(officer_a):
    headers = {"Authorization": f"Bearer {token_for(officer_a)}"}
    client = Client(raise_request_exception=False, headers=headers)
    return client


@pytest.fixture
def database_down(monkeypatch):
    """Every statement from now on fails as with a killed database connection."""

    def down(error=OperationalError):
        def execute(self, *args, **kwargs):
            raise error("server closed the connection unexpectedly")

        monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", execute)
        monkeypatch.setattr("django.db.backends.utils.CursorWrapper.executemany", execute)

    return down


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["detail"]
    return body


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_database_down_on_the_api_is_a_503_json_with_retry_after(api, database_down, error):
    database_down(error)
    response = api.get(API)
    assert_json_error(response, 503, "database_unavailable")
    assert int(response["Retry-After"]) > 0


def test_database_down_during_a_submission_is_a_503_json(api, database_down):
    database_down()
    response = api.post(API, api_body(), content_type="application/json")
    assert_json_error(response, 503, "database_unavailable")


def test_database_down_on_a_web_page_is_a_plain_503_page(database_down):
    database_down()
    response = Client(raise_request_exception=False).get("/transparency/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "Temporarily unavailable" in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_an_oversized_body_is_a_413_json(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post(API, {"case_number": "x" * 5000, "request_type": "search_warrant"})  # multipart
    assert_json_error(response, 413, "request_too_large")


def test_pathologically_nested_json_is_a_400_json(api):
    depth = 100_000
    body = '{"targets": ' + "[" * depth + "]" * depth + "}"
    response = api.post(API, body, content_type="application/json")
    assert_json_error(response, 400, "too_deeply_nested")
    # The process still answers afterwards.
    assert api.get(API).status_code == 200


def test_an_unknown_api_address_is_a_404_json():
    assert_json_error(Client().get("/api/v1/nothing-here/"), 404, "not_found")


def test_drf_errors_carry_a_code(api):
    assert_json_error(Client().get(API), 401, "not_authenticated")
    assert_json_error(api.get(API + "NOPE-0000/"), 404, "not_found")
    assert_json_error(api.post(API, "{not json", content_type="application/json"), 400, "parse_error")
    body = assert_json_error(api.post(API, {}, content_type="application/json"), 400, "invalid")
    assert body["errors"]


def test_a_bug_on_the_api_is_a_500_json_without_a_stack(api, monkeypatch):
    def bug(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("requests_app.intake.api.RequestListCreate.get_queryset", bug)
    response = api.get(API)
    body = assert_json_error(response, 500, "server_error")
    assert "secret internal detail" not in json.dumps(body)


def test_a_bug_on_a_web_page_is_a_plain_500_page(monkeypatch):
    def bug(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", bug)
    response = Client(raise_request_exception=False).get("/transparency/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert "secret internal detail" not in page and "Traceback" not in page


def test_an_unknown_page_is_a_plain_404_page():
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Not found" in response.content.decode()
