"""The hash chain: every change leaves a linked event; tampering is detected."""

import pytest

from requests_app.audit import GENESIS, event_record, verify_chain
from requests_app.lifecycle import Status
from requests_app.models import EventType, RequestEvent
from requests_app.services import request_transition
from tests.factories import LegalRequestFactory

pytestmark = pytest.mark.django_db


def _three_events(reviewer):
    request = LegalRequestFactory(status=Status.VALIDATED)
    request_transition(request=request, to=Status.IN_REVIEW, actor=reviewer.user)
    event_record(event_type=EventType.SENSITIVE_VIEW, actor=reviewer.user, request=request, payload={"what": "targets"})
    request_transition(request=request, to=Status.NEEDS_INFO, actor=reviewer.user, reason="Which account?")
    return request


def test_chain_links_every_event(reviewer):
    _three_events(reviewer)
    events = list(RequestEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert verify_chain() is None


def test_edit_detected(reviewer):
    _three_events(reviewer)
    RequestEvent.objects.filter(seq=2).update(payload={"what": "nothing"})
    problem = verify_chain()
    assert (problem.seq, problem.kind) == (2, "edited")


def test_delete_detected(reviewer):
    _three_events(reviewer)
    RequestEvent.objects.filter(seq=2).delete()
    problem = verify_chain()
    assert (problem.seq, problem.kind) == (2, "missing")


def test_delete_last_detected(reviewer):
    _three_events(reviewer)
    RequestEvent.objects.filter(seq=3).delete()
    problem = verify_chain()
    assert problem.kind == "missing" and problem.seq == 3
