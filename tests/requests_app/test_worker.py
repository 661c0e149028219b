"""The deadline sweep runs on a real Celery worker (Redis in CI)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app.models import EventType, RequestEvent
from requests_app.tasks import deadlines_sweep_task
from tests.factories import LegalRequestFactory

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


@pytest.mark.usefixtures("real_worker")
def test_sweep_deadlines_on_real_worker():
    overdue = LegalRequestFactory(due_at=timezone.now() - timedelta(hours=1))
    LegalRequestFactory(due_at=timezone.now() + timedelta(days=3))
    result = deadlines_sweep_task.delay()
    assert result.get(timeout=30) == 1
    assert list(RequestEvent.objects.filter(event_type=EventType.OVERDUE).values_list("request_id", flat=True)) == [
        overdue.pk
    ]
    # Idempotent: a second run on the worker records nothing more.
    assert deadlines_sweep_task.delay().get(timeout=30) == 0


@pytest.mark.usefixtures("real_worker")
def test_a_submission_is_followed_up_by_a_real_worker(officer_a, mailoutbox):
    """The one after-commit message of a submission crosses the broker; the worker runs the other apps'
    receivers (acknowledgement e-mail, report facts) and the tasks they queue."""
    import time

    from requests_app.documents import DocumentInput
    from requests_app.services import request_submit
    from tests.factories import minimal_pdf, warrant_data
    from transparency.models import RequestFacts

    request = request_submit(
        actor=officer_a.user, data=warrant_data(), documents=[DocumentInput("warrant.pdf", minimal_pdf())]
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (
        any(request.reference in m.subject for m in mailoutbox)
        and RequestFacts.objects.filter(request=request).exists()
    ):
        time.sleep(0.1)
    assert any(request.reference in m.subject for m in mailoutbox)
    assert RequestFacts.objects.filter(request=request).exists()
