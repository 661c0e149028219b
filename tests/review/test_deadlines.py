"""Reminders before the due time and escalation after it, with a frozen clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from requests_app.models import EventType, RequestEvent
from requests_app.review import services as svc
from requests_app.review.tasks import reminders_send_due_task
from requests_app.services import deadlines_sweep

pytestmark = pytest.mark.django_db


def count(lr, event_type):
    return RequestEvent.objects.filter(request=lr, event_type=event_type).count()


def test_reminder_once_per_due_time_to_the_assignee(lr, reviewer, time_machine, django_capture_on_commit_callbacks):
    svc.review_start(request=lr, actor=reviewer.user)
    time_machine.move_to(lr.due_at - timedelta(hours=30), tick=False)
    assert svc.reminders_send_due() == []  # not within 24 hours yet
    time_machine.move_to(lr.due_at - timedelta(hours=2), tick=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due_task() == 1
        assert reminders_send_due_task() == 0  # idempotent
    assert count(lr, EventType.REMINDER) == 1
    assert [m.to for m in mail.outbox] == [[reviewer.user.email]]
    assert lr.reference in mail.outbox[0].subject


def test_a_paused_request_is_not_reminded_and_a_new_due_time_earns_a_new_reminder(lr, reviewer, time_machine):
    svc.review_start(request=lr, actor=reviewer.user)
    time_machine.move_to(lr.due_at - timedelta(hours=2), tick=False)
    assert svc.reminders_send_due() == [lr.pk]
    svc.review_request_info(request=lr, actor=reviewer.user, question="Page 2 please")
    time_machine.move_to(lr.due_at - timedelta(hours=1), tick=False)
    assert svc.reminders_send_due() == []  # clock paused
    time_machine.move_to(lr.due_at + timedelta(days=2), tick=False)
    svc.review_resume(request=lr, actor=reviewer.user)
    lr.refresh_from_db()
    time_machine.move_to(lr.due_at - timedelta(hours=3), tick=False)
    assert svc.reminders_send_due() == [lr.pk]
    assert count(lr, EventType.REMINDER) == 2


def test_overdue_sweep_escalates_to_supervisors_once(
    lr, reviewer, supervisor, supervisor2, time_machine, django_capture_on_commit_callbacks
):
    svc.review_start(request=lr, actor=reviewer.user)
    time_machine.move_to(lr.due_at - timedelta(minutes=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert deadlines_sweep() == []
    assert count(lr, EventType.ESCALATED) == 0
    time_machine.move_to(lr.due_at + timedelta(minutes=10), tick=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert deadlines_sweep() == [lr.pk]
        assert deadlines_sweep() == []
    assert count(lr, EventType.OVERDUE) == 1
    assert count(lr, EventType.ESCALATED) == 1
    escalations = [m for m in mail.outbox if m.subject.startswith("Overdue")]
    assert len(escalations) == 1
    assert escalations[0].to == sorted([supervisor.user.email, supervisor2.user.email])
    # A repeated signal (e.g. a retried task) does not escalate twice.
    assert svc.request_escalate(request_id=lr.pk) is False


def test_escalation_skips_requests_no_longer_overdue(lr, reviewer, time_machine):
    svc.review_start(request=lr, actor=reviewer.user)
    time_machine.move_to(lr.due_at + timedelta(hours=1), tick=False)
    svc.review_reject(request=lr, actor=reviewer.user, reason_code="overbroad")
    assert svc.request_escalate(request_id=lr.pk) is False
    assert count(lr, EventType.ESCALATED) == 0


def test_overdue_is_computed_never_stored(lr, time_machine):
    from requests_app.models import LegalRequest

    field_names = {f.name for f in LegalRequest._meta.get_fields()}
    assert not {"overdue", "is_overdue"} & field_names
    time_machine.move_to(lr.due_at + timedelta(seconds=1), tick=False)
    assert lr.is_overdue() and LegalRequest.objects.overdue().filter(pk=lr.pk).exists()
