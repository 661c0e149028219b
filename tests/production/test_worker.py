"""The build runs on a real Celery worker (Redis broker when CELERY_BROKER_URL is set, as in CI)."""

from __future__ import annotations

import time

import pytest

from requests_app.lifecycle import Status
from requests_app.production import services
from requests_app.production.models import Production
from tests.production.conftest import approve
from tests.production.helpers import manifest_of, package_zip

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


def test_build_on_a_real_worker(real_worker, submit, reviewer):
    request = approve(submit(), reviewer, {"subscriber_info": "approved", "cloud_chat_content": "approved"})
    # Queued on commit (autocommit here), picked up by the worker thread through the broker.
    production = services.production_start(request=request, actor=reviewer.user)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        production.refresh_from_db()
        if production.status != Production.Status.BUILDING:
            break
        time.sleep(0.2)
    assert production.status == Production.Status.READY
    assert manifest_of(package_zip(production))["request"] == request.reference
    request.refresh_from_db()
    assert request.status == Status.DELIVERED
    # Sent to the worker again: still one package.
    from requests_app.production.tasks import build_production

    assert build_production.delay(production.pk).get(timeout=30) == "ready"
    assert Production.objects.filter(request=request).count() == 1
