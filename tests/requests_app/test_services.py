"""request_submit and request_transition: all-or-nothing writes with their events."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from requests_app import rules
from requests_app.documents import DocumentError, DocumentInput
from requests_app.lifecycle import Status, TransitionError
from requests_app.models import Document, EventType, LegalRequest, RequestEvent, Target
from requests_app.services import (
    PermissionDenied,
    SubmissionRefused,
    deadlines_sweep,
    request_submit,
    request_transition,
)
from tests.factories import minimal_pdf, warrant

pytestmark = pytest.mark.django_db


def pdf(name="warrant.pdf") -> DocumentInput:
    return DocumentInput(name, minimal_pdf())


def test_submit_saves_request_targets_documents_and_events(officer_a):
    request = request_submit(actor=officer_a.user, data=warrant(), documents=[pdf()])
    request.refresh_from_db()
    assert request.reference == f"LR-{request.received_at.year}-{request.pk:06d}"
    assert request.status == Status.VALIDATED
    assert request.agency == officer_a.agency
    assert sorted(Target.objects.filter(request=request).values_list("value", flat=True)) == [
        "+12025550143",
        "some_user",
    ]
    document = Document.objects.get(request=request)
    assert document.size == len(minimal_pdf())
    assert minimal_pdf() not in document.file.open("rb").read()  # stored encrypted
    types = list(RequestEvent.objects.filter(request=request).values_list("event_type", "to_status"))
    assert types == [(EventType.SUBMITTED, Status.SUBMITTED), (EventType.TRANSITION, Status.VALIDATED)]
    assert request.due_at == request.received_at + timedelta(days=14)


def test_emergency_goes_to_verification_with_hours_deadline(officer_a):
    data = warrant(
        request_type="emergency",
        emergency=True,
        emergency_justification="A 12-year-old was abducted an hour ago; the suspect threatened to kill her.",
        emergency_attested=True,
    )
    request = request_submit(actor=officer_a.user, data=data, documents=[], acknowledge_warnings=True)
    assert request.status == Status.AWAITING_VERIFICATION
    assert request.due_at - request.received_at == timedelta(hours=8)


def test_rule_errors_refuse_and_save_nothing(officer_a):
    data = warrant(request_type="subpoena", data_categories=["secret_chat_content", "cloud_chat_content"])
    with pytest.raises(SubmissionRefused) as exc:
        request_submit(actor=officer_a.user, data=data, documents=[pdf()])
    codes = {f.code for f in exc.value.findings}
    assert {"e2ee_category", "category_not_compellable"} <= codes
    assert LegalRequest.objects.count() == 0
    assert Target.objects.count() == 0
    assert RequestEvent.objects.count() == 0


def test_warnings_need_acknowledgement(officer_a):
    data = warrant(date_from=None, date_to=None)
    with pytest.raises(SubmissionRefused) as exc:
        request_submit(actor=officer_a.user, data=data, documents=[pdf()])
    assert exc.value.needs_acknowledgement
    assert LegalRequest.objects.count() == 0
    assert request_submit(actor=officer_a.user, data=data, documents=[pdf()], acknowledge_warnings=True).pk


def test_fake_pdf_refused_and_nothing_saved(officer_a):
    with pytest.raises(DocumentError) as exc:
        request_submit(
            actor=officer_a.user, data=warrant(), documents=[DocumentInput("w.pdf", b"MZ\x90\x00 not a pdf")]
        )
    assert exc.value.code == "not_pdf"
    assert LegalRequest.objects.count() == 0


def test_staff_cannot_submit(reviewer):
    with pytest.raises(PermissionDenied):
        request_submit(actor=reviewer.user, data=warrant(), documents=[pdf()])


def test_duplicate_request_is_a_warning(officer_a):
    first = request_submit(actor=officer_a.user, data=warrant(), documents=[pdf()])
    with pytest.raises(SubmissionRefused) as exc:
        request_submit(actor=officer_a.user, data=warrant(), documents=[pdf()])
    dup = [f for f in exc.value.findings if f.code == "duplicate_request"]
    assert dup and first.reference in dup[0].message and dup[0].severity is rules.Severity.WARNING


def test_transition_by_other_agency_refused(officer_a, officer_b):
    request = request_submit(actor=officer_a.user, data=warrant(), documents=[pdf()])
    with pytest.raises(PermissionDenied):
        request_transition(request=request, to=Status.WITHDRAWN, actor=officer_b.user)
    request.refresh_from_db()
    assert request.status == Status.VALIDATED


def test_refused_transition_writes_nothing(officer_a, reviewer):
    request = request_submit(actor=officer_a.user, data=warrant(), documents=[pdf()])
    before = RequestEvent.objects.count()
    with pytest.raises(TransitionError):
        request_transition(request=request, to=Status.DELIVERED, actor=reviewer.user)
    assert RequestEvent.objects.count() == before


def test_clock_pauses_while_waiting_on_agency(officer_a, reviewer):
    request = request_submit(actor=officer_a.user, data=warrant(), documents=[pdf()])
    due = request.due_at
    t0 = timezone.now()
    request_transition(request=request, to=Status.IN_REVIEW, actor=reviewer.user, at=t0)
    request_transition(request=request, to=Status.NEEDS_INFO, actor=reviewer.user, reason="Which account?", at=t0)
    assert request.clock_paused_at == t0
    assert not request.is_overdue(due + timedelta(days=30))  # paused: never overdue
    request_transition(request=request, to=Status.IN_REVIEW, actor=officer_a.user, at=t0 + timedelta(days=3))
    assert request.due_at == due + timedelta(days=3)
    assert request.clock_paused_at is None


def test_sweep_marks_overdue_once(officer_a):
    request = request_submit(actor=officer_a.user, data=warrant(), documents=[pdf()])
    later = request.due_at + timedelta(minutes=1)
    assert deadlines_sweep(now=later) == [request.pk]
    assert deadlines_sweep(now=later + timedelta(hours=1)) == []
    assert RequestEvent.objects.filter(request=request, event_type=EventType.OVERDUE).count() == 1
    assert deadlines_sweep(now=request.due_at - timedelta(hours=1)) == []


def test_delivered_request_is_never_overdue():
    from tests.factories import LegalRequestFactory

    past = timezone.now() - timedelta(days=2)
    delivered = LegalRequestFactory(status=Status.DELIVERED, due_at=past)
    producing = LegalRequestFactory(status=Status.PRODUCING, due_at=past)
    assert not delivered.is_overdue() and producing.is_overdue()
    assert list(LegalRequest.objects.overdue()) == [producing]


def test_a_transition_saves_only_what_it_changed_and_keeps_updated_at_current(officer_a, reviewer):
    request = request_submit(actor=officer_a.user, data=warrant(), documents=[pdf()])
    before = LegalRequest.objects.get(pk=request.pk)
    # Another writer changes a column the transition does not touch; the transition must not overwrite it.
    LegalRequest.objects.filter(pk=request.pk).update(legal_basis="18 U.S.C. 2703(c)")
    later = before.updated_at + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        request_transition(request=request, to=Status.IN_REVIEW, actor=reviewer.user)
    after = LegalRequest.objects.get(pk=request.pk)
    assert after.status == Status.IN_REVIEW
    assert after.legal_basis == "18 U.S.C. 2703(c)"
    assert after.updated_at == later
    assert after.reference == before.reference == f"LR-{after.received_at.year}-{after.pk:06d}"
