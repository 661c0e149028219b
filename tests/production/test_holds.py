"""Preservation holds: created on approval, extended once, reminded, released, linked to what follows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail

from requests_app.lifecycle import Status
from requests_app.models import LegalRequest
from requests_app.production import services
from requests_app.production.models import PreservationHold
from tests.factories import LegalRequestFactory, TargetFactory, approve

pytestmark = pytest.mark.django_db

FROZEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def preservation(submit, reviewer, capture, request_type="preservation", **kw):
    request = submit(
        request_type=request_type,
        data_categories=["subscriber_info", "cloud_chat_content"],
        targets=[("username", "@Some_User"), ("username", "unknown_person")],
        **kw,
    )
    with capture(execute=True):
        approve(request, reviewer, {"subscriber_info": "approved", "cloud_chat_content": "approved"})
    request.refresh_from_db()
    return request


def test_approved_preservation_holds_each_found_account_for_90_days(
    submit, reviewer, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(FROZEN, tick=False)
    request = preservation(submit, reviewer, django_capture_on_commit_callbacks)
    hold = PreservationHold.objects.get()
    assert hold.target.value == "some_user"
    assert (hold.starts_on, hold.until) == (date(2026, 3, 2), date(2026, 5, 31))  # 18 U.S.C. 2703(f): 90 days
    assert hold.categories == ["subscriber_info", "cloud_chat_content"]
    assert request.status == Status.CLOSED and request.outcome == LegalRequest.Outcome.PRESERVED
    assert not request.notices.exists()  # nothing was disclosed, nobody to tell


def test_extension_request_extends_once_by_90_days(submit, reviewer, time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(FROZEN, tick=False)
    preservation(submit, reviewer, django_capture_on_commit_callbacks)
    time_machine.move_to(FROZEN + timedelta(days=80), tick=False)
    extension = preservation(
        submit,
        reviewer,
        django_capture_on_commit_callbacks,
        request_type="preservation_extension",
        case_number="CR-2026-0043",
    )
    hold = PreservationHold.objects.get()
    assert hold.until == date(2026, 5, 31) + timedelta(days=90)
    assert hold.extension_request == extension
    assert extension.outcome == LegalRequest.Outcome.PRESERVED
    # A second extension is refused: the law allows one.
    with pytest.raises(services.HoldError):
        services.hold_extend(hold=hold, actor=reviewer.user)
    third = preservation(
        submit,
        reviewer,
        django_capture_on_commit_callbacks,
        request_type="preservation_extension",
        case_number="CR-2026-0044",
    )
    hold.refresh_from_db()
    assert hold.until == date(2026, 5, 31) + timedelta(days=90)
    assert third.outcome == LegalRequest.Outcome.NO_DATA


def test_extension_for_another_agency_does_not_touch_the_hold(
    submit, reviewer, officer_b, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(FROZEN, tick=False)
    preservation(submit, reviewer, django_capture_on_commit_callbacks)
    other = submit(
        officer=officer_b,
        request_type="preservation_extension",
        data_categories=["subscriber_info"],
        targets=[("username", "@Some_User")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        approve(other, reviewer, {"subscriber_info": "approved"})
    assert PreservationHold.objects.get().extended_at is None


def test_epoc_pr_holds_60_days_and_extends_by_30(reviewer, time_machine):
    time_machine.move_to(FROZEN, tick=False)
    request = LegalRequestFactory(request_type="epoc_pr", legal_framework="eu_eevidence", status=Status.APPROVED)
    target = TargetFactory(request=request, raw_value="some_user", lookup="found")
    hold = services.hold_create(request=request, target=target)
    assert hold.until == date(2026, 5, 1)  # Reg. 2023/1543 Art. 11(1): 60 days
    services.hold_extend(hold=hold, actor=reviewer.user)
    assert hold.until == date(2026, 5, 31)  # + 30 days


def test_staff_extension_and_officer_refused(
    submit, reviewer, officer_a, client_a, client_b, client_reviewer, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(FROZEN, tick=False)
    preservation(submit, reviewer, django_capture_on_commit_callbacks)
    hold = PreservationHold.objects.get()
    with pytest.raises(services.PermissionDenied):
        services.hold_extend(hold=hold, actor=officer_a.user)
    assert client_b.post(f"/production/holds/{hold.pk}/extend/").status_code == 404
    assert client_a.post(f"/production/holds/{hold.pk}/extend/").status_code == 403
    assert client_reviewer.post(f"/production/holds/{hold.pk}/extend/").status_code == 302
    hold.refresh_from_db()
    assert hold.until == date(2026, 8, 29) and hold.extended_by == reviewer.user


def test_reminder_then_release_on_a_frozen_clock(submit, reviewer, time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(FROZEN, tick=False)
    preservation(submit, reviewer, django_capture_on_commit_callbacks)
    hold = PreservationHold.objects.get()
    mail.outbox.clear()
    before = datetime(2026, 5, 23, 3, 0, tzinfo=UTC)  # 8 days before the end
    assert services.holds_release_expired(now=before) == {"reminded": 0, "released": 0, "kept": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert services.holds_release_expired(now=before + timedelta(days=1)) == {
            "reminded": 1,
            "released": 0,
            "kept": 0,
        }
    assert len(mail.outbox) == 1 and "2026-05-31" in mail.outbox[0].subject
    assert services.holds_release_expired(now=before + timedelta(days=2)) == {"reminded": 0, "released": 0, "kept": 0}
    last_day = datetime(2026, 5, 31, 23, 0, tzinfo=UTC)
    assert services.holds_release_expired(now=last_day)["released"] == 0  # held through its last day
    assert services.holds_release_expired(now=last_day + timedelta(hours=2))["released"] == 1
    hold.refresh_from_db()
    assert hold.released_at is not None and not hold.can_extend
    with pytest.raises(services.HoldError):
        services.hold_extend(hold=hold, actor=reviewer.user)


def test_a_following_request_links_to_its_hold(
    submit, reviewer, officer_b, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(FROZEN, tick=False)
    pres = preservation(submit, reviewer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        warrant = submit(case_number="CR-2026-0050", targets=[("username", "some_user")])
        other = submit(officer=officer_b, case_number="X-1", targets=[("username", "some_user")])
    hold = PreservationHold.objects.get(request=pres)
    assert list(hold.followups.all()) == [warrant]
    assert not other.followed_holds.exists()
    assert hold.request == pres
