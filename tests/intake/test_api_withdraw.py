"""POST /api/v1/requests/<ref>/withdraw/."""

from __future__ import annotations

import pytest

from requests_app.lifecycle import Status

pytestmark = pytest.mark.django_db


def test_withdraw(api_a, lr):
    response = api_a.post(f"/api/v1/requests/{lr.reference}/withdraw/", {"reason": "Solved"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    again = api_a.post(f"/api/v1/requests/{lr.reference}/withdraw/", {})
    assert again.status_code == 409 and again.json()["code"] == "final_state"


def test_it_validates_ownership(api_b, lr):
    assert api_b.post(f"/api/v1/requests/{lr.reference}/withdraw/", {"reason": "not mine"}).status_code == 404
    lr.refresh_from_db()
    assert lr.status == Status.VALIDATED
