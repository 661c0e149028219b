"""The request lifecycle: states, allowed transitions, who may take each.

This module is the diagram in docs/legal-workflow.md written as data. The
service that applies a transition is requests_app.services.request_transition.

    submitted -> validated --------------> in_review -> approved ----------> producing -> delivered -> closed
        |     \\-> awaiting_verification -/   |     \\-> partially_approved -/
        |                  \\-> rejected      |-> needs_info -> (agency answers) -> in_review
        |                                    \\-> rejected
        \\-> invalid
    withdrawn: by the agency, from any open state
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from requests_app.exceptions import Refused


# Labels are translated where shown (the officer's pages and e-mails; issue 16).
class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VALIDATED = "validated", _("Validated")
    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting emergency verification")
    IN_REVIEW = "in_review", _("In legal review")
    NEEDS_INFO = "needs_info", _("Waiting for information from the agency")
    APPROVED = "approved", _("Approved")
    PARTIALLY_APPROVED = "partially_approved", _("Partially approved")
    PRODUCING = "producing", _("Producing records")
    DELIVERED = "delivered", _("Delivered")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    INVALID = "invalid", _("Invalid")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Defined once: a request in one of these states never moves again.
FINAL_STATES = frozenset({Status.CLOSED, Status.REJECTED, Status.INVALID, Status.WITHDRAWN})
OPEN_STATES = frozenset(set(Status) - FINAL_STATES)
# The clock stops while the request waits on the agency.
PAUSED_STATES = frozenset({Status.NEEDS_INFO})
# The answer deadline runs until the records are delivered (or the request ends);
# while waiting on the agency it is paused (clock_paused_at), not stopped.
DEADLINE_STATES = frozenset(OPEN_STATES - {Status.DELIVERED})
# States in which a request counts as decided (for "time to respond").
DECIDED_STATES = frozenset({Status.APPROVED, Status.PARTIALLY_APPROVED, Status.REJECTED})


class Actor(models.TextChoices):
    SYSTEM = "system", "The system"  # automatic validation, Celery tasks
    AGENCY = "agency", "An officer of the requesting agency"
    REVIEWER = "reviewer", "A legal reviewer"
    SUPERVISOR = "supervisor", "A legal supervisor"


STAFF = frozenset({Actor.REVIEWER, Actor.SUPERVISOR})


@dataclass(frozen=True)
class Transition:
    source: Status
    target: Status
    actors: frozenset[Actor]
    needs_reason: bool = False  # a free-text reason must be given
    public: bool = True  # shown in the agency's timeline


def _t(source: Status, target: Status, actors: frozenset[Actor] | set[Actor], **kw: bool) -> Transition:
    return Transition(source, target, frozenset(actors), **kw)


S = Status
_SYS = {Actor.SYSTEM}
_STAFF_OR_SYS = STAFF | _SYS

TRANSITIONS: dict[tuple[Status, Status], Transition] = {
    (t.source, t.target): t
    for t in [
        _t(S.SUBMITTED, S.VALIDATED, _SYS),
        _t(S.SUBMITTED, S.AWAITING_VERIFICATION, _SYS),  # emergencies are checked out of band first
        _t(S.SUBMITTED, S.INVALID, _SYS, needs_reason=True),
        _t(S.VALIDATED, S.IN_REVIEW, STAFF),
        _t(S.VALIDATED, S.REJECTED, STAFF, needs_reason=True),
        _t(S.AWAITING_VERIFICATION, S.IN_REVIEW, STAFF),  # the out-of-band check succeeded
        _t(S.AWAITING_VERIFICATION, S.REJECTED, STAFF, needs_reason=True),  # it failed
        _t(S.IN_REVIEW, S.NEEDS_INFO, STAFF, needs_reason=True),
        _t(S.NEEDS_INFO, S.IN_REVIEW, {Actor.AGENCY, *STAFF}),  # the agency answered (or staff resume)
        _t(S.IN_REVIEW, S.APPROVED, STAFF),
        _t(S.IN_REVIEW, S.PARTIALLY_APPROVED, STAFF),
        _t(S.IN_REVIEW, S.REJECTED, STAFF, needs_reason=True),
        _t(S.APPROVED, S.PRODUCING, _STAFF_OR_SYS),
        _t(S.PARTIALLY_APPROVED, S.PRODUCING, _STAFF_OR_SYS),
        # Nothing to produce: a preservation request (data kept, nothing disclosed) or no account found.
        _t(S.APPROVED, S.CLOSED, _STAFF_OR_SYS, needs_reason=True),
        _t(S.PARTIALLY_APPROVED, S.CLOSED, _STAFF_OR_SYS, needs_reason=True),
        _t(S.PRODUCING, S.DELIVERED, _STAFF_OR_SYS),
        _t(S.PRODUCING, S.APPROVED, _STAFF_OR_SYS, needs_reason=True, public=False),  # build failed; retry later
        _t(S.DELIVERED, S.CLOSED, _STAFF_OR_SYS),
        # By the agency; or by the system when a validating authority refuses ex-post validation
        # (Reg. 2023/1543, Art. 4(5)).
        *[_t(s, S.WITHDRAWN, {Actor.AGENCY, Actor.SYSTEM}, needs_reason=False) for s in sorted(OPEN_STATES)],
    ]
}


class TransitionError(Refused):
    """A transition that is not allowed; the message says why, in plain words."""

    def __init__(self, message: str, *, code: str = "transition_refused") -> None:
        super().__init__(message, code=code)


# The workspace's buttons, each named after the transitions it takes. Pages ask actions_for()
# which to offer, so the rule "who may do what, when" lives only in TRANSITIONS.
ACTIONS: dict[str, tuple[tuple[Status, Status], ...]] = {
    "start_review": ((S.VALIDATED, S.IN_REVIEW),),
    "verify_emergency": ((S.AWAITING_VERIFICATION, S.IN_REVIEW), (S.AWAITING_VERIFICATION, S.REJECTED)),
    "resume_review": ((S.NEEDS_INFO, S.IN_REVIEW),),
    "ask_info": ((S.IN_REVIEW, S.NEEDS_INFO),),
    "decide": ((S.IN_REVIEW, S.APPROVED), (S.IN_REVIEW, S.PARTIALLY_APPROVED)),
    "reject": ((S.VALIDATED, S.REJECTED), (S.IN_REVIEW, S.REJECTED)),
}
assert all(pair in TRANSITIONS for pairs in ACTIONS.values() for pair in pairs), "ACTIONS names a missing transition"


def actions_for(source: str, actor: Actor) -> frozenset[str]:
    """The names of the ACTIONS this actor may take on a request in `source`."""
    return frozenset(
        name
        for name, pairs in ACTIONS.items()
        if any(s == source and actor in TRANSITIONS[(s, t)].actors for s, t in pairs)
    )


def check(source: str, target: str, actor: Actor, reason: str = "") -> Transition:
    """Return the transition, or raise TransitionError saying why it is refused."""
    if source in FINAL_STATES:
        raise TransitionError(
            f"This request is {Status(source).label.lower()}; it cannot change any more.", code="final_state"
        )
    transition = TRANSITIONS.get((Status(source), Status(target)))
    if transition is None:
        raise TransitionError(
            f"A request that is {Status(source).label.lower()} cannot become {Status(target).label.lower()}.",
            code="not_allowed",
        )
    if actor not in transition.actors:
        raise TransitionError(
            f"{Actor(actor).label} may not move a request from {Status(source).label.lower()} "
            f"to {Status(target).label.lower()}.",
            code="forbidden",
        )
    if transition.needs_reason and not reason.strip():
        raise TransitionError("Give a reason for this step.", code="reason_required")
    return transition
