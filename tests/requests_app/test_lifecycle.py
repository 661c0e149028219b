"""The lifecycle as a table over every pair of states and every actor.

Each allowed transition is applied through the service and must write exactly
one event; every other pair must be refused and write nothing.
"""

from __future__ import annotations

import itertools

import pytest

from requests_app import lifecycle
from requests_app.lifecycle import FINAL_STATES, OPEN_STATES, TRANSITIONS, Actor, Status, TransitionError
from requests_app.models import EventType, RequestEvent
from requests_app.services import request_transition
from tests.factories import LegalRequestFactory

ALL_PAIRS = list(itertools.product(list(Status), list(Status)))


def test_final_states_are_defined_once_and_partition_states():
    assert FINAL_STATES | OPEN_STATES == set(Status)
    assert not FINAL_STATES & OPEN_STATES
    assert not any(source in FINAL_STATES for source, _ in TRANSITIONS)


def test_withdrawal_from_every_open_state_by_the_agency_or_the_system_only():
    # The system withdraws an emergency EPOC whose ex-post validation was refused (Reg. 2023/1543 Art. 4(5)).
    for state in OPEN_STATES:
        assert TRANSITIONS[(state, Status.WITHDRAWN)].actors == {Actor.AGENCY, Actor.SYSTEM}


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS, ids=[f"{s}->{t}" for s, t in ALL_PAIRS])
def test_check_table(source, target):
    allowed = TRANSITIONS.get((source, target))
    for actor in Actor:
        if allowed and actor in allowed.actors:
            assert lifecycle.check(source, target, actor, reason="because") is allowed
        else:
            with pytest.raises(TransitionError):
                lifecycle.check(source, target, actor, reason="because")


def test_reason_required_where_declared():
    with pytest.raises(TransitionError) as exc:
        lifecycle.check(Status.IN_REVIEW, Status.REJECTED, Actor.REVIEWER, reason="  ")
    assert exc.value.code == "reason_required"


def _actor_user(actor, officer_a, reviewer, supervisor):
    return {
        Actor.SYSTEM: None,
        Actor.AGENCY: officer_a.user,
        Actor.REVIEWER: reviewer.user,
        Actor.SUPERVISOR: supervisor.user,
    }[actor]


@pytest.mark.django_db
@pytest.mark.parametrize("transition", list(TRANSITIONS.values()), ids=[f"{s}->{t}" for s, t in TRANSITIONS])
def test_every_allowed_transition_writes_one_event(transition, officer_a, reviewer, supervisor):
    request = LegalRequestFactory(agency=officer_a.agency, status=transition.source)
    actor = sorted(transition.actors)[0]
    user = _actor_user(actor, officer_a, reviewer, supervisor)
    request_transition(request=request, to=transition.target, actor=user, reason="test reason")
    request.refresh_from_db()
    assert request.status == transition.target
    events = list(RequestEvent.objects.filter(request=request))
    assert len(events) == 1
    event = events[0]
    assert (event.event_type, event.from_status, event.to_status) == (
        EventType.TRANSITION,
        transition.source,
        transition.target,
    )
    assert event.actor_id == (user.pk if user else None)
    assert event.public == transition.public
    if transition.target in FINAL_STATES:
        assert request.closed_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("source", sorted(FINAL_STATES))
def test_final_states_refuse_everything(source, officer_a, reviewer):
    request = LegalRequestFactory(agency=officer_a.agency, status=source)
    for target in Status:
        for user in (officer_a.user, reviewer.user, None):
            with pytest.raises(TransitionError):
                request_transition(request=request, to=target, actor=user, reason="x")
    assert RequestEvent.objects.count() == 0
