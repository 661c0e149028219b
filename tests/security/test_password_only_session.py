"""A session that passed only the password cannot change how the account signs in.

Found by the authorization matrix: /accounts/ was open to such sessions as a whole, so one could re-authenticate
with the password alone, remove the authenticator and enrol its own.
"""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from tests.factories import PASSWORD
from tests.security.matrix_data import _password_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def password_only(officer_a) -> Client:
    client = Client()
    _password_only(client, officer_a.user)
    return client


def test_cannot_remove_the_authenticator_even_after_reauthenticating_with_the_password(password_only, officer_a):
    # Before the fix this removed the authenticator: allauth's re-authentication takes the password.
    password_only.post("/accounts/reauthenticate/?next=/accounts/2fa/totp/deactivate/", {"password": PASSWORD})
    response = password_only.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/reauthenticate/")
    assert Authenticator.objects.filter(user=officer_a.user, type=Authenticator.Type.TOTP).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/generate/",
    ],
)
def test_account_pages_ask_for_the_second_factor(password_only, path):
    response = password_only.post(path, {"email": "attacker@example.org", "action_add": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/reauthenticate/")


def test_email_not_added(password_only, officer_a):
    password_only.post("/accounts/email/", {"email": "attacker@example.org", "action_add": "1"})
    assert list(officer_a.user.emailaddress_set.values_list("email", flat=True)) == [officer_a.user.email]


@pytest.mark.parametrize("path", ["/accounts/2fa/reauthenticate/", "/accounts/logout/", "/accounts/password/reset/"])
def test_it_may_still_finish_signing_in_or_leave(password_only, path):
    assert password_only.get(path).status_code == 200
