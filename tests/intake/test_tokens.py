"""API tokens: created and revoked in the portal after 2FA, stored hashed."""

from __future__ import annotations

import hashlib

import pytest
from django.core import mail
from django.test import Client

from requests_app.intake.models import ApiToken
from requests_app.models import EventType, RequestEvent
from tests.factories import enrol_totp

pytestmark = pytest.mark.django_db


def test_create_shows_secret_once_and_stores_hash(client_a, officer_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post("/le/tokens/", {"name": "case system", "expires_in_days": "90"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=officer_a.user)
    secret = response.context["secret"]
    assert secret.startswith("lep_") and secret in response.content.decode()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.digest, token.prefix, token.name}
    assert token.expires_at is not None
    assert RequestEvent.objects.filter(event_type=EventType.API_TOKEN, actor=officer_a.user).exists()
    assert secret not in client_a.get("/le/tokens/").content.decode()
    assert response["Cache-Control"] == "no-store"
    notice = mail.outbox[-1]
    assert notice.to == [officer_a.user.email] and token.prefix in notice.body and secret not in notice.body


def test_create_needs_mfa_in_this_session(officer_a):
    enrol_totp(officer_a.user)
    client = Client()
    client.force_login(officer_a.user, backend="allauth.account.auth_backends.AuthenticationBackend")  # password only
    # A password-only session is sent to re-authenticate with the authenticator code first.
    page = client.get("/le/tokens/")
    assert page.status_code == 302 and "/accounts/2fa/reauthenticate/" in page["Location"]
    refused = client.post("/le/tokens/", {"name": "x", "expires_in_days": "30"})
    assert refused.status_code == 302 and "reauthenticate" in refused["Location"]
    assert not ApiToken.objects.exists()


def test_tokens_page_refused_to_anonymous_and_staff(anon, client_reviewer):
    assert anon.get("/le/tokens/").status_code == 302
    assert client_reviewer.get("/le/tokens/").status_code == 403
    assert client_reviewer.post("/le/tokens/", {"name": "x", "expires_in_days": "30"}).status_code == 403


@pytest.mark.usefixtures("officer_a")
def test_revoke_own_token_only(client_a, client_b):
    client_a.post("/le/tokens/", {"name": "case system", "expires_in_days": "0"})
    token = ApiToken.objects.get()
    assert client_b.post(f"/le/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client_a.post(f"/le/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert RequestEvent.objects.filter(event_type=EventType.API_TOKEN).count() == 2
