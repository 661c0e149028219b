"""The submission clock: from actual knowledge, an internal maximum (default 24 h), reminders and
escalation through beat, each once — with a frozen clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import time_machine
from django.core import mail

from requests_app.cybertipline import services, tasks
from requests_app.cybertipline.models import CyberTipReport
from requests_app.models import Officer
from tests.factories import StaffFactory, grant, report_data

KNOWN = datetime.fromisoformat("2026-05-01T08:00:00+00:00")


def _report(actor):
    with time_machine.travel(KNOWN, tick=False):
        return services.report_create(actor=actor, data=report_data(knowledge_at=KNOWN))


def test_clock_reminds_at_75_percent_and_escalates_once_overdue(ct_reviewer, django_capture_on_commit_callbacks):
    grant(StaffFactory(role=Officer.Role.SUPERVISOR, user__email="boss@platform.example"))
    report = _report(ct_reviewer.user)
    assert report.due_at == KNOWN + timedelta(hours=24)

    with time_machine.travel(KNOWN + timedelta(hours=17), tick=False):
        assert tasks.deadlines_sweep_task() == {"reminded": 0, "escalated": 0}
        assert not report.is_overdue()
    with time_machine.travel(KNOWN + timedelta(hours=18, minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.deadlines_sweep_task() == {"reminded": 1, "escalated": 0}
        assert tasks.deadlines_sweep_task() == {"reminded": 0, "escalated": 0}  # once
    assert [m.subject for m in mail.outbox] == [f"CyberTipline {report.reference} is due at 2026-05-02 08:00 UTC"]
    assert set(mail.outbox[0].to) == {"tess@platform.example", "boss@platform.example"}
    assert "5550001" not in mail.outbox[0].body  # no account in e-mails

    mail.outbox.clear()
    with time_machine.travel(KNOWN + timedelta(hours=24, minutes=1), tick=False):
        assert CyberTipReport.objects.get(pk=report.pk).is_overdue()
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.deadlines_sweep_task() == {"reminded": 0, "escalated": 1}
        assert tasks.deadlines_sweep_task() == {"reminded": 0, "escalated": 0}
    assert [m.to for m in mail.outbox] == [["boss@platform.example"]]


def test_sla_is_configurable_and_a_sent_report_is_never_overdue(ct_reviewer, settings):
    settings.CYBERTIPLINE_SLA_HOURS = 4
    report = _report(ct_reviewer.user)
    assert report.due_at == KNOWN + timedelta(hours=4)
    CyberTipReport.objects.filter(pk=report.pk).update(status=CyberTipReport.Status.SUBMITTED)
    with time_machine.travel(KNOWN + timedelta(hours=5), tick=False):
        assert tasks.deadlines_sweep_task() == {"reminded": 0, "escalated": 0}
        assert not CyberTipReport.objects.get(pk=report.pk).is_overdue()
