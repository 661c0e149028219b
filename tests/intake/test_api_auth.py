"""REST API v1: token authentication and the per-token throttle."""

from __future__ import annotations

import pytest
from django.utils import timezone

from requests_app.intake import services
from requests_app.intake.models import ApiToken
from tests.intake.helpers import Api, token_for

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("lr")
def test_anonymous_session_and_bad_tokens_are_refused(client_a):
    assert Api(None).get("/api/v1/requests/").status_code == 401
    assert client_a.get("/api/v1/requests/").status_code == 401  # a browser session is not enough
    assert Api("lep_not-a-real-token").get("/api/v1/requests/").status_code == 401
    assert Api("something-else").get("/api/v1/requests/").status_code == 401


def test_revoked_expired_and_suspended_tokens_are_refused(officer_a):
    secret = token_for(officer_a)
    token = ApiToken.objects.get()
    api = Api(secret)
    assert api.get("/api/v1/requests/").status_code == 200
    token.expires_at = timezone.now()
    token.save()
    assert api.get("/api/v1/requests/").status_code == 401
    token.expires_at = None
    token.save()
    officer_a.status = officer_a.Status.SUSPENDED
    officer_a.save()
    assert api.get("/api/v1/requests/").status_code == 401
    officer_a.status = officer_a.Status.ACTIVE
    officer_a.save()
    services.api_token_revoke(token=token, actor=officer_a.user)
    assert api.get("/api/v1/requests/").status_code == 401


def test_throttled_per_token(officer_a, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "2/min", "anon": "30/min"},
    }
    first, second = Api(token_for(officer_a)), Api(token_for(officer_a))
    codes = [first.get("/api/v1/requests/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert second.get("/api/v1/requests/").status_code == 200  # per token, not per user
