"""The build runs on a real Celery worker (Redis broker when CELERY_BROKER_URL is set, as in CI)."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError

from requests_app.lifecycle import Status
from requests_app.production import services
from requests_app.production.models import Production
from requests_app.production.records import DemoRecordSource
from tests.factories import approve
from tests.production.helpers import manifest_of, package_zip

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


def wait_until_built(production: Production, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            production.refresh_from_db()
        except OperationalError:  # SQLite's shared-cache test database: the worker holds a table lock
            time.sleep(0.5)
            continue
        if production.status != Production.Status.BUILDING:
            return
        time.sleep(0.5)


@pytest.mark.usefixtures("real_worker")
def test_build_on_a_real_worker(submit, reviewer, settings):
    settings.PRODUCTION_RETRY_SECONDS = 1  # should the shared SQLite test database be busy for a moment
    request = approve(submit(), reviewer, {"subscriber_info": "approved", "cloud_chat_content": "approved"})
    # Queued on commit (autocommit here), picked up by the worker thread through the broker.
    production = services.production_start(request=request, actor=reviewer.user)
    wait_until_built(production)
    assert production.status == Production.Status.UNSIGNED  # the certificate waits for the custodian
    assert manifest_of(package_zip(production))["request"] == request.reference
    request.refresh_from_db()
    assert request.status == Status.PRODUCING
    # Sent to the worker again: still one package.
    from requests_app.production.tasks import production_build_task

    assert production_build_task.delay(production.pk).get(timeout=30) == "unsigned"
    assert Production.objects.filter(request=request).count() == 1


class FlakySource(DemoRecordSource):
    """The record store fails on the first attempt only."""

    failures = 0

    def records(self, *args):
        if FlakySource.failures == 0:
            FlakySource.failures += 1
            raise ConnectionError("record store restarting")
        return super().records(*args)


@pytest.mark.usefixtures("real_worker")
def test_failed_build_is_retried_by_the_worker(submit, reviewer, settings):
    settings.RECORD_SOURCE = "tests.production.test_worker.FlakySource"
    settings.PRODUCTION_RETRY_SECONDS = 0
    FlakySource.failures = 0
    request = approve(submit(), reviewer, {"subscriber_info": "approved"})
    production = services.production_start(request=request, actor=reviewer.user)
    wait_until_built(production)
    assert FlakySource.failures == 1
    assert production.status == Production.Status.UNSIGNED
    assert production.attempts >= 2
