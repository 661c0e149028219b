"""requests_app.signals: the core's signals, after commit, from one background task."""

import logging

import pytest
from django.db import transaction

from requests_app import signals, tasks
from requests_app.documents import DocumentInput
from requests_app.lifecycle import Status
from requests_app.models import LegalRequest
from requests_app.services import request_submit, request_transition
from tests.factories import LegalRequestFactory, minimal_pdf, warrant_data

pytestmark = pytest.mark.django_db


def _pdf() -> DocumentInput:
    return DocumentInput("warrant.pdf", minimal_pdf())


@pytest.fixture
def queued(monkeypatch):
    """Every deliver_signals message the web side would send to the broker (not run)."""
    sent: list[list] = []
    monkeypatch.setattr(tasks.deliver_signals, "delay", lambda batch: sent.append(batch))
    return sent


@pytest.fixture
def heard():
    """What the receivers of each signal are given, once delivered."""
    got: list[tuple[str, dict]] = []

    def make(name):
        def receiver(sender, **kwargs):
            kwargs.pop("signal", None)
            got.append((name, kwargs))

        return receiver

    receivers = {name: make(name) for name in ("submitted", "transitioned")}
    signals.request_submitted.connect(receivers["submitted"], dispatch_uid="test-submitted")
    signals.request_transitioned.connect(receivers["transitioned"], dispatch_uid="test-transitioned")
    yield got
    signals.request_submitted.disconnect(dispatch_uid="test-submitted")
    signals.request_transitioned.disconnect(dispatch_uid="test-transitioned")


@pytest.mark.django_db(transaction=True)
def test_a_submission_queues_one_message_for_all_its_signals(officer_a, queued):
    """A real commit (no test transaction around it), as in a web request."""
    request = request_submit(actor=officer_a.user, data=warrant_data(), documents=[_pdf()])
    assert len(queued) == 1
    assert queued[0] == [
        [
            "request_transitioned",
            {"request_id": request.pk, "source": "submitted", "target": "validated", "actor_id": None},
        ],
        ["request_submitted", {"request_id": request.pk}],
    ]


@pytest.mark.django_db(transaction=True)
def test_delivery_runs_the_receivers_with_what_was_queued(officer_a, queued, heard):
    request = request_submit(actor=officer_a.user, data=warrant_data(), documents=[_pdf()])
    assert heard == []  # nothing ran in the web request
    assert tasks.deliver_signals.run(queued[0]) == 2
    assert heard == [
        ("transitioned", {"request_id": request.pk, "source": "submitted", "target": "validated", "actor_id": None}),
        ("submitted", {"request_id": request.pk}),
    ]


def test_nothing_is_sent_for_a_rolled_back_transaction(reviewer, queued, django_capture_on_commit_callbacks):
    request = LegalRequestFactory(status=Status.VALIDATED)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            request_transition(request=request, to=Status.IN_REVIEW, actor=reviewer.user)
            raise RuntimeError("later step failed")
    assert queued == []
    assert LegalRequest.objects.get(pk=request.pk).status == Status.VALIDATED


def test_an_unbatched_transition_queues_its_own_message(reviewer, queued, django_capture_on_commit_callbacks):
    request = LegalRequestFactory(status=Status.VALIDATED)
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(request=request, to=Status.IN_REVIEW, actor=reviewer.user)
    assert queued == [
        [
            [
                "request_transitioned",
                {"request_id": request.pk, "source": "validated", "target": "in_review", "actor_id": reviewer.user.pk},
            ]
        ]
    ]


def test_one_failing_receiver_is_logged_and_the_others_still_run(heard, caplog):
    def broken(sender, **kwargs):
        raise ValueError("receiver bug")

    signals.request_submitted.connect(broken, dispatch_uid="test-broken")
    try:
        with caplog.at_level(logging.ERROR, logger="requests_app.signals"):
            signals.deliver([["request_submitted", {"request_id": 41}], ["request_transitioned", {"request_id": 41}]])
    finally:
        signals.request_submitted.disconnect(dispatch_uid="test-broken")
    assert ("submitted", {"request_id": 41}) in heard and ("transitioned", {"request_id": 41}) in heard
    assert "failed for request id 41" in caplog.text


def test_a_broker_failure_after_commit_does_not_undo_or_break_the_submission(
    officer_a, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def down(batch):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.deliver_signals, "delay", down)
    with caplog.at_level(logging.ERROR, logger="requests_app.signals"):
        with django_capture_on_commit_callbacks(execute=True):
            request = request_submit(actor=officer_a.user, data=warrant_data(), documents=[_pdf()])
    assert LegalRequest.objects.get(pk=request.pk).status == Status.VALIDATED
    assert "Could not queue the after-commit signals" in caplog.text


def test_eager_delivery_reaches_the_other_apps(officer_a, mailoutbox, django_capture_on_commit_callbacks):
    """Without a broker (make run, the tests) the task runs in-process: the acknowledgement goes out."""
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(actor=officer_a.user, data=warrant_data(), documents=[_pdf()])
    assert any(request.reference in m.subject or request.reference in m.body for m in mailoutbox)
