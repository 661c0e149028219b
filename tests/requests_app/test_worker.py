"""The deadline sweep runs on a real Celery worker (Redis in CI)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app.models import EventType, RequestEvent
from requests_app.tasks import sweep_deadlines
from tests.factories import LegalRequestFactory

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


def test_sweep_deadlines_on_real_worker(real_worker):
    overdue = LegalRequestFactory(due_at=timezone.now() - timedelta(hours=1))
    LegalRequestFactory(due_at=timezone.now() + timedelta(days=3))
    result = sweep_deadlines.delay()
    assert result.get(timeout=30) == 1
    assert list(RequestEvent.objects.filter(event_type=EventType.OVERDUE).values_list("request_id", flat=True)) == [
        overdue.pk
    ]
    # Idempotent: a second run on the worker records nothing more.
    assert sweep_deadlines.delay().get(timeout=30) == 0
