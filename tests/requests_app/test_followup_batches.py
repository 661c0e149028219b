"""The after-commit relay's batch messages (requests_app.outbox.followups_batch_run) and the set-based follow-ups (#11)."""

import pytest
from celery import current_app
from django.db import transaction

from requests_app import followups, outbox
from requests_app.documents import DocumentInput
from requests_app.models import EventType, FollowUp, LegalRequest, RequestEvent
from requests_app.production.models import PreservationHold
from requests_app.production.services import holds_provisional_create
from requests_app.services import request_submit
from tests.factories import LegalRequestFactory, TargetFactory, minimal_pdf, warrant_data

pytestmark = pytest.mark.django_db

ACK = "requests_app.intake.tasks.acknowledgement_mail_task"


def _submitted_rows(officer) -> tuple[LegalRequest, list[FollowUp]]:
    request = LegalRequestFactory(submitted_by=officer.user, agency=officer.agency)
    ids = followups.emit(followups.SUBMITTED, request_id=request.pk)
    return request, list(FollowUp.objects.filter(pk__in=ids).order_by("pk"))


def _run(ids: list[int]) -> int:
    return outbox.registered_task(outbox.BATCH_TASK).apply(kwargs={"ids": ids}, throw=True).get()


@pytest.mark.django_db(transaction=True)
def test_a_submission_sends_its_follow_ups_as_one_batch_message(officer_a, published):
    request_submit(actor=officer_a.user, data=warrant_data(), documents=[DocumentInput("w.pdf", minimal_pdf())])
    rows = list(FollowUp.objects.order_by("pk").values_list("pk", flat=True))
    assert len(rows) == 6
    assert published.batches == [rows]  # one message for the six, written by three emits in one transaction
    assert set(FollowUp.objects.values_list("status", flat=True)) == {"sent"}


def test_a_batch_runs_each_follow_up_once_and_marks_each_done(officer_a, mailoutbox):
    request, rows = _submitted_rows(officer_a)
    ids = [row.pk for row in rows]
    assert _run(ids) == 4
    assert set(FollowUp.objects.filter(pk__in=ids).values_list("status", "attempts")) == {("done", 1)}
    assert all(row.finished_at for row in FollowUp.objects.filter(pk__in=ids))
    assert len(mailoutbox) == 1 and LegalRequest.objects.get(pk=request.pk).acknowledged_at is not None
    # Redelivered (acks_late after a kill, or the sweep): nothing runs again, no attempt is counted.
    assert _run(ids) == 0
    assert len(mailoutbox) == 1
    assert set(FollowUp.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}


def test_a_batch_skips_rows_already_done_and_rows_that_never_committed(officer_a, mailoutbox):
    _request, rows = _submitted_rows(officer_a)
    ack = next(row for row in rows if row.task == ACK)
    # The acknowledgement's own message (a sweep's copy) ran first.
    current_app.tasks[ACK].apply(kwargs=ack.kwargs, task_id=f"followup-{ack.pk}")
    assert len(mailoutbox) == 1
    gone = max(row.pk for row in rows) + 1000  # a row written in a savepoint that rolled back
    assert _run([row.pk for row in rows] + [gone]) == 3
    assert len(mailoutbox) == 1
    ack.refresh_from_db()
    assert ack.attempts == 1 and ack.status == "done"


def test_a_row_that_fails_in_its_batch_is_handed_to_its_own_task(officer_a, monkeypatch, mailoutbox):
    from requests_app.production import tasks as production_tasks

    def broken(**kwargs):
        raise ValueError("holds table locked")

    monkeypatch.setattr(production_tasks.services, "holds_link_followups", broken)
    resent: list[str] = []
    task = current_app.tasks["requests_app.production.tasks.holds_link_followups_task"]
    monkeypatch.setattr(task, "apply_async", lambda kwargs, task_id, **options: resent.append(task_id))
    _request, rows = _submitted_rows(officer_a)
    assert _run([row.pk for row in rows]) == 3
    failed = FollowUp.objects.get(task=task.name)
    # Not failed for good: its own message retries it on its task's policy; the others are not held back.
    assert failed.status == "sent" and failed.publishes == 1 and failed.last_error == "ValueError: holds table locked"
    assert resent == [f"followup-{failed.pk}"]
    assert FollowUp.objects.exclude(pk=failed.pk).filter(pk__in=[r.pk for r in rows], status="done").count() == 3
    assert len(mailoutbox) == 1


def test_rows_written_by_several_emits_of_one_transaction_share_one_relay(officer_a, published):
    from django.test import TestCase

    request = LegalRequestFactory(submitted_by=officer_a.user, agency=officer_a.agency)
    with TestCase.captureOnCommitCallbacks(execute=True) as hooks:
        with transaction.atomic():
            first = followups.emit(followups.SUBMITTED, request_id=request.pk)
            try:
                with transaction.atomic():  # a savepoint that rolls back: its row is gone
                    rolled_back = followups.emit(followups.TRANSITIONED, request_id=request.pk)
                    raise RuntimeError
            except RuntimeError:
                pass
            second = followups.emit(followups.TRANSITIONED, request_id=request.pk)
    assert len(hooks) == 1
    assert published.batches == [first + rolled_back + second]
    # Only rows that exist are run (on SQLite a rolled-back row's id may even be reused by the next one).
    assert FollowUp.objects.count() == len(first) + len(second) == 5
    assert sorted(task_id for _, _, task_id in published) == sorted(f"followup-{pk}" for pk in first + second)


def test_provisional_holds_after_a_partial_run_create_only_the_missing_ones():
    request = LegalRequestFactory(request_type="search_warrant")
    targets = [TargetFactory(request=request) for _ in range(3)]
    holds = holds_provisional_create(request_id=request.pk)
    assert sorted(h.target_id for h in holds) == [t.pk for t in targets]
    events = RequestEvent.objects.filter(request=request, event_type=EventType.HOLD)
    assert events.count() == 1
    # As if an earlier delivery had stopped after the first hold: a rerun makes the two others only.
    PreservationHold.objects.filter(target__in=targets[1:]).delete()
    again = holds_provisional_create(request_id=request.pk)
    assert [h.target_id for h in again] == [t.pk for t in targets]
    assert again[0].pk == holds[0].pk  # the existing hold kept, not duplicated
    assert PreservationHold.objects.filter(request=request).count() == 3
    assert events.count() == 2 and sorted(events.last().payload["holds"]) == sorted(h.pk for h in again)
    # A third delivery finds every hold: nothing new, no event.
    assert [h.pk for h in holds_provisional_create(request_id=request.pk)] == [h.pk for h in again]
    assert PreservationHold.objects.filter(request=request).count() == 3 and events.count() == 2


def _sent_long_ago(settings, **kwargs) -> FollowUp:
    from datetime import timedelta

    from django.utils import timezone

    return FollowUp.objects.create(
        event="submitted",
        task=ACK,
        kwargs=kwargs,
        status="sent",
        published_at=timezone.now() - timedelta(seconds=settings.OUTBOX_REDELIVER_SECONDS + 1),
    )


def test_the_sweep_does_not_copy_sent_rows_into_a_backlog(settings, monkeypatch, published):
    row = _sent_long_ago(settings, request_id=1)
    monkeypatch.setattr(outbox, "broker_backlog", lambda: 250)  # the queue still holds messages
    assert outbox.sweep() == 0 and published == []
    monkeypatch.setattr(outbox, "broker_backlog", lambda: 0)  # drained: the row's message was lost
    assert outbox.sweep() == 1
    assert [task_id for _, _, task_id in published] == [f"followup-{row.pk}"]


def test_the_broker_backlog_is_read_from_a_real_redis(redis_server):
    from tests.faults import app_on_broker

    with app_on_broker(redis_server.url):
        # An empty queue (Redis has no key for it) reads as unknown or zero: sent rows are redelivered.
        assert not outbox.broker_backlog()
        task = outbox.registered_task(ACK)
        task.apply_async(kwargs={"request_id": 1}, task_id="followup-0")
        task.apply_async(kwargs={"request_id": 2}, task_id="followup-00")
        assert outbox.broker_backlog() == 2  # nobody consumes them: no worker here


def test_linking_a_follow_up_to_holds_twice_links_and_records_once(officer_a):
    from datetime import date

    from requests_app.production.services import holds_link_followups

    preservation = LegalRequestFactory(request_type="preservation", agency=officer_a.agency)
    target = TargetFactory(request=preservation, kind="username", value="kept_account")
    hold = PreservationHold.objects.create(
        request=preservation,
        target=target,
        categories=["subscriber_info"],
        starts_on=date(2026, 1, 1),
        until=date(2099, 1, 1),
    )
    warrant = LegalRequestFactory(request_type="search_warrant", agency=officer_a.agency)
    TargetFactory(request=warrant, kind="username", value="kept_account")
    other_agency = LegalRequestFactory(request_type="search_warrant")
    TargetFactory(request=other_agency, kind="username", value="kept_account")
    assert holds_link_followups(request_id=warrant.pk) == 1
    assert holds_link_followups(request_id=warrant.pk) == 0  # a redelivery
    assert holds_link_followups(request_id=other_agency.pk) == 0  # another agency's hold is not its own
    assert list(hold.followups.all()) == [warrant]
    assert RequestEvent.objects.filter(request=warrant, event_type=EventType.HOLD).count() == 1
