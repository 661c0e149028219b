"""GET /api/v1/requests/ and /api/v1/requests/<ref>/: own agency only, constant queries; the 404 matrix."""

from __future__ import annotations

import pytest

from requests_app.documents import DocumentInput
from requests_app.lifecycle import Status
from requests_app.models import Message
from requests_app.services import request_submit
from tests.factories import minimal_pdf, warrant

pytestmark = pytest.mark.django_db


def test_list_and_detail_only_own_agency(api_a, api_b, lr, officer_b):
    theirs = request_submit(
        actor=officer_b.user, data=warrant(case_number="B-1"), documents=[DocumentInput("w.pdf", minimal_pdf())]
    )
    listed = [r["reference"] for r in api_a.get("/api/v1/requests/").json()["results"]]
    assert listed == [lr.reference]
    assert api_a.get("/api/v1/requests/", status="closed").json()["count"] == 0
    assert api_a.get("/api/v1/requests/", q="CR-2026").json()["count"] == 1
    detail = api_a.get(f"/api/v1/requests/{lr.reference}/")
    assert detail.status_code == 200 and detail.json()["documents"][0]["sha256"]
    assert api_a.get(f"/api/v1/requests/{theirs.reference}/").status_code == 404
    assert api_b.get(f"/api/v1/requests/{lr.reference}/").status_code == 404


@pytest.mark.parametrize(
    ("method", "tail", "body"),
    [
        ("get", "", None),
        ("get", "timeline/", None),
        ("get", "messages/", None),
        ("post", "messages/", {"body": "hello"}),
        ("post", "withdraw/", {}),
        ("post", "answer/", {"body": "x"}),
    ],
)
def test_other_agency_gets_404_everywhere(api_b, lr, method, tail, body):
    path = f"/api/v1/requests/{lr.reference}/{tail}"
    response = api_b.get(path) if method == "get" else api_b.post(path, body)
    assert response.status_code == 404
    lr.refresh_from_db()
    assert lr.status == Status.VALIDATED and Message.objects.count() == 0


def test_list_query_count_does_not_grow_with_rows(api_a, officer_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import LegalRequestFactory

    LegalRequestFactory(agency=officer_a.agency)
    api_a.get("/api/v1/requests/")
    with CaptureQueriesContext(connection) as one:
        api_a.get("/api/v1/requests/")
    for _ in range(10):
        LegalRequestFactory(agency=officer_a.agency)
    with CaptureQueriesContext(connection) as eleven:
        assert api_a.get("/api/v1/requests/").json()["count"] == 11
    assert len(eleven) == len(one)
