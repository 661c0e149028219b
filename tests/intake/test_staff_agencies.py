"""/legal/agencies/: supervisors verify or suspend agencies and officers (audited)."""

from __future__ import annotations

import pytest
from django.core import mail

from requests_app.models import Agency, EventType, Officer, RequestEvent
from tests.factories import AgencyFactory, OfficerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_agency(db):
    return AgencyFactory(
        name="New Force", email_domains=[], verification_status=Agency.Verification.PENDING, verified_at=None
    )


@pytest.fixture
def pending_officer(pending_agency):
    return OfficerFactory(agency=pending_agency, status=Officer.Status.PENDING, user__email="erin@newforce.example")


@pytest.mark.usefixtures("pending_officer")
def test_page_lists_pending_agencies_and_officers(client_supervisor):
    body = client_supervisor.get("/legal/agencies/").content.decode()
    assert "New Force" in body and "erin@newforce.example" in body
    assert 'value="newforce.example"' in body  # the registrant's domain is suggested, not applied


def test_page_refused_to_anonymous_officers_and_reviewers(anon, client_a, client_reviewer, pending_agency):
    assert anon.get("/legal/agencies/").status_code == 302
    assert client_a.get("/legal/agencies/").status_code == 403
    assert client_reviewer.get("/legal/agencies/").status_code == 403
    assert client_reviewer.post(f"/legal/agencies/{pending_agency.pk}/verify/").status_code == 403
    pending_agency.refresh_from_db()
    assert pending_agency.verification_status == Agency.Verification.PENDING


def test_verify_agency_activates_its_officers(
    client_supervisor, supervisor, pending_officer, django_capture_on_commit_callbacks
):
    agency = pending_officer.agency
    with django_capture_on_commit_callbacks(execute=True):
        response = client_supervisor.post(
            f"/legal/agencies/{agency.pk}/verify/",
            {
                "email_domains": "NewForce.example, @alt.example",
                # Issue 16: how the agency was checked is now required at verification.
                "method": "call_back",
                "evidence": "Called the switchboard listed on the ministry site; Sgt. Lee confirmed",
            },
        )
    assert response.status_code == 302
    agency.refresh_from_db()
    pending_officer.refresh_from_db()
    assert agency.verification_status == Agency.Verification.VERIFIED and agency.verified_by == supervisor.user
    assert agency.email_domains == ["newforce.example", "alt.example"]
    assert pending_officer.status == Officer.Status.ACTIVE
    assert RequestEvent.objects.filter(event_type=EventType.AGENCY, agency=agency, actor=supervisor.user).exists()
    assert RequestEvent.objects.filter(event_type=EventType.ACCOUNT, agency=agency, actor=supervisor.user).exists()
    assert mail.outbox[-1].to == ["erin@newforce.example"]


def test_suspend_agency_needs_reason_and_locks_out_officers(client_supervisor, client_a, officer_a):
    agency = officer_a.agency
    client_supervisor.post(f"/legal/agencies/{agency.pk}/suspend/", {"reason": ""})
    agency.refresh_from_db()
    assert agency.verification_status == Agency.Verification.VERIFIED
    client_supervisor.post(f"/legal/agencies/{agency.pk}/suspend/", {"reason": "Impersonation reported"})
    agency.refresh_from_db()
    assert agency.verification_status == Agency.Verification.SUSPENDED
    assert RequestEvent.objects.filter(event_type=EventType.AGENCY, agency=agency).exists()
    response = client_a.get("/le/requests/")
    assert response.status_code == 302 and "/accounts/pending/" in response["Location"]  # signed out, and told why


def test_suspend_and_reactivate_officer(client_supervisor, officer_a):
    client_supervisor.post(f"/legal/agencies/officers/{officer_a.pk}/suspend/", {"reason": "Left the force"})
    officer_a.refresh_from_db()
    assert officer_a.status == Officer.Status.SUSPENDED
    client_supervisor.post(f"/legal/agencies/officers/{officer_a.pk}/verify/")
    officer_a.refresh_from_db()
    assert officer_a.status == Officer.Status.ACTIVE
    assert RequestEvent.objects.filter(event_type=EventType.ACCOUNT).count() == 2


def test_staff_accounts_cannot_be_managed_here(client_supervisor, reviewer):
    assert (
        client_supervisor.post(f"/legal/agencies/officers/{reviewer.pk}/suspend/", {"reason": "x"}).status_code == 404
    )
    reviewer.refresh_from_db()
    assert reviewer.status == Officer.Status.ACTIVE


def test_unknown_action_is_404(client_supervisor, pending_agency):
    assert client_supervisor.post(f"/legal/agencies/{pending_agency.pk}/delete/").status_code == 404


def test_agency_officers_page(client_supervisor, client_a, officer_a):
    assert "Alice Officer" in client_supervisor.get(f"/legal/agencies/{officer_a.agency.pk}/officers/").content.decode()
    assert client_a.get(f"/legal/agencies/{officer_a.agency.pk}/officers/").status_code == 403
