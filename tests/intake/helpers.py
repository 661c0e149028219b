"""Shared inputs for the intake tests."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from requests_app import documents
from requests_app.intake import services
from tests.factories import minimal_pdf

# The one search warrant every intake test starts from, in the shape both inputs share.
WARRANT = {
    "request_type": "search_warrant",
    "legal_framework": "us_sca",
    "country": "US",
    "issuing_authority": "US District Court, N.D. Cal.",
    "authority_kind": "judge",
    "case_number": "CR-2026-0042",
    "data_categories": ["subscriber_info", "cloud_chat_content"],
    "date_from": "2026-01-01",
    "date_to": "2026-03-01",
}


def form_data(**overrides) -> dict:
    """A valid search-warrant submission as the portal form posts it."""
    data = {
        **WARRANT,
        "targets-TOTAL_FORMS": "3",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "50",
        "targets-0-identifier_type": "phone",
        "targets-0-value": "+1 202 555 0143",
        "targets-1-identifier_type": "username",
        "targets-1-value": "@Some_User",
        "targets-2-identifier_type": "",
        "targets-2-value": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def pdf_upload(name: str = "warrant.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf() if content is None else content, content_type="application/pdf")


def api_body(**overrides) -> dict:
    """A valid search-warrant submission as the API takes it (JSON)."""
    body = {
        **WARRANT,
        "targets": [{"type": "phone", "value": "+1 202 555 0143"}, {"type": "username", "value": "@Some_User"}],
    }
    body.update(overrides)
    return body


def token_for(officer) -> str:
    _token, secret = services.api_token_create(user=officer.user, name="case system")
    return secret


class Api:
    def __init__(self, secret: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path, data=None, headers=None, multipart=False):
        headers = {**self.headers, **(headers or {})}
        if multipart:
            return self.client.post(path, data or {}, headers=headers)
        return self.client.post(path, json.dumps(data or {}), content_type="application/json", headers=headers)


def multipart_body(**overrides):
    body = api_body(**overrides)
    body["targets"] = json.dumps(body["targets"])
    body["documents"] = pdf_upload()
    return body


def count_parses(monkeypatch) -> list[int]:
    """Record the size of every PDF the parsing helper is given (the list grows with each parse)."""
    calls: list[int] = []
    original = documents._parse_in_helper

    def counting(content):
        calls.append(len(content))
        return original(content)

    monkeypatch.setattr(documents, "_parse_in_helper", counting)
    return calls
