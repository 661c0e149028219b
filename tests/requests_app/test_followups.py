"""requests_app.followups and requests_app.outbox: follow-ups as rows in the change's transaction."""

from datetime import timedelta

import pytest
from celery import current_app
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from requests_app import followups, outbox
from requests_app.documents import DocumentInput
from requests_app.lifecycle import Status
from requests_app.models import FollowUp, LegalRequest
from requests_app.services import request_submit, request_transition
from tests.factories import LegalRequestFactory, minimal_pdf, warrant_data

pytestmark = pytest.mark.django_db


def _pdf() -> DocumentInput:
    return DocumentInput("warrant.pdf", minimal_pdf())


def test_every_task_in_the_table_is_a_registered_follow_up_task():
    current_app.loader.import_default_modules()
    for event, names in followups.FOLLOW_UPS.items():
        assert names, event
        for name in names:
            assert name in current_app.tasks, f"{event}: {name} is not a registered task"
            assert isinstance(current_app.tasks[name], outbox.FollowUpTask), name


@pytest.mark.django_db(transaction=True)
def test_a_submission_writes_its_follow_ups_in_its_transaction_and_publishes_them(officer_a, published):
    request = request_submit(actor=officer_a.user, data=warrant_data(), documents=[_pdf()])
    rows = list(FollowUp.objects.values_list("event", "task", "kwargs", "status"))
    expected = {
        ("submitted", "requests_app.intake.tasks.acknowledgement_mail_task"),
        ("submitted", "requests_app.production.tasks.holds_provisional_create_task"),
        ("submitted", "requests_app.production.tasks.holds_link_followups_task"),
        ("submitted", "requests_app.cybertipline.tasks.followups_link_cited_task"),
        ("transitioned", "transparency.tasks.facts_refresh_task"),
        ("document_stored", "requests_app.tasks.document_scan_task"),  # issue #12: every upload is scanned
    }
    assert {(event, task) for event, task, _, _ in rows} == expected
    document = request.documents.get()
    assert all(
        kwargs == ({"document_id": document.pk} if event == "document_stored" else {"request_id": request.pk})
        and status == "sent"
        for event, _, kwargs, status in rows
    )
    assert sorted(name for name, _, _ in published) == sorted(task for _, task in expected)
    assert {task_id for _, _, task_id in published} == {
        f"followup-{pk}" for pk in FollowUp.objects.values_list("pk", flat=True)
    }


def test_nothing_is_written_for_a_rolled_back_transaction(reviewer, published, django_capture_on_commit_callbacks):
    request = LegalRequestFactory(status=Status.VALIDATED)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            request_transition(request=request, to=Status.IN_REVIEW, actor=reviewer.user)
            raise RuntimeError("later step failed")
    assert not FollowUp.objects.exists() and published == []
    assert LegalRequest.objects.get(pk=request.pk).status == Status.VALIDATED


@pytest.mark.usefixtures("published")
def test_entering_a_status_adds_its_own_follow_ups(reviewer, django_capture_on_commit_callbacks):
    request = LegalRequestFactory(status=Status.DELIVERED)
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(request=request, to=Status.CLOSED, actor=reviewer.user)
    assert sorted(FollowUp.objects.values_list("event", "task")) == [
        ("entered:closed", "requests_app.production.tasks.notices_create_for_request_task"),
        ("transitioned", "transparency.tasks.facts_refresh_task"),
    ]


def test_a_broker_outage_leaves_the_rows_pending_and_the_sweep_publishes_them(
    officer_a, monkeypatch, caplog, django_capture_on_commit_callbacks, published
):
    task = current_app.tasks["requests_app.intake.tasks.acknowledgement_mail_task"]
    batch = outbox.registered_task(outbox.BATCH_TASK)
    working = task.apply_async, batch.apply_async

    def down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    # The submission's follow-ups travel as one batch message (the acknowledgement among them): it fails.
    monkeypatch.setattr(task, "apply_async", down)
    monkeypatch.setattr(batch, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(actor=officer_a.user, data=warrant_data(), documents=[_pdf()])
    assert LegalRequest.objects.get(pk=request.pk).status == Status.VALIDATED  # the change stands
    ack = FollowUp.objects.get(task=task.name)
    assert ack.status == "pending" and "Could not publish follow-ups" in caplog.text
    assert not FollowUp.objects.exclude(status="pending").exists() and published == []

    assert outbox.sweep() == 0  # within the grace period the relay may still be at work
    monkeypatch.setattr(task, "apply_async", working[0])  # the broker is back
    monkeypatch.setattr(batch, "apply_async", working[1])
    # The sweep republishes each row as its own task's message.
    assert outbox.sweep(now=timezone.now() + timedelta(minutes=1)) == 6 == len(published)
    ack.refresh_from_db()
    assert ack.status == "sent" and ack.publishes == 1
    assert (task.name, {"request_id": request.pk}, f"followup-{ack.pk}") in published
    assert published.batches == []


def test_the_sweep_resends_a_follow_up_sent_long_ago_and_never_finished(settings, published):
    row = FollowUp.objects.create(
        event="submitted",
        task="requests_app.intake.tasks.acknowledgement_mail_task",
        kwargs={"request_id": 1},
        status="sent",
        published_at=timezone.now() - timedelta(seconds=settings.OUTBOX_REDELIVER_SECONDS + 1),
    )
    fresh = FollowUp.objects.create(
        event="submitted", task=row.task, kwargs={"request_id": 2}, status="sent", published_at=timezone.now()
    )
    assert outbox.sweep() == 1
    assert [task_id for _, _, task_id in published] == [f"followup-{row.pk}"]
    fresh.refresh_from_db()
    assert fresh.publishes == 0


def test_a_follow_up_runs_once_and_is_marked_done_only_after_its_task(officer_a, mailoutbox):
    request = LegalRequestFactory(submitted_by=officer_a.user, agency=officer_a.agency)
    (pk,) = followups.emit(followups.SUBMITTED, request_id=request.pk)[:1]
    row = FollowUp.objects.get(pk=pk)
    task = outbox.registered_task(row.task)
    task.apply(kwargs=row.kwargs, task_id=f"followup-{pk}")
    row.refresh_from_db()
    assert row.status == "done" and row.attempts == 1 and row.finished_at is not None
    assert len(mailoutbox) == 1
    # A second delivery of the same follow-up (a redelivered message, a sweep) does nothing.
    task.apply(kwargs=row.kwargs, task_id=f"followup-{pk}")
    row.refresh_from_db()
    assert len(mailoutbox) == 1 and row.attempts == 1


def test_a_follow_up_that_gives_up_is_failed_and_shown_by_outbox_status(monkeypatch, capsys):
    from requests_app.review import tasks as review_tasks

    def broken(**kwargs):
        raise ValueError("bad letter template")

    monkeypatch.setattr(review_tasks.services, "request_escalate", broken)
    request = LegalRequestFactory()
    (pk,) = followups.emit(followups.OVERDUE, request_id=request.pk)
    task = outbox.registered_task("requests_app.review.tasks.request_escalate_task")
    # The worker's last try (no retries left): the error reaches the row.
    task.apply(kwargs={"request_id": request.pk}, task_id=f"followup-{pk}", retries=task.max_retries, throw=False)
    row = FollowUp.objects.get(pk=pk)
    assert row.status == "failed" and row.last_error == "ValueError: bad letter template"

    with pytest.raises(SystemExit) as exit_:
        call_command("outbox_status")
    out = capsys.readouterr().out
    assert exit_.value.code == 1
    assert "failed=1" in out and f"FAILED #{pk} overdue requests_app.review.tasks.request_escalate_task" in out


def test_outbox_status_counts_and_oldest_age(capsys):
    FollowUp.objects.create(event="x", task="t", status="pending", created_at=timezone.now() - timedelta(seconds=90))
    FollowUp.objects.create(event="x", task="t", status="done")
    call_command("outbox_status")
    out = capsys.readouterr().out
    assert "pending=1 sent=0 done=1 failed=0" in out
    age = int(out.split("oldest unfinished: ")[1].split(" s")[0])
    assert 90 <= age < 3600


def test_the_acknowledgement_task_itself_sends_once(officer_a, mailoutbox):
    """Even without its outbox row (a crash between sending and marking done), a rerun sends nothing."""
    from requests_app.intake.tasks import acknowledgement_mail_task

    request = LegalRequestFactory(submitted_by=officer_a.user, agency=officer_a.agency)
    acknowledgement_mail_task(request.pk)
    acknowledgement_mail_task(request.pk)
    assert len(mailoutbox) == 1
    assert LegalRequest.objects.get(pk=request.pk).acknowledged_at is not None


def test_outbox_status_raises_the_audit_log_alarm(settings, capsys):
    from requests_app.audit import event_record, sequence_pending
    from requests_app.models import EventType

    settings.LOG_PENDING_ALARM_SECONDS = 60
    event_record(event_type=EventType.SENSITIVE_VIEW, at=timezone.now() - timedelta(seconds=120))
    with pytest.raises(SystemExit) as exit_:
        call_command("outbox_status")
    assert exit_.value.code == 1
    assert "audit log: 1 event(s) waiting for a position, 1 longer than 60 s (ALARM" in capsys.readouterr().out
    sequence_pending()
    call_command("outbox_status")  # no alarm, no failure: exits normally
    assert "audit log: 0 event(s) waiting for a position, 0 longer than 60 s\n" in capsys.readouterr().out


def test_an_email_that_follows_a_change_is_an_outbox_row_sent_once(
    officer_a, mailoutbox, django_capture_on_commit_callbacks
):
    from requests_app.intake import services as intake_services

    with django_capture_on_commit_callbacks(execute=True):
        token, _secret = intake_services.api_token_create(user=officer_a.user, name="case system")
    row = FollowUp.objects.get(event=followups.MAIL_TOKEN_CREATED)
    assert row.task == "requests_app.intake.tasks.token_created_mail_task"
    assert row.kwargs == {"token_id": token.pk} and row.status == FollowUp.Status.DONE
    assert len(mailoutbox) == 1
    # Delivered again (a redelivery after a lost acknowledgement): the done row is skipped.
    outbox.registered_task(row.task).apply(kwargs=row.kwargs, task_id=f"{outbox.TASK_ID_PREFIX}{row.pk}")
    assert len(mailoutbox) == 1


def test_services_queue_follow_ups_only_through_the_outbox():
    """No e-mail or task is sent from a bare on_commit: such a send is lost with its process."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    allowed = {
        "requests_app/outbox.py",  # the relay itself
        "requests_app/audit.py",  # the sequencer's kick: beat sequences what it misses (followups.py)
    }
    offenders = []
    for path in [*root.glob("requests_app/**/*.py"), *root.glob("transparency/**/*.py")]:
        rel = str(path.relative_to(root))
        if rel in allowed or "/migrations/" in rel:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            # Deleting a file after commit is storage cleanup, not a follow-up.
            if re.search(r"on_commit\(|\.delay\(|send_mail\(", line) and "delete" not in line:
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.usefixtures("published")
def test_an_unreachable_broker_stops_the_batch_and_the_relay_backs_off(
    officer_a, monkeypatch, django_capture_on_commit_callbacks
):
    """Each try costs the request the broker's connect timeout: after one, leave the rows to the sweep."""
    from kombu.exceptions import OperationalError as BrokerUnreachable

    tries = []

    def unreachable(*args, **kwargs):
        tries.append(1)
        raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for names in followups.FOLLOW_UPS.values():
        for name in names:
            monkeypatch.setattr(current_app.tasks[name], "apply_async", unreachable)
    monkeypatch.setattr(current_app.tasks[outbox.BATCH_TASK], "apply_async", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        request_submit(actor=officer_a.user, data=warrant_data(), documents=[_pdf()])
    assert len(tries) == 1  # the first message (the batch) found the broker down; nothing else was tried
    assert outbox.broker_down()
    assert not FollowUp.objects.exclude(status=FollowUp.Status.PENDING).exists()
    with django_capture_on_commit_callbacks(execute=True):
        request_submit(actor=officer_a.user, data=warrant_data(), documents=[_pdf()], acknowledge_warnings=True)
    assert len(tries) == 1  # backing off: this commit's relay did not try at all
    # The sweep does not back off: it is how the rows get out once the broker is back.
    monkeypatch.undo()
    outbox.note_broker(reachable=False)
    current_app.loader.import_default_modules()
    sent = []
    for names in followups.FOLLOW_UPS.values():
        for name in names:
            monkeypatch.setattr(current_app.tasks[name], "apply_async", lambda *a, **k: sent.append(k["task_id"]))
    pending = FollowUp.objects.filter(status=FollowUp.Status.PENDING).count()
    assert outbox.sweep(now=timezone.now() + timedelta(minutes=1)) == pending == len(sent)
    assert not outbox.broker_down()
