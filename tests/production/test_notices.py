"""User notice: at once without an order, after the order ends, never for indefinite orders until lifted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from requests_app.lifecycle import Status
from requests_app.models import Target
from requests_app.production import services
from requests_app.production.models import UserNotice
from requests_app.production.notifier import DemoUserNotifier
from tests.factories import close

pytestmark = pytest.mark.django_db

FROZEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_no_order_notice_sent_at_once(submit, reviewer, django_capture_on_commit_callbacks):
    request = close(submit(data_categories=["subscriber_info"]), reviewer, django_capture_on_commit_callbacks)
    notice = UserNotice.objects.get()
    assert notice.status == UserNotice.Status.SENT and notice.target.value == "some_user"  # the unknown one: none
    assert [m.request_reference for m in DemoUserNotifier.outbox] == [request.reference]
    assert Target.objects.get(pk=notice.target_id).notified_at is not None
    assert services.notices_send_due() == 0
    assert len(DemoUserNotifier.outbox) == 1


def test_notice_waits_for_the_order_and_goes_out_once(
    submit, reviewer, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(FROZEN, tick=False)
    request = submit(data_categories=["subscriber_info"], ndo=True, ndo_until=date(2026, 6, 30))
    close(request, reviewer, django_capture_on_commit_callbacks)
    notice = UserNotice.objects.get()
    assert (notice.status, notice.send_after) == (UserNotice.Status.HELD, date(2026, 7, 1))
    assert DemoUserNotifier.outbox == []
    assert services.notices_send_due(now=datetime(2026, 6, 30, 23, 0, tzinfo=UTC)) == 0
    assert services.notices_send_due(now=datetime(2026, 7, 1, 0, 30, tzinfo=UTC)) == 1
    assert services.notices_send_due(now=datetime(2026, 7, 2, tzinfo=UTC)) == 0
    assert len(DemoUserNotifier.outbox) == 1
    notice.refresh_from_db()
    assert notice.status == UserNotice.Status.SENT and notice.target.notified_at is not None


def test_indefinite_order_never_sent_until_a_supervisor_lifts_it(
    submit,
    reviewer,
    supervisor,
    client_reviewer,
    client_supervisor,
    client_b,
    time_machine,
    django_capture_on_commit_callbacks,
):
    time_machine.move_to(FROZEN, tick=False)
    request = submit(data_categories=["subscriber_info"], ndo=True, ndo_indefinite=True)
    close(request, reviewer, django_capture_on_commit_callbacks)
    assert UserNotice.objects.get().status == UserNotice.Status.WAITING_LIFT
    assert services.notices_send_due(now=FROZEN + timedelta(days=3650)) == 0
    with pytest.raises(services.PermissionDenied):
        services.ndo_lift(request=request, actor=reviewer.user)
    lift = f"/production/requests/{request.reference}/ndo-lift/"
    assert client_b.post(lift).status_code == 404
    assert client_reviewer.post(lift).status_code == 403
    assert DemoUserNotifier.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert client_supervisor.post(lift, {"reason": "Order vacated"}).status_code == 302
    request.refresh_from_db()
    assert request.ndo_lifted_at is not None
    assert UserNotice.objects.get().status == UserNotice.Status.SENT
    assert len(DemoUserNotifier.outbox) == 1
    with pytest.raises(services.ProductionError):
        services.ndo_lift(request=request, actor=supervisor.user)


@pytest.mark.usefixtures("reviewer")
def test_eu_production_order_leaves_notice_to_the_authority(officer_a):
    from tests.factories import LegalRequestFactory, TargetFactory

    request = LegalRequestFactory(
        agency=officer_a.agency, request_type="epoc", legal_framework="eu_eevidence", status=Status.CLOSED
    )
    TargetFactory(request=request, raw_value="some_user", lookup="found")
    [notice] = services.notices_create_for_request(request_id=request.pk)
    assert notice.status == UserNotice.Status.AUTHORITY  # Reg. 2023/1543 Art. 13
    assert services.notices_send_due(now=FROZEN + timedelta(days=3650)) == 0
    assert DemoUserNotifier.outbox == []


def test_notices_created_once(submit, reviewer, django_capture_on_commit_callbacks):
    request = close(submit(data_categories=["subscriber_info"]), reviewer, django_capture_on_commit_callbacks)
    assert services.notices_create_for_request(request_id=request.pk) == []
    assert UserNotice.objects.count() == 1
