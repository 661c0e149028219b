"""Issue 16: verifying an agency records how it was checked (call-back, official directory, ...),
the agencies page shows that evidence, and the agency page shows its history."""

from __future__ import annotations

import pytest

from requests_app.intake import services
from requests_app.models import Agency, EventType, RequestEvent
from requests_app.services import PermissionDenied
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

EVIDENCE = "Called +44 20 7230 1212 from the Home Office police directory; Insp. Shah confirmed"


@pytest.fixture
def pending(db):
    return AgencyFactory(name="New Force", verification_status=Agency.Verification.PENDING, verified_at=None)


def test_verification_needs_a_method_and_evidence_and_nothing_is_saved_without(client_supervisor, pending):
    for data, words in (
        ({"evidence": EVIDENCE}, "Choose how you checked the agency"),
        ({"method": "telepathy", "evidence": EVIDENCE}, "Choose how you checked the agency"),
        ({"method": "call_back", "evidence": "  "}, "Write down the evidence"),
    ):
        html = client_supervisor.post(f"/legal/agencies/{pending.pk}/verify/", data, follow=True).content.decode()
        assert words in html
        pending.refresh_from_db()
        assert pending.verification_status == Agency.Verification.PENDING
    assert not RequestEvent.objects.filter(agency=pending, event_type=EventType.AGENCY).exists()


@pytest.mark.usefixtures("supervisor")
def test_evidence_is_recorded_audited_and_shown(client_supervisor, pending):
    client_supervisor.post(f"/legal/agencies/{pending.pk}/verify/", {"method": "call_back", "evidence": EVIDENCE})
    pending.refresh_from_db()
    assert pending.verification_method == "call_back" and pending.verification_evidence == EVIDENCE
    event = RequestEvent.objects.get(agency=pending, event_type=EventType.AGENCY)
    assert event.payload["method"] == "call_back" and event.payload["evidence"] == EVIDENCE
    listing = client_supervisor.get("/legal/agencies/").content.decode()
    assert "Call-back to a number from an official directory" in listing and "Insp. Shah confirmed" in listing
    page = client_supervisor.get(f"/legal/agencies/{pending.pk}/officers/").content.decode()
    assert 'id="evidence"' in page and "Insp. Shah confirmed" in page


def test_history_shows_verification_suspension_and_reinstatement(supervisor, client_supervisor, pending):
    services.agency_verify(
        agency=pending, actor=supervisor.user, method="official_directory", evidence="Listed in the 2026 directory"
    )
    services.agency_suspend(agency=pending, actor=supervisor.user, reason="Impersonation reported")
    services.agency_verify(
        agency=pending, actor=supervisor.user, method="call_back", evidence="Chief confirmed by call-back"
    )
    page = client_supervisor.get(f"/legal/agencies/{pending.pk}/officers/").content.decode()
    history = page[page.index('id="history"') :]
    newest, middle, oldest = (
        history.index("Chief confirmed by call-back"),
        history.index("Impersonation reported"),
        history.index("Listed in the 2026 directory"),
    )
    assert newest < middle < oldest


def test_reviewers_and_officers_cannot_verify(reviewer, officer_a, client_reviewer, client_a, pending):
    for user in (reviewer.user, officer_a.user):
        with pytest.raises(PermissionDenied):
            services.agency_verify(agency=pending, actor=user, method="call_back", evidence=EVIDENCE)
    data = {"method": "call_back", "evidence": EVIDENCE}
    assert client_reviewer.post(f"/legal/agencies/{pending.pk}/verify/", data).status_code == 403
    assert client_a.post(f"/legal/agencies/{pending.pk}/verify/", data).status_code == 403
    assert client_reviewer.get(f"/legal/agencies/{pending.pk}/officers/").status_code == 403
    pending.refresh_from_db()
    assert pending.verification_status == Agency.Verification.PENDING


@pytest.mark.usefixtures("pending", "officer_a")
def test_agencies_page_uses_one_refusing_verb_and_confirms_it(client_supervisor):
    html = client_supervisor.get("/legal/agencies/").content.decode()
    assert "Refuse" not in html and ">Reject" not in html
    # Every suspend button sits in a closed disclosure, behind a reason and a confirmation.
    assert html.count('class="btn danger">Suspend</button>') == html.count('data-confirm="Suspend ')
    assert html.count('class="btn danger">Suspend</button>') >= 2
    assert html.count('<details class="agency-suspend">') == html.count('class="btn danger">Suspend</button>')
