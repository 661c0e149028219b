"""Who may reach the /legal/ pages at all: every page and action, for every persona."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from requests_app.lifecycle import Status
from requests_app.models import EventType, RequestEvent
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def all_urls(lr, pk=1):
    ref = lr.reference
    gets = [
        reverse("review:queue"),
        reverse("review:request", args=[ref]),
        reverse("review:audit", args=[ref]),
        reverse("review:document", args=[ref, pk]),
    ]
    posts = [
        reverse(f"review:{name}", args=[ref])
        for name in (
            "assign",
            "start",
            "verify",
            "info",
            "resume",
            "reject",
            "decide",
            "approve",
            "message",
            "dsa_classify",
        )
    ] + [reverse("review:approve_decision", args=[ref, pk])]
    return gets, posts


def test_anonymous_is_sent_to_sign_in(anon, lr):
    gets, posts = all_urls(lr)
    for url in gets + posts:
        response = anon.post(url) if url in posts else anon.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("who", ["client_a", "client_b"])
def test_officers_get_404_everywhere_and_nothing_changes(request, who, lr):
    client = request.getfixturevalue(who)
    gets, posts = all_urls(lr, pk=lr.documents.get().pk)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"assignee": "me", "reason_code": "other", "note": "x"}).status_code == 404, url
    lr.refresh_from_db()
    assert lr.status == Status.VALIDATED and lr.assignee is None
    assert not RequestEvent.objects.filter(request=lr, event_type=EventType.DOCUMENT_VIEWED).exists()


@pytest.mark.usefixtures("lr")
def test_staff_without_second_factor_in_session_is_refused(reviewer):
    client = Client()
    client.force_login(reviewer.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    from tests.factories import enrol_totp

    enrol_totp(reviewer.user)
    response = client.get(reverse("review:queue"))
    # Not served: sent to prove the second factor in this session first.
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/reauthenticate/")


@pytest.mark.usefixtures("lr")
def test_staff_without_authenticator_is_sent_to_enrolment():
    staff = StaffFactory()
    client = Client()
    client.force_login(staff.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    response = client.get(reverse("review:queue"))
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]
