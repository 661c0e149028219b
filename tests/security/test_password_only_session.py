"""A session that passed only the password cannot change how the account signs in.

Found by the authorization matrix: /accounts/ was open to such sessions as a whole, so one could re-authenticate
with the password alone, remove the authenticator and enrol its own.
"""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from tests.factories import PASSWORD
from tests.security import access_table as T
from tests.security.matrix_data import _password_only
from tests.security.matrix_urls import URLS, classify

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


# ------------------------------------------------------------------ every URL, from the resolver

# What a session that passed only the password may still use: finishing the sign-in (the second factor,
# enrolling one), signing out, recovering a password or confirming an address, choosing a language, and the
# public pages (home answers with the second factor; health check, API schema and docs, published
# transparency reports). Nothing else: every other URL sends it to the second factor or refuses it.
PASSWORD_ONLY_OPEN = frozenset(
    {
        "healthz",
        "set_language",
        "account_login",
        "account_logout",
        "account_inactive",
        "account_signup",
        "account_reauthenticate",
        "account_email_verification_sent",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
        "account_confirm_login_code",
        "account_confirm_email",
        "mfa_authenticate",
        "mfa_reauthenticate",
        "mfa_activate_totp",
        "api_schema",
        "api_docs",
        "api_guide",
        "account_pending",
        "transparency:index",
        "transparency:methodology",
        "transparency:key",
        "transparency:key_pem",
        "transparency:index_json",
        "transparency:log_checkpoint",
        "transparency:log_key",
        "transparency:log_consistency",
        "transparency:log_inclusion",
        "transparency:country_pick",
        "transparency:country",
        "transparency:country_csv",
        "transparency:report",
        "transparency:report_version",
        "transparency:json",
        "transparency:csv",
        "transparency:pdf",
        "transparency:dsa",
    }
)
PROTECTED_PREFIXES = ("le/", "legal/", "production/", "admin/", "api/v1/", "transparency/manage/")
PASSWORD_ONLY = ("pw_officer", "pw_supervisor")


def test_the_open_list_holds_no_protected_page():
    routes = {key: route for key, route, _name in URLS}
    assert PASSWORD_ONLY_OPEN <= set(routes), sorted(PASSWORD_ONLY_OPEN - set(routes))
    protected = sorted(key for key in PASSWORD_ONLY_OPEN if routes[key].startswith(PROTECTED_PREFIXES))
    assert not protected, f"behind a login, yet open to a password-only session: {protected}"


@pytest.mark.parametrize("key", sorted(T.TABLE))
def test_the_table_refuses_a_password_only_session_everywhere_else(key):
    """The matrix checks every cell of the table against the server; here the table itself must say that a
    password-only session is refused (second factor, sign-in, 401/403/404, 405) on every URL not listed above."""
    if key in PASSWORD_ONLY_OPEN:
        return
    for persona in PASSWORD_ONLY:
        get, post = T.TABLE[key][persona]
        assert get in T.REFUSED and post in T.REFUSED, f"{key}: {persona} gets ({get}, {post})"


def _parameterless():
    for key, route, _name in URLS:
        if key not in PASSWORD_ONLY_OPEN and "<" not in route and "(?P" not in route:
            yield pytest.param(key, route, id=key)


@pytest.fixture
def password_only_supervisor(supervisor) -> Client:
    client = Client()
    _password_only(client, supervisor.user)
    return client


@pytest.mark.parametrize(("key", "route"), list(_parameterless()))
def test_a_password_only_session_is_refused_live(key, route, password_only, password_only_supervisor):
    """Independently of the table: every URL without path parameters (the ones with parameters are in the
    matrix, with real objects), GET and POST, as a password-only officer and supervisor."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for client in (password_only, password_only_supervisor):
        for method in ("GET", "POST"):
            with CaptureQueriesContext(connection) as queries:
                response = client.generic(method, f"/{route}")
            got = classify(response)
            assert got in T.REFUSED, f"{method} /{route}: {got} ({response.status_code})"
            writes = [
                q["sql"][:120]
                for q in queries.captured_queries
                if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
                and "django_session" not in q["sql"]
                and 'SET "language"' not in q["sql"]
            ]
            assert not writes, f"{method} /{route} wrote {writes}"


@pytest.mark.parametrize(
    "path",
    [
        "/legal/agencies/",
        "/legal/",
        "/legal/cybertipline/",
        "/production/holds/",
        "/production/notices/",
        "/le/requests/",
        "/le/requests/new/",
        "/le/tokens/",
        "/admin/",
        "/transparency/manage/",
    ],
)
def test_the_pages_of_the_issue_send_it_to_the_second_factor(password_only_supervisor, path):
    response = password_only_supervisor.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/?next=")


def test_the_api_does_not_take_the_session(password_only):
    response = password_only.get("/api/v1/requests/")
    assert response.status_code in (401, 403)
