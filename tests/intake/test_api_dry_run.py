"""POST /api/v1/requests/dry-run/: findings without saving."""

from __future__ import annotations

import pytest

from requests_app.models import LegalRequest
from tests.intake.helpers import Api, api_body

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("anon")
def test_dry_run_reports_findings_and_saves_nothing(api_a):
    response = api_a.post("/api/v1/requests/dry-run/", api_body(request_type="subpoena"))
    data = response.json()
    assert response.status_code == 200 and data["would_be_accepted"] is False
    assert {"category_not_compellable", "document_missing"} <= {f["code"] for f in data["findings"]}
    ok = api_a.post("/api/v1/requests/dry-run/", api_body(has_document=True)).json()
    assert ok["would_be_accepted"] is True
    assert LegalRequest.objects.count() == 0
    assert Api(None).post("/api/v1/requests/dry-run/", api_body()).status_code == 401


def test_it_validates_ownership(anon):
    response = anon.post("/api/v1/requests/dry-run/", {}, content_type="application/json")
    assert response.status_code in {401, 403}
