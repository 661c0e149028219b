"""django-axes locks the account that failed, not every account behind the same address."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.factories import PASSWORD, OfficerFactory

pytestmark = pytest.mark.django_db


def _fail(client: Client, email: str, times: int) -> None:
    for _ in range(times):
        client.post("/accounts/login/", {"login": email, "password": "wrong password"}, REMOTE_ADDR="198.51.100.7")


def test_failures_are_recorded_against_the_account(officer_a):
    _fail(Client(), officer_a.user.email.upper(), 2)
    attempt = AccessAttempt.objects.get()
    assert attempt.username == officer_a.user.email.lower()
    assert attempt.failures_since_start == 2


def test_one_accounts_failures_do_not_lock_another_at_the_same_address(officer_a, agency_a, settings):
    settings.AXES_FAILURE_LIMIT = 3
    other = OfficerFactory(agency=agency_a, user__email="bob@met.police.example")
    _fail(Client(), officer_a.user.email, 3)

    locked = Client().post(
        "/accounts/login/", {"login": officer_a.user.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert locked.status_code in {403, 429}

    # Same address, another account, right password: signs in (on to the second factor).
    client = Client()
    fine = client.post(
        "/accounts/login/", {"login": other.user.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert fine.status_code == 302
    assert client.session["_auth_user_id"] == str(other.user.pk)
