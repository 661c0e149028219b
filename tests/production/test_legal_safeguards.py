"""The legal safeguards of issue 10 as services: preservation from receipt, holds kept by a follow-up,
ex-post validation of emergency EPOCs, the enforcing State's 10 days, the emergency downgrade,
user notice per process and nondisclosure orders recorded after submission."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from requests_app.documents import DocumentInput
from requests_app.lifecycle import Status
from requests_app.models import EventType, LegalRequest, RequestEvent
from requests_app.production import services
from requests_app.production.models import PreservationHold, UserNotice
from requests_app.review import services as review
from requests_app.services import PermissionDenied
from tests.factories import JUSTIFICATION, approve, close, closed_emergency, closed_under_ndo, minimal_pdf, submit_now

pytestmark = pytest.mark.django_db

EU = dict(legal_framework="eu_eevidence", country="DE", date_to=date(2026, 11, 30))


# --- Preservation from receipt (18 U.S.C. 2703(f); Reg. 2023/1543 Art. 10(1), 10(9), 11) -----------------


@pytest.mark.parametrize(
    ("overrides", "days"),
    [
        (dict(request_type="preservation", authority_kind="police", date_from=None, date_to=None), 90),
        (dict(request_type="epoc_pr", authority_kind="prosecutor", **EU), 60),
        (dict(request_type="search_warrant"), 90),  # a production order preserves on receipt too
    ],
)
def test_submission_preserves_from_receipt(submit, django_capture_on_commit_callbacks, overrides, days):
    lr = submit_now(submit, django_capture_on_commit_callbacks, **overrides)
    holds = list(PreservationHold.objects.filter(request=lr))
    received = timezone.localdate(lr.received_at)
    assert len(holds) == 2  # every named account, before any review
    assert {(h.starts_on, h.until) for h in holds} == {(received, received + timedelta(days=days))}
    assert RequestEvent.objects.filter(request=lr, event_type=EventType.HOLD, payload__provisional=True).count() == 1


def test_approval_keeps_the_period_from_receipt(submit, reviewer, time_machine, django_capture_on_commit_callbacks):
    lr = submit_now(
        submit, django_capture_on_commit_callbacks,
        request_type="preservation", authority_kind="police", date_from=None, date_to=None,
        data_categories=["subscriber_info"],
    )  # fmt: skip
    received = timezone.localdate(lr.received_at)
    time_machine.move_to(timezone.now() + timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        approve(lr, reviewer, {"subscriber_info": "approved"})
    hold = PreservationHold.objects.get(request=lr, target__value="some_user")
    assert hold.until == received + timedelta(days=90)


@pytest.mark.usefixtures("reviewer")
def test_a_hold_with_an_open_follow_up_is_never_released_by_itself(submit, django_capture_on_commit_callbacks):
    pres = submit_now(
        submit, django_capture_on_commit_callbacks,
        request_type="preservation", authority_kind="police", date_from=None, date_to=None,
    )  # fmt: skip
    warrant = submit_now(submit, django_capture_on_commit_callbacks, case_number="CR-FOLLOW-1")
    hold = PreservationHold.objects.get(request=pres, target__value="some_user")
    assert warrant in hold.followups.all()
    later = timezone.now() + timedelta(days=200)
    result = services.holds_release_expired(now=later)
    hold.refresh_from_db()
    assert hold.released_at is None and hold.kept_for_followup_at is not None
    assert result["kept"] >= 1
    # Told once, not every night.
    assert services.holds_release_expired(now=later + timedelta(days=1))["kept"] == 0
    # Once the follow-up ends, the hold can end.
    LegalRequest.objects.filter(pk=warrant.pk).update(status=Status.CLOSED)
    services.holds_release_expired(now=later + timedelta(days=2))
    hold.refresh_from_db()
    assert hold.released_at is not None


# --- Reg. 2023/1543 Art. 4(5): ex-post validation of an emergency EPOC -------------------------------------


def emergency_epoc(submit, capture):
    return submit_now(
        submit, capture, request_type="epoc", authority_kind="police", data_categories=["subscriber_info"],
        emergency=True, emergency_justification=JUSTIFICATION, emergency_attested=True, **EU,
    )  # fmt: skip


def test_emergency_epoc_waits_for_ex_post_validation(submit, reviewer, django_capture_on_commit_callbacks):
    lr = emergency_epoc(submit, django_capture_on_commit_callbacks)
    assert lr.validation_due_at == lr.received_at + timedelta(hours=48)
    approve(lr, reviewer, {"subscriber_info": "approved"})
    with pytest.raises(services.ProductionError, match="ex-post validation"):
        services.production_start(request=lr, actor=reviewer.user)
    with pytest.raises(review.TransitionError, match="Name the judge"):
        review.epoc_validation_record(request=lr, actor=reviewer.user, validated=True, validator=" ")
    review.epoc_validation_record(request=lr, actor=reviewer.user, validated=True, validator="Amtsgericht Köln")
    lr.refresh_from_db()
    assert lr.validated_at is not None and lr.validated_by_name == "Amtsgericht Köln"
    with django_capture_on_commit_callbacks(execute=True):
        assert services.production_start(request=lr, actor=reviewer.user) is not None
    assert RequestEvent.objects.filter(request=lr, event_type=EventType.LEGAL, payload__validated=True).exists()


def test_refused_validation_withdraws_the_order(submit, reviewer, django_capture_on_commit_callbacks):
    lr = emergency_epoc(submit, django_capture_on_commit_callbacks)
    review.epoc_validation_record(request=lr, actor=reviewer.user, validated=False, validator="Amtsgericht Köln")
    lr.refresh_from_db()
    assert lr.status == Status.WITHDRAWN and lr.validation_refused_at is not None
    with pytest.raises(review.TransitionError, match="already recorded"):
        review.epoc_validation_record(request=lr, actor=reviewer.user, validated=True, validator="x")


def test_validation_recorded_only_by_staff(submit, officer_a, django_capture_on_commit_callbacks):
    lr = emergency_epoc(submit, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        review.epoc_validation_record(request=lr, actor=officer_a.user, validated=True, validator="me")


# --- Reg. 2023/1543 Art. 8(1), 10(2), 12: the enforcing State --------------------------------------------


def test_traffic_data_epoc_waits_for_the_enforcing_state(
    submit, reviewer, time_machine, django_capture_on_commit_callbacks
):
    lr = submit_now(
        submit, django_capture_on_commit_callbacks,
        request_type="epoc", authority_kind="judge", data_categories=["ip_logs"], **EU,
    )  # fmt: skip
    assert lr.enforcing_notification_required
    approve(lr, reviewer, {"ip_logs": "approved"})
    with pytest.raises(services.ProductionError, match="notify the enforcing State"):
        services.production_start(request=lr, actor=reviewer.user)
    with pytest.raises(review.TransitionError, match="notification of the enforcing State first"):
        review.enforcing_state_record(request=lr, actor=reviewer.user, event="confirmed")
    review.enforcing_state_record(request=lr, actor=reviewer.user, event="notified")
    with pytest.raises(services.ProductionError, match="10 days"):
        services.production_start(request=lr, actor=reviewer.user)
    time_machine.move_to(timezone.now() + timedelta(days=10, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.production_start(request=lr, actor=reviewer.user) is not None


def test_enforcing_confirmation_ends_the_wait_and_refusal_stops_it(
    submit, reviewer, django_capture_on_commit_callbacks
):
    confirmed, refused = (
        submit_now(
            submit,
            django_capture_on_commit_callbacks,
            case_number=case,
            request_type="epoc",
            authority_kind="judge",
            data_categories=["media"],
            **EU,
        )  # fmt: skip
        for case in ("EU-1", "EU-2")
    )
    for lr in (confirmed, refused):
        approve(lr, reviewer, {"media": "approved"})
        review.enforcing_state_record(request=lr, actor=reviewer.user, event="notified")
    review.enforcing_state_record(request=confirmed, actor=reviewer.user, event="confirmed")
    review.enforcing_state_record(request=refused, actor=reviewer.user, event="refused")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.production_start(request=confirmed, actor=reviewer.user) is not None
    with pytest.raises(services.ProductionError, match="ground for refusal"):
        services.production_start(request=refused, actor=reviewer.user)


# --- 18 U.S.C. 2702(b)(8): an emergency without a stated danger is an ordinary request -------------------


def test_emergency_without_danger_gets_the_ordinary_deadline(submit, django_capture_on_commit_callbacks):
    lr = submit_now(
        submit, django_capture_on_commit_callbacks,
        request_type="emergency", authority_kind="police", emergency=True, emergency_attested=True,
        emergency_justification="We need this information very quickly for our ongoing investigation.",
    )  # fmt: skip
    assert lr.emergency is False
    assert lr.due_at - lr.received_at == timedelta(days=14)
    assert lr.status == Status.VALIDATED  # no emergency verification queue
    event = RequestEvent.objects.get(request=lr, event_type=EventType.LEGAL)
    assert event.payload["emergency_downgraded"] is True and event.public


# --- User notice per process -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        (dict(request_type="nsl", authority_kind="national_security"), UserNotice.Status.BY_PROCESS),
        (
            dict(request_type="pen_register", authority_kind="court", data_categories=["ip_logs"],
                 date_to=date(2026, 12, 31)),
            UserNotice.Status.BY_PROCESS,
        ),
        (
            dict(request_type="emergency", authority_kind="police", emergency=True,
                 emergency_justification=JUSTIFICATION, emergency_attested=True),
            UserNotice.Status.WAITING_DANGER,
        ),
        (dict(request_type="mlat", legal_framework="mlat", authority_kind="court"), UserNotice.Status.WAITING_DECISION),
        (dict(request_type="search_warrant"), UserNotice.Status.SENT),
    ],
)  # fmt: skip
def test_notice_follows_the_process(submit, reviewer, django_capture_on_commit_callbacks, overrides, status):
    overrides.setdefault("data_categories", ["subscriber_info"])
    lr = submit_now(submit, django_capture_on_commit_callbacks, **overrides)
    close(lr, reviewer, django_capture_on_commit_callbacks, lr.data_categories)
    assert list(UserNotice.objects.filter(request=lr).values_list("status", flat=True)) == [status]


def test_emergency_notice_leaves_once_the_danger_is_over(submit, reviewer, django_capture_on_commit_callbacks):
    lr = closed_emergency(submit, reviewer, django_capture_on_commit_callbacks)
    assert services.notices_send_due() == 0
    with pytest.raises(services.ProductionError, match="how you know"):
        services.notice_danger_over(request=lr, actor=reviewer.user, note="")
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_danger_over(request=lr, actor=reviewer.user, note="The child was found safe (agency, 14:02).")
    assert UserNotice.objects.get(request=lr).status == UserNotice.Status.SENT


def test_mlat_notice_needs_a_reviewer_decision(submit, reviewer, django_capture_on_commit_callbacks):
    lr = submit_now(
        submit, django_capture_on_commit_callbacks, request_type="mlat", legal_framework="mlat",
        authority_kind="court", data_categories=["subscriber_info"],
    )  # fmt: skip
    close(lr, reviewer, django_capture_on_commit_callbacks)
    services.notice_decide(request=lr, actor=reviewer.user, notify=False, reason="Treaty confidentiality clause.")
    assert UserNotice.objects.get(request=lr).status == UserNotice.Status.WITHHELD
    with pytest.raises(services.ProductionError, match="already recorded"):
        services.notice_decide(request=lr, actor=reviewer.user, notify=True, reason="changed mind")


# --- Nondisclosure orders after submission (18 U.S.C. 2705(b)) -------------------------------------------


@pytest.mark.usefixtures("supervisor")
def test_agency_extends_an_order_with_the_signed_order(
    submit, officer_a, officer_b, reviewer, django_capture_on_commit_callbacks
):
    lr = submit_now(
        submit, django_capture_on_commit_callbacks, data_categories=["subscriber_info"],
        ndo=True, ndo_until=timezone.localdate() + timedelta(days=30),
    )  # fmt: skip
    close(lr, reviewer, django_capture_on_commit_callbacks)
    new_end = timezone.localdate() + timedelta(days=200)
    with pytest.raises(services.ProductionError, match="Upload the signed"):
        services.ndo_record(request=lr, actor=officer_a.user, until=new_end)
    with pytest.raises(PermissionDenied):
        services.ndo_record(request=lr, actor=officer_b.user, until=new_end,
                            document=DocumentInput("ndo.pdf", minimal_pdf()))  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.ndo_record(request=lr, actor=reviewer.user, until=new_end)  # a reviewer is not a supervisor
    services.ndo_record(
        request=lr, actor=officer_a.user, until=new_end, document=DocumentInput("ndo.pdf", minimal_pdf())
    )
    lr.refresh_from_db()
    assert lr.ndo_until == new_end
    assert UserNotice.objects.get(request=lr).send_after == new_end + timedelta(days=1)
    assert RequestEvent.objects.filter(request=lr, event_type=EventType.LEGAL, message__contains="extended").exists()


def test_no_notice_leaves_while_an_extension_is_pending(
    submit, reviewer, supervisor, time_machine, django_capture_on_commit_callbacks
):
    lr = closed_under_ndo(submit, reviewer, django_capture_on_commit_callbacks, days=3)
    services.ndo_record(request=lr, actor=supervisor.user, extension_pending=True)
    time_machine.move_to(timezone.now() + timedelta(days=10))
    assert services.notices_send_due() == 0
    services.ndo_record(request=lr, actor=supervisor.user, until=timezone.localdate() + timedelta(days=90))
    assert services.notices_send_due() == 0
    assert UserNotice.objects.get(request=lr).status == UserNotice.Status.HELD
