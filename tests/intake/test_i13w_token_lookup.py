"""The token lookup's statement built once (intake.selectors.active_token, issue 13) answers what the ORM's
select_related query answered, with the user, officer and agency loaded (no further query)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from requests_app.intake import selectors
from requests_app.intake.models import ApiToken, token_digest
from requests_app.intake.services import api_token_authenticate, api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def orm_token(secret: str) -> ApiToken | None:
    """The query api_token_authenticate ran before: the oracle."""
    return (
        ApiToken.objects.active()
        .select_related("user", "user__officer", "user__officer__agency")
        .filter(digest=token_digest(secret))
        .first()
    )


def columns(row) -> dict:
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}


def test_same_rows_as_the_orm_and_no_further_query(officer_a):
    _token, secret = api_token_create(user=officer_a.user, name="case system")
    expected = orm_token(secret)
    with CaptureQueriesContext(connection) as q:
        token = selectors.active_token(token_digest(secret), now=timezone.now())
        user, officer, agency = token.user, token.user.officer, token.user.officer.agency
        assert officer.can_act and agency.is_verified and officer.user is user
    assert len(q.captured_queries) == 1
    assert columns(token) == columns(expected)
    assert columns(user) == columns(expected.user)
    assert columns(officer) == columns(expected.user.officer)
    assert columns(agency) == columns(expected.user.officer.agency)
    assert isinstance(agency.email_domains, list) and agency.email_domains  # JSON decoded as the ORM does


def test_revoked_expired_and_unknown_tokens_are_not_found(officer_a):
    revoked, revoked_secret = api_token_create(user=officer_a.user, name="old")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    expiring, expiring_secret = api_token_create(user=officer_a.user, name="short", expires_in_days=1)
    now = timezone.now()
    assert selectors.active_token(token_digest(revoked_secret), now=now) is None
    assert selectors.active_token(token_digest("lep_unknown"), now=now) is None
    assert selectors.active_token(token_digest(expiring_secret), now=now).pk == expiring.pk
    later = expiring.expires_at + timedelta(seconds=1)
    assert selectors.active_token(token_digest(expiring_secret), now=later) is None


def test_a_user_without_officer_profile(officer_a):
    token, secret = api_token_create(user=officer_a.user, name="x")
    stranger = UserFactory()
    ApiToken.objects.filter(pk=token.pk).update(user=stranger)
    found = selectors.active_token(token_digest(secret), now=timezone.now())
    assert found.user == stranger
    assert getattr(found.user, "officer", None) is None
    assert api_token_authenticate(secret).user == stranger  # refused later, by the authentication class


def test_staff_without_agency(officer_a, reviewer):
    token, secret = api_token_create(user=officer_a.user, name="x")
    ApiToken.objects.filter(pk=token.pk).update(user=reviewer.user)  # staff have no agency
    with CaptureQueriesContext(connection) as q:
        found = selectors.active_token(token_digest(secret), now=timezone.now())
        assert found.user.officer == reviewer
        assert found.user.officer.agency is None
    assert len(q.captured_queries) == 1
