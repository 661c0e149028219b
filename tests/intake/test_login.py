"""Sign-in with mandatory 2FA (allauth TOTP + recovery codes), lock-out, password reset."""

from __future__ import annotations

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.test import Client

from requests_app.intake.models import ApiToken
from tests.factories import PASSWORD, enrol_totp, totp_code

pytestmark = pytest.mark.django_db


def test_password_then_totp_then_tokens_allowed(officer_a):
    secret = enrol_totp(officer_a.user)
    client = Client()
    response = client.post("/accounts/login/", {"login": officer_a.user.email, "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/2fa/authenticate/" in response["Location"]
    # Not signed in yet: the portal is closed until the second factor.
    assert client.get("/le/requests/").status_code == 302
    page = client.get("/accounts/2fa/authenticate/")
    assert 'class="topbar"' in page.content.decode()  # rendered inside the portal layout
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/le/requests/").status_code == 200
    assert client.post("/le/tokens/", {"name": "case system", "expires_in_days": "30"}).status_code == 200
    assert ApiToken.objects.filter(user=officer_a.user).exists()


def test_wrong_totp_code_is_refused(officer_a):
    enrol_totp(officer_a.user)
    client = Client()
    client.post("/accounts/login/", {"login": officer_a.user.email, "password": PASSWORD})
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200  # the form again, with an error
    assert client.get("/le/requests/").status_code == 302


def test_recovery_code_works_once(officer_a):
    enrol_totp(officer_a.user)
    code = RecoveryCodes.activate(officer_a.user).get_unused_codes()[0]
    first = Client()
    first.post("/accounts/login/", {"login": officer_a.user.email, "password": PASSWORD})
    assert first.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert first.get("/le/requests/").status_code == 200
    second = Client()
    second.post("/accounts/login/", {"login": officer_a.user.email, "password": PASSWORD})
    second.post("/accounts/2fa/authenticate/", {"code": code})
    assert second.get("/le/requests/").status_code == 302


def test_user_without_authenticator_is_sent_to_enrolment(officer_a):
    client = Client()
    client.post("/accounts/login/", {"login": officer_a.user.email, "password": PASSWORD})
    response = client.get("/le/requests/")
    assert response.status_code == 302 and "/accounts/2fa/totp/activate/" in response["Location"]
    page = client.get(response["Location"])
    # Straight after sign-in the enrolment page opens without asking for the password again.
    assert page.status_code == 200 and 'id="authenticator_secret"' in page.content.decode()


def test_lockout_after_repeated_failures(officer_a, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"login": officer_a.user.email, "password": "wrong password"})
    response = client.post("/accounts/login/", {"login": officer_a.user.email, "password": PASSWORD})
    assert response.status_code in {403, 429}
    assert client.get("/le/requests/").status_code == 302


def test_password_reset_sends_link(anon, officer_a):
    page = anon.get("/accounts/password/reset/")
    assert page.status_code == 200 and 'class="topbar"' in page.content.decode()
    anon.post("/accounts/password/reset/", {"email": officer_a.user.email})
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body
