"""NCMEC's acknowledgement holds the reported account's data for one year (18 U.S.C. 2258A(h));
a hold is extendable with a reason and never released by itself while a follow-up is open."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from requests_app.cybertipline import services
from requests_app.cybertipline.models import CyberTipReport
from requests_app.lifecycle import Status as LRStatus
from requests_app.production.models import PreservationHold, UserNotice
from requests_app.production.services import holds_release_expired
from tests.factories import LegalRequestFactory


@pytest.fixture
def sent(reviewed, ct_reviewer, django_capture_on_commit_callbacks):
    with time_machine.travel("2026-03-01 12:00Z", tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.report_submit(report=reviewed, actor=ct_reviewer.user)
    return CyberTipReport.objects.get(pk=reviewed.pk)


def test_acknowledgement_holds_the_account_for_one_year(sent):
    hold = sent.holds.get()
    assert hold.basis == PreservationHold.Basis.CYBERTIPLINE
    assert hold.account_key == "user_id:5550001"
    assert (hold.starts_on, hold.until) == (date(2026, 3, 1), date(2027, 3, 1))
    assert hold.request is None and UserNotice.objects.count() == 0


def test_hold_ends_after_a_year_without_followup_and_tells_nobody(sent):
    mail.outbox.clear()
    with time_machine.travel("2027-03-01 12:00Z", tick=False):
        assert holds_release_expired()["released"] == 0
    with time_machine.travel("2027-03-02 12:00Z", tick=False):
        assert holds_release_expired() == {"reminded": 0, "released": 1, "kept": 0}
    assert sent.holds.get().released_at is not None
    assert mail.outbox == []  # no agency to remind, and never the user


def test_hold_with_an_open_followup_is_never_released_by_itself(sent):
    lr = LegalRequestFactory(status=LRStatus.IN_REVIEW)
    services.followup_link(report=sent, request=lr)
    with time_machine.travel("2027-06-01 12:00Z", tick=False):
        assert holds_release_expired()["released"] == 0
    assert sent.holds.get().released_at is None
    # Once the follow-up is closed the sweep may end it.
    type(lr).objects.filter(pk=lr.pk).update(status=LRStatus.CLOSED)
    with time_machine.travel("2027-06-01 12:00Z", tick=False):
        assert holds_release_expired()["released"] == 1


def test_voluntary_extension_needs_a_reason(sent, ct_reviewer, reviewer):
    hold = sent.holds.get()
    with pytest.raises(services.CyberTipError, match="reason"):
        services.report_hold_extend(report=sent, hold=hold, actor=ct_reviewer.user, until=date(2027, 9, 1), reason="")
    with pytest.raises(services.CyberTipError, match="after the current"):
        services.report_hold_extend(report=sent, hold=hold, actor=ct_reviewer.user, until=date(2027, 1, 1), reason="x")
    with pytest.raises(services.PermissionDenied):
        services.report_hold_extend(report=sent, hold=hold, actor=reviewer.user, until=date(2027, 9, 1), reason="x")
    hold = services.report_hold_extend(
        report=sent, hold=hold, actor=ct_reviewer.user, until=date(2027, 9, 1), reason="Investigators asked informally"
    )
    assert hold.until == date(2027, 9, 1) and hold.extension_reason == "Investigators asked informally"
    assert timezone.now() - hold.extended_at < timedelta(minutes=5)
