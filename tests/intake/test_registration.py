"""Officer registration (allauth sign-up with the officer form) and the gates on
pending and suspended accounts."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from requests_app.models import Agency, EventType, Officer, RequestEvent
from tests.factories import AgencyFactory, OfficerFactory, login_verified, signup

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_domain_of_verified_agency_joins_at_once(anon, agency_a):
    response = signup(anon)
    assert response.status_code == 302
    officer = Officer.objects.get(user__email="dana@met.police.example")
    assert officer.agency == agency_a and officer.status == Officer.Status.ACTIVE
    assert str(officer.phone) == "+442079460018" and officer.rank == "Detective Sergeant"
    assert RequestEvent.objects.filter(event_type=EventType.ACCOUNT, agency=agency_a).exists()
    # The confirmation link went out (mandatory verification).
    assert "confirm-email" in mail.outbox[-1].body


def test_unknown_domain_needs_agency_details(anon):
    response = signup(anon, email="erin@newforce.example")
    assert response.status_code == 200
    assert "name your agency" in response.content.decode()
    assert not User.objects.filter(email="erin@newforce.example").exists()


def test_new_agency_is_pending_with_its_officer(anon, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(
            anon, email="erin@newforce.example", agency_name="New Force", agency_country="FR", agency_kind="police"
        )
    assert response.status_code == 302
    officer = Officer.objects.get(user__email="erin@newforce.example")
    assert officer.status == Officer.Status.PENDING
    assert officer.agency.name == "New Force" and officer.agency.verification_status == Agency.Verification.PENDING
    assert officer.agency.email_domains == []  # staff decide which domains are official
    assert any(settings.LEGAL_TEAM_EMAIL in m.to for m in mail.outbox)


@pytest.mark.usefixtures("agency_a")
def test_malformed_phone_is_explained(anon):
    response = signup(anon, phone="call me maybe")
    assert response.status_code == 200
    assert "phone number" in response.content.decode().lower()
    assert not Officer.objects.exists()


def test_suspended_agency_domain_cannot_register(anon):
    AgencyFactory(email_domains=["gone.example"], verification_status=Agency.Verification.SUSPENDED)
    response = signup(anon, email="x@gone.example")
    assert response.status_code == 200 and "suspended" in response.content.decode()
    assert not Officer.objects.exists()


@pytest.mark.parametrize(
    ("officer_status", "agency_status", "text"),
    [
        ("pending", "verified", "waiting for verification"),
        ("active", "pending", "waiting for verification"),
        ("suspended", "verified", "account is suspended"),
        ("active", "suspended", "access is suspended"),
    ],
)
def test_inactive_accounts_are_logged_out_with_a_reason(client, officer_status, agency_status, text):
    officer = OfficerFactory(status=officer_status, agency__verification_status=agency_status)
    login_verified(client, officer.user)
    response = client.get("/le/requests/", follow=True)
    assert response.redirect_chain[0][1] == 302
    assert text in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_login_page_renders_in_portal_layout(anon):
    body = anon.get("/accounts/login/").content.decode()
    assert 'class="topbar"' in body and "authenticator app" in body
