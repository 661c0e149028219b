"""POST /api/v1/requests/<ref>/answer/."""

from __future__ import annotations

import pytest

from requests_app.lifecycle import Status
from requests_app.services import request_transition
from tests.intake.helpers import pdf_upload

pytestmark = pytest.mark.django_db


def test_answer_needs_info(api_a, lr, reviewer):
    assert api_a.post(f"/api/v1/requests/{lr.reference}/answer/", {"body": "early"}).status_code == 409
    request_transition(request=lr, to=Status.IN_REVIEW, actor=reviewer.user)
    request_transition(request=lr, to=Status.NEEDS_INFO, actor=reviewer.user, reason="Which time zone?")
    response = api_a.post(
        f"/api/v1/requests/{lr.reference}/answer/", {"body": "UTC", "file": pdf_upload()}, multipart=True
    )
    assert response.status_code == 200 and response.json()["status"] == "in_review"
    assert lr.messages.count() == 1 and lr.documents.count() == 2


def test_it_validates_ownership(api_b, lr):
    assert api_b.post(f"/api/v1/requests/{lr.reference}/answer/", {"body": "x"}).status_code == 404
    assert lr.messages.count() == 0
