"""Review services: every action and the refused ones (wrong state, wrong role, four eyes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from requests_app.lifecycle import Status, TransitionError
from requests_app.models import Decision, EventType, RequestEvent, Target
from requests_app.review import services as svc
from requests_app.review.models import EmergencyVerification, Letter
from requests_app.services import PermissionDenied

pytestmark = pytest.mark.django_db


def events(lr, event_type):
    return list(RequestEvent.objects.filter(request=lr, event_type=event_type).order_by("id"))


def check(result="confirmed", **kw):
    data = dict(
        contact_name="Duty inspector J. Smith",
        directory_number="+44 20 7230 1212",
        directory_source="Home Office police directory 2026",
        called_at=timezone.now() - timedelta(minutes=5),
        result=result,
        good_faith_belief=result == "confirmed",
    )
    data.update(kw)
    return svc.VerificationInput(**data)


# --- start, targets, assignment -----------------------------------------------------


def test_review_start_looks_up_targets_assigns_and_queues_acknowledgement(
    lr, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        svc.review_start(request=lr, actor=reviewer.user)
    assert lr.status == Status.IN_REVIEW
    assert lr.assignee == reviewer.user
    lookups = dict(Target.objects.filter(request=lr).values_list("value", "lookup"))
    assert lookups == {"+12025550143": "found", "some_user": "found", "unknown_person": "not_found"}
    assert events(lr, EventType.SENSITIVE_VIEW)[0].payload["lookup"] == {"found": 2, "not_found": 1, "e2ee_only": 0}
    assert events(lr, EventType.ASSIGNED)[0].actor == reviewer.user
    assert len(callbacks) >= 2  # transition signal + the acknowledgement letter


def test_review_start_refused_for_officer_and_wrong_state(lr, officer_a, reviewer):
    with pytest.raises(PermissionDenied):
        svc.review_start(request=lr, actor=officer_a.user)
    svc.review_start(request=lr, actor=reviewer.user)
    with pytest.raises(TransitionError):
        svc.review_start(request=lr, actor=reviewer.user)
    assert len(events(lr, EventType.ASSIGNED)) == 1


def test_review_start_refused_before_emergency_verification(emergency_lr, reviewer):
    with pytest.raises(TransitionError, match="out-of-band"):
        svc.review_start(request=emergency_lr, actor=reviewer.user)
    emergency_lr.refresh_from_db()
    assert emergency_lr.status == Status.AWAITING_VERIFICATION


def test_assign_rules(lr, reviewer, supervisor, officer_a):
    from tests.factories import StaffFactory

    other = StaffFactory(full_name="Other Reviewer")
    svc.request_assign(request=lr, assignee=reviewer.user, actor=reviewer.user)  # take it
    with pytest.raises(PermissionDenied, match="supervisor"):
        svc.request_assign(request=lr, assignee=other.user, actor=other.user)  # grab someone else's
    with pytest.raises(PermissionDenied, match="legal team"):
        svc.request_assign(request=lr, assignee=officer_a.user, actor=supervisor.user)
    svc.request_assign(request=lr, assignee=other.user, actor=supervisor.user)  # supervisor reassigns
    assert lr.assignee == other.user
    svc.request_assign(request=lr, assignee=None, actor=other.user)  # gives it back
    assert lr.assignee is None
    assert [e.payload["to"] for e in events(lr, EventType.ASSIGNED)] == [reviewer.user.pk, other.user.pk, None]
    svc.review_reject(request=lr, actor=supervisor.user, reason_code="overbroad")
    with pytest.raises(TransitionError, match="nothing left to assign"):
        svc.request_assign(request=lr, assignee=reviewer.user, actor=reviewer.user)


# --- request for information and the clock --------------------------------------------


def test_request_info_pauses_clock_and_resume_extends_due(lr, reviewer, time_machine):
    time_machine.move_to(lr.received_at + timedelta(hours=1), tick=False)
    svc.review_start(request=lr, actor=reviewer.user)
    due = lr.due_at
    svc.review_request_info(request=lr, actor=reviewer.user, question="Send the signed warrant, page 2 is missing.")
    assert lr.status == Status.NEEDS_INFO and lr.clock_paused_at is not None
    time_machine.move_to(lr.due_at + timedelta(days=3), tick=False)  # long past the original due time
    assert not lr.is_overdue()
    from requests_app.models import LegalRequest

    assert not LegalRequest.objects.overdue().filter(pk=lr.pk).exists()
    svc.review_resume(request=lr, actor=reviewer.user, note="Agency sent page 2 by e-mail")
    assert lr.status == Status.IN_REVIEW and lr.clock_paused_at is None
    assert lr.due_at == due + (timezone.now() - (lr.received_at + timedelta(hours=1)))
    assert not lr.is_overdue()


def test_request_info_needs_a_question(lr, reviewer):
    svc.review_start(request=lr, actor=reviewer.user)
    with pytest.raises(TransitionError, match="question"):
        svc.review_request_info(request=lr, actor=reviewer.user, question="  ")
    assert lr.status == Status.IN_REVIEW


# --- reject -----------------------------------------------------------------------------


def test_reject_with_reason_code(lr, reviewer):
    svc.review_start(request=lr, actor=reviewer.user)
    svc.review_reject(request=lr, actor=reviewer.user, reason_code="overbroad", note="Two years of chats for a theft.")
    assert lr.status == Status.REJECTED and lr.rejection_reason == "overbroad" and lr.outcome == "rejected"
    ev = RequestEvent.objects.filter(request=lr, to_status=Status.REJECTED).get()
    assert ev.public and ev.payload["reason_code"] == "overbroad"


def test_reject_refuses_unknown_reason_other_without_note_and_final_state(lr, reviewer):
    with pytest.raises(TransitionError):
        svc.review_reject(request=lr, actor=reviewer.user, reason_code="verification_failed")
    with pytest.raises(TransitionError, match="Explain"):
        svc.review_reject(request=lr, actor=reviewer.user, reason_code="other")
    svc.review_reject(request=lr, actor=reviewer.user, reason_code="insufficient_process")
    with pytest.raises(TransitionError, match="cannot change"):
        svc.review_reject(request=lr, actor=reviewer.user, reason_code="overbroad")


# --- decisions, four eyes, approval -------------------------------------------------------


def test_content_approval_needs_a_second_supervisor(lr, reviewer, supervisor, supervisor2):
    svc.review_start(request=lr, actor=reviewer.user)
    basic = svc.decision_record(request=lr, actor=reviewer.user, category="subscriber_info", verdict="approved")
    content = svc.decision_record(request=lr, actor=supervisor.user, category="cloud_chat_content", verdict="approved")
    assert basic.in_effect and not basic.needs_second_approval
    assert content.needs_second_approval and not content.in_effect
    with pytest.raises(TransitionError, match="second supervisor"):
        svc.review_approve(request=lr, actor=reviewer.user)
    with pytest.raises(PermissionDenied, match="another supervisor"):
        svc.decision_approve(decision=content, actor=supervisor.user)  # own decision
    with pytest.raises(PermissionDenied, match="supervisor"):
        svc.decision_approve(decision=content, actor=reviewer.user)  # wrong role
    with pytest.raises(TransitionError, match="without a second"):
        svc.decision_approve(decision=basic, actor=supervisor2.user)
    svc.decision_approve(decision=content, actor=supervisor2.user)
    with pytest.raises(TransitionError, match="already"):
        svc.decision_approve(decision=content, actor=supervisor2.user)
    svc.review_approve(request=lr, actor=reviewer.user)
    assert lr.status == Status.APPROVED and lr.decided_at is not None
    assert [e.event_type for e in RequestEvent.objects.filter(request=lr, event_type__startswith="decision")] == [
        "decision",
        "decision",
        "decision_approved",
    ]


def test_redeciding_resets_second_approval(lr, reviewer, supervisor):
    svc.review_start(request=lr, actor=reviewer.user)
    d = svc.decision_record(request=lr, actor=reviewer.user, category="cloud_chat_content", verdict="approved")
    svc.decision_approve(decision=d, actor=supervisor.user)
    # Re-deciding through the decision form is refused: a decided category changes only by decision_change.
    with pytest.raises(TransitionError, match="already decided .*Change decision"):
        svc.decision_record(
            request=lr, actor=reviewer.user, category="cloud_chat_content", verdict="approved", note="x"
        )
    with pytest.raises(TransitionError, match="Say why"):
        svc.decision_change(
            request=lr, actor=reviewer.user, category="cloud_chat_content", verdict="approved", note="x", why=" "
        )
    d = svc.decision_change(
        request=lr, actor=reviewer.user, category="cloud_chat_content", verdict="approved", note="x",
        why="the warrant covers only part of the period",
    )  # fmt: skip
    assert d.approved_at is None and not d.in_effect
    assert Decision.objects.filter(request=lr).count() == 1
    event = RequestEvent.objects.filter(request=lr, event_type=EventType.DECISION).order_by("-id").first()
    assert event.payload["changed_from"]["verdict"] == "approved"
    assert event.payload["why"] == "the warrant covers only part of the period"


@pytest.mark.parametrize(
    ("first", "change", "error"),
    [
        (None, dict(verdict="approved"), "no decision yet"),
        (dict(verdict="approved"), dict(verdict="approved"), "nothing was changed"),
        (dict(verdict="approved"), dict(verdict="denied"), "reason for denying"),
        (dict(verdict="approved"), dict(verdict="denied", reason_code="overbroad"), None),
        (dict(verdict="denied", reason_code="overbroad"), dict(verdict="approved"), None),
    ],
)
def test_decision_change_table(lr, reviewer, first, change, error):
    svc.review_start(request=lr, actor=reviewer.user)
    if first:
        svc.decision_record(request=lr, actor=reviewer.user, category="subscriber_info", **first)
    call = lambda: svc.decision_change(  # noqa: E731
        request=lr, actor=reviewer.user, category="subscriber_info", why="new facts from the agency", **change
    )
    if error:
        with pytest.raises(TransitionError, match=error):
            call()
    else:
        assert call().verdict == change["verdict"]


def test_partial_approval(lr, reviewer):
    svc.review_start(request=lr, actor=reviewer.user)
    svc.decision_record(request=lr, actor=reviewer.user, category="subscriber_info", verdict="approved")
    with pytest.raises(TransitionError, match="Cloud chat content"):
        svc.review_approve(request=lr, actor=reviewer.user)  # undecided category
    with pytest.raises(TransitionError, match="reason"):
        svc.decision_record(request=lr, actor=reviewer.user, category="cloud_chat_content", verdict="denied")
    svc.decision_record(
        request=lr, actor=reviewer.user, category="cloud_chat_content", verdict="denied", reason_code="overbroad"
    )
    svc.review_approve(request=lr, actor=reviewer.user)
    assert lr.status == Status.PARTIALLY_APPROVED


def test_all_denied_rejects(lr, reviewer):
    svc.review_start(request=lr, actor=reviewer.user)
    for c in lr.data_categories:
        svc.decision_record(
            request=lr, actor=reviewer.user, category=c, verdict="denied", reason_code="insufficient_process"
        )
    svc.review_approve(request=lr, actor=reviewer.user)
    assert lr.status == Status.REJECTED and lr.rejection_reason == "insufficient_process"


def test_decision_refusals(lr, reviewer, officer_a):
    with pytest.raises(TransitionError, match="in review"):
        svc.decision_record(request=lr, actor=reviewer.user, category="subscriber_info", verdict="approved")
    svc.review_start(request=lr, actor=reviewer.user)
    with pytest.raises(PermissionDenied):
        svc.decision_record(request=lr, actor=officer_a.user, category="subscriber_info", verdict="approved")
    with pytest.raises(TransitionError, match="did not ask"):
        svc.decision_record(request=lr, actor=reviewer.user, category="contacts", verdict="approved")
    with pytest.raises(TransitionError, match="approve or deny"):
        svc.decision_record(request=lr, actor=reviewer.user, category="subscriber_info", verdict="maybe")
    with pytest.raises(PermissionDenied):
        svc.review_approve(request=lr, actor=officer_a.user)
    assert not Decision.objects.filter(request=lr).exists()


# --- emergency verification -----------------------------------------------------------


@pytest.mark.usefixtures("supervisor")
def test_emergency_confirmed_goes_to_review_and_any_approval_needs_four_eyes(emergency_lr, reviewer):
    v = svc.emergency_verify(request=emergency_lr, actor=reviewer.user, check=check())
    assert emergency_lr.status == Status.IN_REVIEW and emergency_lr.assignee == reviewer.user
    assert EmergencyVerification.objects.get() == v and v.recorded_by == reviewer.user
    assert events(emergency_lr, EventType.VERIFICATION)[0].payload["result"] == "confirmed"
    d = svc.decision_record(request=emergency_lr, actor=reviewer.user, category="subscriber_info", verdict="approved")
    assert d.needs_second_approval  # non-content, but an emergency disclosure
    denied = svc.decision_record(
        request=emergency_lr, actor=reviewer.user, category="ip_logs", verdict="denied", reason_code="overbroad"
    )
    assert not denied.needs_second_approval


def test_emergency_failed_rejects_and_flags_officer(emergency_lr, reviewer, officer_a):
    svc.emergency_verify(
        request=emergency_lr, actor=reviewer.user, check=check(result="failed", note="Nobody by that name")
    )
    assert emergency_lr.status == Status.REJECTED and emergency_lr.rejection_reason == "verification_failed"
    officer_a.refresh_from_db()
    assert officer_a.flagged_at is not None and emergency_lr.reference in officer_a.flag_reason
    assert events(emergency_lr, EventType.ACCOUNT)[0].payload == {"officer": officer_a.pk, "flagged": True}


def test_emergency_verify_refusals(emergency_lr, lr, reviewer, officer_a):
    with pytest.raises(PermissionDenied):
        svc.emergency_verify(request=emergency_lr, actor=officer_a.user, check=check())
    with pytest.raises(TransitionError, match="number"):
        svc.emergency_verify(request=emergency_lr, actor=reviewer.user, check=check(directory_number=" "))
    with pytest.raises(TransitionError, match="future"):
        svc.emergency_verify(
            request=emergency_lr, actor=reviewer.user, check=check(called_at=timezone.now() + timedelta(hours=2))
        )
    with pytest.raises(TransitionError, match="not waiting"):
        svc.emergency_verify(request=lr, actor=reviewer.user, check=check())
    assert not EmergencyVerification.objects.exists()


# --- documents ----------------------------------------------------------------------------


def test_document_open_is_audited(lr, reviewer, officer_a):
    doc = lr.documents.get()
    with pytest.raises(PermissionDenied):
        svc.document_open(document=doc, actor=officer_a.user)
    content = svc.document_open(document=doc, actor=reviewer.user, ip="10.0.0.1")
    assert content.startswith(b"%PDF-")
    ev = events(lr, EventType.DOCUMENT_VIEWED)
    assert len(ev) == 1 and ev[0].actor == reviewer.user and ev[0].payload["document"] == doc.pk


def test_letters_queued_on_commit_and_sent(lr, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        svc.review_start(request=lr, actor=reviewer.user)
    letter = Letter.objects.get(request=lr)
    assert letter.kind == "acknowledgement" and letter.document.kind == "letter"
    assert [m.to for m in mail.outbox] == [["alice@met.police.example"]]
    assert lr.reference in mail.outbox[0].subject
