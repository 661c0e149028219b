"""The legal team's writes: taking a request, reviewing it, deciding per data
category (with four eyes), emergency verification, letters, reminders and
escalation.

Every function is keyword-only and atomic, records its audit event through
requests_app.audit.event_record in the same transaction, and queues side
effects (letters, e-mails) as outbox rows in that transaction
(requests_app.followups.emit). Lifecycle moves go
through requests_app.services.request_transition, which locks the row and
checks the transition map.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from requests_app import dsa_categories, followups, rules
from requests_app import services as core
from requests_app.audit import event_record
from requests_app.documents import store_encrypted
from requests_app.lifecycle import Status, TransitionError
from requests_app.models import Decision, Document, EventType, LegalRequest, Officer, RequestEvent
from requests_app.permissions import is_staff_member, is_supervisor
from requests_app.review.models import EmergencyVerification, Letter
from requests_app.review.selectors import DecisionSummary, decisions_summary, needs_four_eyes
from requests_app.services import PermissionDenied, request_transition

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

Reason = LegalRequest.RejectionReason

# Reason codes a reviewer may choose when rejecting; verification_failed is set only by emergency_verify.
REJECTION_REASONS = [(c.value, c.label) for c in Reason if c != Reason.VERIFICATION_FAILED]

# What each rejection reason means, in words an officer understands (letters and the portal).
REASON_EXPLANATIONS: dict[str, str] = {
    Reason.INSUFFICIENT_PROCESS: "The legal process you sent does not have the legal force needed to compel the data asked for.",
    Reason.OVERBROAD: "The request asks for more data, accounts or time than the legal process and the investigation justify.",
    Reason.WRONG_JURISDICTION: "The legal process was not issued in a jurisdiction, or to an entity, that can compel us.",
    Reason.NO_SUCH_ACCOUNT: "We found no account matching the identifiers in the request.",
    Reason.E2EE: rules.E2EE_EXPLANATION,
    Reason.INVALID_AGENCY: "We could not confirm that the request comes from a competent authority.",
    Reason.VERIFICATION_FAILED: "We could not confirm the emergency with your agency through its official telephone number.",
    Reason.OTHER: "See the note below.",
}


def _require_staff(user: User) -> None:
    if not is_staff_member(user):
        raise PermissionDenied("Only the platform's legal team can do this.")


def _require_supervisor(user: User) -> None:
    if not is_supervisor(user):
        raise PermissionDenied("Only a legal supervisor can do this.")


def _locked(request: LegalRequest) -> LegalRequest:
    return LegalRequest.objects.select_for_update().get(pk=request.pk)


def _refresh(request: LegalRequest) -> LegalRequest:
    request.refresh_from_db()
    return request


def _queue_letter(request: LegalRequest, kind: str, actor: User) -> None:
    # An outbox row in the step's transaction; the task renders and sends it (and retries).
    followups.emit(followups.LETTER_REQUESTED, request_id=request.pk, kind=kind, actor_id=getattr(actor, "pk", None))


# ---------------------------------------------------------------------------------
# Assignment
# ---------------------------------------------------------------------------------


def request_assign(*, request: LegalRequest, assignee: User, actor: User, ip: str | None = None) -> LegalRequest:
    """Give a request to a staff member (or to nobody, assignee=None).

    Anyone on the legal team may take an unassigned request or give back their
    own; moving a request someone else holds takes a supervisor.
    """
    _require_staff(actor)
    if assignee is not None and not is_staff_member(assignee):
        raise PermissionDenied("Requests can only be assigned to active members of the legal team.")
    with transaction.atomic():
        locked = _locked(request)
        if not locked.is_open:
            raise TransitionError(
                f"This request is {locked.get_status_display().lower()}; there is nothing left to assign.",
                code="final_state",
            )
        previous = locked.assignee_id
        if previous == getattr(assignee, "pk", None):
            return _refresh(request)
        taking_own = assignee is not None and assignee.pk == actor.pk and previous is None
        releasing_own = assignee is None and previous == actor.pk
        if not (taking_own or releasing_own) and not is_supervisor(actor):
            raise PermissionDenied(
                "Only a supervisor can reassign a request someone else holds or give it to someone else."
            )
        LegalRequest.objects.filter(pk=locked.pk).update(assignee=assignee, updated_at=timezone.now())
        event_record(
            event_type=EventType.ASSIGNED,
            actor=actor,
            request=locked,
            message=f"Assigned to {_name(assignee)}" if assignee else "Unassigned",
            payload={"from": previous, "to": getattr(assignee, "pk", None)},
            ip=ip,
        )
    return _refresh(request)


def request_dsa_classify(
    *, request: LegalRequest, actor: User, dsa_category: str, art10_2: bool, ip: str | None = None
) -> LegalRequest:
    """A reviewer corrects the DSA illegal-content category and sets whether a national-law order meets
    Reg. 2022/2065 Art. 10(2) (then it is reported as an Art. 10 order to provide information)."""
    _require_staff(actor)
    if not dsa_categories.is_valid(dsa_category):
        raise TransitionError("Choose a category from the DSA list, or none.", code="invalid_category")
    with transaction.atomic():
        locked = _locked(request)
        before = {"dsa_category": locked.dsa_category, "dsa_art10_2": locked.dsa_art10_2}
        after = {"dsa_category": dsa_category, "dsa_art10_2": bool(art10_2)}
        if before == after:
            return _refresh(request)
        LegalRequest.objects.filter(pk=locked.pk).update(**after, updated_at=timezone.now())
        event_record(
            event_type=EventType.CLASSIFIED,
            actor=actor,
            request=locked,
            message="DSA classification changed",
            payload={"from": before, "to": after},
            ip=ip,
        )
    return _refresh(request)


def _name(user: User) -> str:
    officer = getattr(user, "officer", None)
    return (officer.full_name if officer else "") or user.get_username()


# ---------------------------------------------------------------------------------
# Review
# ---------------------------------------------------------------------------------


def review_start(*, request: LegalRequest, actor: User, ip: str | None = None) -> LegalRequest:
    """validated -> in_review: look the targets up, take the request if nobody holds it, acknowledge receipt."""
    _require_staff(actor)
    with transaction.atomic():
        if request.status == Status.AWAITING_VERIFICATION:
            raise TransitionError("Record the out-of-band emergency check first.", code="needs_verification")
        request_transition(request=request, to=Status.IN_REVIEW, actor=actor, reason="Legal review started", ip=ip)
        _after_review_opens(request=request, actor=actor, ip=ip)
    return _refresh(request)


def _after_review_opens(*, request: LegalRequest, actor: User, ip: str | None) -> None:
    from requests_app.production.services import targets_look_up

    targets_look_up(request=request, actor=actor, ip=ip, again=True)
    if request.assignee_id is None:
        request_assign(request=request, assignee=actor, actor=actor, ip=ip)
    _queue_letter(request, Letter.Kind.ACKNOWLEDGEMENT, actor)


def review_request_info(*, request: LegalRequest, actor: User, question: str, ip: str | None = None) -> LegalRequest:
    """in_review -> needs_info: ask the agency a question; the clock stops until it answers."""
    _require_staff(actor)
    question = (question or "").strip()
    if not question:
        raise TransitionError("Write the question the agency should answer.", code="reason_required")
    with transaction.atomic():
        request_transition(
            request=request, to=Status.NEEDS_INFO, actor=actor, reason=question, payload={"question": question}, ip=ip
        )
        _queue_letter(request, Letter.Kind.REQUEST_FOR_INFORMATION, actor)
    return _refresh(request)


def review_resume(*, request: LegalRequest, actor: User, note: str = "", ip: str | None = None) -> LegalRequest:
    """needs_info -> in_review by staff (e.g. the agency answered by telephone); the clock restarts."""
    _require_staff(actor)
    return request_transition(
        request=request, to=Status.IN_REVIEW, actor=actor, reason=note.strip() or "Review resumed", ip=ip
    )


def review_reject(
    *, request: LegalRequest, actor: User, reason_code: str, note: str = "", ip: str | None = None
) -> LegalRequest:
    """validated / in_review -> rejected, with a reason code and a note; a rejection letter follows."""
    _require_staff(actor)
    if reason_code not in dict(REJECTION_REASONS):
        raise TransitionError("Choose one of the listed reasons for the rejection.", code="reason_required")
    label = Reason(reason_code).label
    reason = f"{label}: {note.strip()}" if note.strip() else label
    if reason_code == Reason.OTHER and not note.strip():
        raise TransitionError("Explain the reason in the note when you choose “Other”.", code="reason_required")
    with transaction.atomic():
        request_transition(
            request=request,
            to=Status.REJECTED,
            actor=actor,
            reason=reason,
            payload={"reason_code": reason_code, "note": note.strip()},
            ip=ip,
            rejection_reason=reason_code,
        )
        _queue_letter(request, Letter.Kind.REJECTION, actor)
    return _refresh(request)


# ---------------------------------------------------------------------------------
# Decisions and four eyes
# ---------------------------------------------------------------------------------


def decision_record(
    *,
    request: LegalRequest,
    actor: User,
    category: str,
    verdict: str,
    reason_code: str = "",
    note: str = "",
    ip: str | None = None,
) -> Decision:
    """Approve or deny one requested data category that has no decision yet.

    A category already decided is changed only through decision_change (its own audited
    action, with a reason): saving the decision form twice must not silently re-decide."""
    return _decide(
        request=request, actor=actor, category=category, verdict=verdict, reason_code=reason_code, note=note,
        why=None, ip=ip,
    )  # fmt: skip


def decision_change(
    *,
    request: LegalRequest,
    actor: User,
    category: str,
    verdict: str,
    why: str,
    reason_code: str = "",
    note: str = "",
    ip: str | None = None,
) -> Decision:
    """Change the decision on a category already decided, saying why. The new decision replaces
    the earlier one (and any second approval it had: the four eyes look again)."""
    if not (why or "").strip():
        raise TransitionError("Say why the decision changes.", code="reason_required")
    return _decide(
        request=request, actor=actor, category=category, verdict=verdict, reason_code=reason_code, note=note,
        why=why.strip(), ip=ip,
    )  # fmt: skip


def _decide(
    *,
    request: LegalRequest,
    actor: User,
    category: str,
    verdict: str,
    reason_code: str,
    note: str,
    why: str | None,
    ip: str | None,
) -> Decision:
    _require_staff(actor)
    if verdict not in Decision.Verdict.values:
        raise TransitionError("Choose approve or deny.", code="invalid")
    with transaction.atomic():
        locked = _locked(request)
        if locked.status != Status.IN_REVIEW:
            raise TransitionError(
                f"Decisions can be made only while the request is in review; it is {locked.get_status_display().lower()}.",
                code="wrong_state",
            )
        if category not in locked.data_categories:
            raise TransitionError("The agency did not ask for this data category.", code="invalid")
        info = rules.CATEGORIES[category]
        if verdict == Decision.Verdict.APPROVED and info.e2ee:
            raise TransitionError(rules.E2EE_EXPLANATION, code="e2ee")
        if verdict == Decision.Verdict.DENIED:
            if reason_code not in Reason.values:
                raise TransitionError("Give the reason for denying this category.", code="reason_required")
            if reason_code == Reason.OTHER and not note.strip():
                raise TransitionError("Explain the reason in the note when you choose “Other”.", code="reason_required")
        else:
            reason_code = ""
        four_eyes = needs_four_eyes(locked, category, verdict)
        earlier = Decision.objects.select_for_update().filter(request=locked, category=category).first()
        if why is None and earlier is not None:
            raise TransitionError(
                f"{info.label} is already decided ({earlier.get_verdict_display().lower()}); nothing was changed. "
                "To change it, use “Change decision” and say why.",
                code="already_decided",
            )
        if why is not None and earlier is None:
            raise TransitionError(f"{info.label} has no decision yet; decide it first.", code="not_decided")
        if earlier is not None and (earlier.verdict, earlier.reason_code, earlier.note) == (
            verdict,
            reason_code,
            note.strip(),
        ):
            # Saving the same decision twice would only add a second timeline entry.
            raise TransitionError(
                f"{info.label} is already {earlier.get_verdict_display().lower()}; nothing was changed.",
                code="already_decided",
            )
        previous = (
            {"verdict": earlier.verdict, "reason_code": earlier.reason_code, "approved_by": earlier.approved_by_id}
            if earlier is not None
            else None
        )
        decision, _ = Decision.objects.update_or_create(
            request=locked,
            category=category,
            defaults={
                "verdict": verdict,
                "reason_code": reason_code,
                "note": note.strip(),
                "decided_by": actor,
                "decided_at": timezone.now(),
                "needs_second_approval": four_eyes,
                "approved_by": None,
                "approved_at": None,
            },
        )
        verb = "changed to " if previous else ""
        event_record(
            event_type=EventType.DECISION,
            actor=actor,
            request=locked,
            message=f"{info.label}: {verb}{decision.get_verdict_display().lower()}"
            + (f" ({why})" if why else "")
            + (" (waiting for a supervisor's approval)" if four_eyes else ""),
            payload={
                "decision": decision.pk,
                "category": category,
                "verdict": verdict,
                "reason_code": reason_code,
                "needs_second_approval": four_eyes,
                **({"changed_from": previous, "why": why} if previous else {}),
            },
            ip=ip,
        )
    return decision


def decision_approve(*, decision: Decision, actor: User, ip: str | None = None) -> Decision:
    """The second pair of eyes: a supervisor other than the decider puts a decision into effect."""
    _require_supervisor(actor)
    with transaction.atomic():
        request = _locked(decision.request)
        locked = Decision.objects.select_for_update().get(pk=decision.pk)
        if request.status != Status.IN_REVIEW:
            raise TransitionError("Decisions can be approved only while the request is in review.", code="wrong_state")
        if not locked.needs_second_approval:
            raise TransitionError("This decision takes effect without a second approval.", code="not_needed")
        if locked.approved_at is not None:
            raise TransitionError("This decision is already approved.", code="already_approved")
        if locked.decided_by_id == actor.pk:
            raise PermissionDenied("You made this decision; another supervisor must approve it (four eyes).")
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        locked.save(update_fields=["approved_by", "approved_at"])
        event_record(
            event_type=EventType.DECISION_APPROVED,
            actor=actor,
            request=request,
            message=f"{rules.CATEGORIES[locked.category].label}: approval confirmed by a second supervisor",
            payload={"decision": locked.pk, "category": locked.category, "decided_by": locked.decided_by_id},
            ip=ip,
        )
    return locked


def review_approve(*, request: LegalRequest, actor: User, note: str = "", ip: str | None = None) -> LegalRequest:
    """Conclude the review from the decisions in effect.

    Every requested category approved -> approved; some approved -> partially
    approved; none approved -> rejected (with the first denial's reason). Refused
    while a category has no decision or a decision waits for its second approval.
    """
    _require_staff(actor)
    with transaction.atomic():
        locked = _locked(request)
        if locked.status != Status.IN_REVIEW:
            raise TransitionError(
                f"Only a request in review can be approved; this one is {locked.get_status_display().lower()}.",
                code="wrong_state",
            )
        decisions = list(Decision.objects.filter(request=locked))
        summary = decisions_summary(locked, decisions)
        if summary.missing:
            names = ", ".join(str(rules.CATEGORIES[c].label) for c in summary.missing)
            raise TransitionError(f"Decide every requested category first. Still open: {names}.", code="incomplete")
        if summary.pending:
            names = ", ".join(str(rules.CATEGORIES[c].label) for c in summary.pending)
            raise TransitionError(
                f"A second supervisor must approve these decisions first: {names}.", code="four_eyes_pending"
            )
        payload = {"approved": summary.approved, "denied": summary.denied, "note": note.strip()}
        if not summary.approved:
            first_denial = next(d for d in decisions if d.category == summary.denied[0])
            code = first_denial.reason_code or Reason.OTHER
            request_transition(
                request=request,
                to=Status.REJECTED,
                actor=actor,
                reason=f"Every requested category was denied: {Reason(code).label}",
                payload={**payload, "reason_code": code},
                ip=ip,
                rejection_reason=code,
            )
            _queue_letter(request, Letter.Kind.REJECTION, actor)
        else:
            target = Status.APPROVED if not summary.denied else Status.PARTIALLY_APPROVED
            request_transition(
                request=request,
                to=target,
                actor=actor,
                reason=note.strip() or f"{Status(target).label} after legal review",
                payload=payload,
                ip=ip,
            )
            _queue_letter(request, Letter.Kind.DECISION, actor)
    return _refresh(request)


# ---------------------------------------------------------------------------------
# Emergency verification
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationInput:
    contact_name: str
    directory_number: str
    directory_source: str
    called_at: datetime
    result: str
    note: str = ""
    good_faith_belief: bool = False


def emergency_verify(
    *, request: LegalRequest, actor: User, check: VerificationInput, ip: str | None = None
) -> EmergencyVerification:
    """Record the out-of-band check of an emergency request.

    Confirmed: the request goes into review (targets looked up, taken by the
    checker if unassigned). Failed: it is rejected (verification_failed) and the
    submitting officer's account is flagged for review.
    """
    _require_staff(actor)
    for value, label in (
        (check.contact_name, "whom you spoke to"),
        (check.directory_number, "the number you called"),
        (check.directory_source, "the official directory the number comes from"),
    ):
        if not value.strip():
            raise TransitionError(f"Record {label}.", code="invalid")
    if check.result not in EmergencyVerification.Result.values:
        raise TransitionError("Record whether the agency confirmed the emergency.", code="invalid")
    if check.called_at > timezone.now() + timedelta(minutes=5):
        raise TransitionError("The time of the call cannot be in the future.", code="invalid")
    confirmed = check.result == EmergencyVerification.Result.CONFIRMED
    if confirmed and not check.good_faith_belief:
        # 18 U.S.C. 2702(b)(8), (c)(4): disclosure rests on the provider's good-faith belief.
        raise TransitionError(
            "Confirm that you believe in good faith that the emergency involves danger of death or serious "
            "physical injury (18 U.S.C. 2702(b)(8)); without that belief, treat it as an ordinary request.",
            code="good_faith_required",
        )
    with transaction.atomic():
        locked = _locked(request)
        if locked.status != Status.AWAITING_VERIFICATION:
            raise TransitionError("This request is not waiting for an emergency check.", code="wrong_state")
        verification = EmergencyVerification.objects.create(
            request=locked,
            recorded_by=actor,
            contact_name=check.contact_name.strip(),
            directory_number=check.directory_number.strip(),
            directory_source=check.directory_source.strip(),
            called_at=check.called_at,
            result=check.result,
            note=check.note.strip(),
            good_faith_belief=check.good_faith_belief,
        )
        event_record(
            event_type=EventType.VERIFICATION,
            actor=actor,
            request=locked,
            message="Emergency confirmed by telephone" if confirmed else "Emergency could not be confirmed",
            payload={
                "verification": verification.pk,
                "result": check.result,
                "good_faith_belief": check.good_faith_belief,
                "called_at": check.called_at,
                "directory_source": verification.directory_source,
            },
            ip=ip,
        )
        if confirmed:
            request_transition(request=request, to=Status.IN_REVIEW, actor=actor, reason="Emergency verified", ip=ip)
            _after_review_opens(request=request, actor=actor, ip=ip)
        else:
            request_transition(
                request=request,
                to=Status.REJECTED,
                actor=actor,
                reason=Reason.VERIFICATION_FAILED.label,
                payload={"reason_code": Reason.VERIFICATION_FAILED},
                ip=ip,
                rejection_reason=Reason.VERIFICATION_FAILED,
            )
            _flag_submitter(request=locked, actor=actor, ip=ip)
            _queue_letter(request, Letter.Kind.REJECTION, actor)
    _refresh(request)
    return verification


def _flag_submitter(*, request: LegalRequest, actor: User, ip: str | None) -> None:
    officer = (
        Officer.objects.select_for_update().filter(user_id=request.submitted_by_id).first()
        if request.submitted_by_id is not None
        else None
    )
    if officer is None:
        return
    officer.flagged_at = timezone.now()
    officer.flag_reason = f"Emergency request {request.reference} could not be verified out of band."
    officer.save(update_fields=["flagged_at", "flag_reason"])
    event_record(
        event_type=EventType.ACCOUNT,
        actor=actor,
        request=request,
        message="Submitting officer's account flagged for review",
        payload={"officer": officer.pk, "flagged": True},
        ip=ip,
    )


# ---------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------


def document_open(*, document: Document, actor: User, ip: str | None = None) -> bytes:
    """The legal workspace's opening of a document: staff only, then the core's document_open."""
    _require_staff(actor)
    return core.document_open(document=document, actor=actor, ip=ip)


# ---------------------------------------------------------------------------------
# Letters
# ---------------------------------------------------------------------------------


def letter_send(*, request: LegalRequest, kind: str, actor: User | None = None) -> Letter:
    """Render a letter as PDF, store it on the request (Document kind=letter, SHA-256),
    show it in the agency's timeline and e-mail the submitting officer."""
    from requests_app.review.letters import render_letter

    if kind not in Letter.Kind.values:
        raise ValueError(f"unknown letter kind {kind!r}")
    pdf = render_letter(request=request, kind=kind)
    doc_input_sha = hashlib.sha256(pdf).hexdigest()
    label = Letter.Kind(kind).label
    document = None
    try:
        with transaction.atomic():
            locked = _locked(request)
            document = Document(
                request=locked,
                kind=Document.Kind.LETTER,
                filename=f"{locked.reference}-{kind}.pdf",
                size=len(pdf),
                sha256=doc_input_sha,
                uploaded_by=actor,
                scan_status=Document.Scan.CLEAN,
            )
            document.save()
            store_encrypted(document, pdf, name="letter.bin")
            recipient = getattr(locked.submitted_by, "email", "") or ""
            letter = Letter.objects.create(
                request=locked, kind=kind, document=document, sha256=doc_input_sha, sent_to=recipient, created_by=actor
            )
            event_record(
                event_type=EventType.LETTER,
                actor=actor,
                request=locked,
                public=True,
                message=f"Letter sent: {label}",
                payload={"letter": letter.pk, "kind": kind, "document": document.pk, "sha256": doc_input_sha},
            )
            if recipient:
                letter_id = letter.pk
                followups.emit(followups.MAIL_LETTER_SENT, letter_id=letter_id)
    except BaseException:
        if document is not None and document.file:
            document.file.delete(save=False)
        raise
    return letter


# ---------------------------------------------------------------------------------
# Deadlines: reminders before the due time, escalation after it
# ---------------------------------------------------------------------------------


def reminders_send_due(*, now: datetime | None = None) -> list[int]:
    """Remind whoever holds a request that it falls due within REMINDER_BEFORE_DUE_HOURS.

    Idempotent: one REMINDER event per due time (a due time moved by a pause
    earns a new reminder).
    """

    now = now or timezone.now()
    window = timedelta(hours=settings.REMINDER_BEFORE_DUE_HOURS)
    candidates = (
        LegalRequest.objects.open()
        .filter(clock_paused_at__isnull=True, due_at__gte=now, due_at__lte=now + window)
        .values_list("pk", flat=True)[:1000]
    )
    sent: list[int] = []
    for pk in list(candidates):
        with transaction.atomic():
            request = _locked(LegalRequest(pk=pk))
            key = _due_key(request.due_at)
            if (
                not request.is_open
                or request.clock_paused_at is not None
                or request.due_at is None
                or not (now <= request.due_at <= now + window)
                or RequestEvent.objects.filter(
                    request=request, event_type=EventType.REMINDER, payload__due_at=key
                ).exists()
            ):
                continue
            event_record(
                event_type=EventType.REMINDER,
                request=request,
                message=f"Falls due {request.due_at:%Y-%m-%d %H:%M} UTC",
                payload={"due_at": key, "assignee": request.assignee_id},
                at=now,
            )
            sent.append(pk)
            followups.emit(followups.MAIL_REVIEW_REMINDER, request_id=pk)
    return sent


def _due_key(due_at: datetime | None) -> str:
    assert due_at is not None  # only requests with a deadline are reminded or escalated
    return due_at.astimezone(timezone.get_current_timezone()).isoformat(timespec="seconds")


def request_escalate(*, request_id: int, now: datetime | None = None) -> bool:
    """Tell the supervisors that a request is overdue: one ESCALATED event per due time, plus e-mail.

    The `overdue` follow-up (requests_app.followups), written by the core deadline sweep.
    """

    now = now or timezone.now()
    with transaction.atomic():
        request = LegalRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None or not request.is_overdue(now):
            return False
        key = _due_key(request.due_at)
        if RequestEvent.objects.filter(request=request, event_type=EventType.ESCALATED, payload__due_at=key).exists():
            return False
        event_record(
            event_type=EventType.ESCALATED,
            request=request,
            message=f"Overdue since {request.due_at:%Y-%m-%d %H:%M} UTC: supervisors told",
            payload={"due_at": key, "assignee": request.assignee_id},
            at=now,
        )
        followups.emit(followups.MAIL_REVIEW_ESCALATION, request_id=request_id)
    return True


__all__ = [
    "REJECTION_REASONS",
    "DecisionSummary",
    "VerificationInput",
    "reminders_send_due",
    "decision_approve",
    "decision_change",
    "decision_record",
    "decisions_summary",
    "document_open",
    "emergency_verify",
    "letter_send",
    "request_assign",
    "request_escalate",
    "review_approve",
    "review_reject",
    "review_request_info",
    "review_resume",
    "review_start",
]


# ---------------------------------------------------------------------------------
# Legal safeguards recorded after submission (issue 10)
# ---------------------------------------------------------------------------------


def epoc_validation_record(
    *,
    request: LegalRequest,
    actor: User,
    validated: bool,
    validator: str,
    at: datetime | None = None,
    ip: str | None = None,
) -> LegalRequest:
    """Reg. 2023/1543 Art. 4(5): record the ex-post validation of an emergency order (who, when).
    Validated: production may go ahead. Refused: the order is withdrawn and nothing is produced."""
    _require_staff(actor)
    if not validator.strip():
        raise TransitionError("Name the judge, court or prosecutor who decided on the validation.", code="invalid")
    now = timezone.now()
    at = at or now
    if at > now + timedelta(minutes=5):
        raise TransitionError("The time of the validation cannot be in the future.", code="invalid")
    with transaction.atomic():
        locked = _locked(request)
        if locked.validation_due_at is None:
            raise TransitionError("This order does not wait for an ex-post validation.", code="not_needed")
        if locked.validated_at or locked.validation_refused_at:
            raise TransitionError("The validation of this order is already recorded.", code="already_recorded")
        if validated:
            locked.validated_at = at
        else:
            locked.validation_refused_at = at
        locked.validated_by_name = validator.strip()[:200]
        locked.save(update_fields=["validated_at", "validation_refused_at", "validated_by_name", "updated_at"])
        late = validated and at > locked.validation_due_at
        event_record(
            event_type=EventType.LEGAL,
            actor=actor,
            request=locked,
            public=True,
            message=(
                f"Ex-post validation by {locked.validated_by_name} recorded" + (" (after the 48 hours)" if late else "")
                if validated
                else f"Validation refused by {locked.validated_by_name}: the order is withdrawn"
            ),
            payload={"validated": validated, "at": at, "validator": locked.validated_by_name, "late": late},
            ip=ip,
        )
        if not validated and locked.is_open:
            request_transition(
                request=locked,
                to=Status.WITHDRAWN,
                actor=None,
                reason="The validating authority refused to validate the emergency order (Reg. 2023/1543, Art. 4(5)).",
            )
    return _refresh(request)


ENFORCING_EVENTS = {
    # Art. 8(1): the issuing authority notified the enforcing State (the day counts, Art. 10(2)).
    "notified": ("enforcing_notified_at", "The enforcing State was notified of the order (Art. 8(1))"),
    # Art. 10(2): the enforcing authority confirms before the 10 days: transfer may go ahead.
    "confirmed": ("enforcing_confirmed_at", "The enforcing authority confirmed it raises no ground for refusal"),
    # Art. 12: the enforcing authority raised a ground for refusal: the data must not be transferred.
    "refused": ("enforcing_refused_at", "The enforcing authority raised a ground for refusal (Art. 12)"),
}


def enforcing_state_record(
    *, request: LegalRequest, actor: User, event: str, at: datetime | None = None, ip: str | None = None
) -> LegalRequest:
    """Reg. 2023/1543 Art. 8, 10(2), 12: record the enforcing State's notification and its answer."""
    _require_staff(actor)
    if event not in ENFORCING_EVENTS:
        raise TransitionError("Record a notification, a confirmation or a refusal.", code="invalid")
    field_name, message = ENFORCING_EVENTS[event]
    at = at or timezone.now()
    with transaction.atomic():
        locked = _locked(request)
        if not locked.enforcing_notification_required:
            raise TransitionError("This order does not need a notification of the enforcing State.", code="not_needed")
        if event != "notified" and locked.enforcing_notified_at is None:
            raise TransitionError("Record the notification of the enforcing State first.", code="wrong_order")
        if getattr(locked, field_name) is not None:
            raise TransitionError("This is already recorded.", code="already_recorded")
        setattr(locked, field_name, at)
        locked.save(update_fields=[field_name, "updated_at"])
        event_record(
            event_type=EventType.LEGAL, actor=actor, request=locked, public=True, message=message,
            payload={"enforcing": event, "at": at}, ip=ip,
        )  # fmt: skip
    return _refresh(request)
