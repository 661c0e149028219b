"""A supervisor's background build runs on a real Celery worker and reports its progress."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError

from tests.transparency.helpers import make_request
from transparency import services
from transparency.models import Report

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


@pytest.mark.usefixtures("real_worker")
def test_background_build_on_a_real_worker(supervisor, supervisor2):
    make_request(produced=["subscriber_info"], found=2)
    make_request(request_type="subpoena")
    # Autocommit here: the task is queued on commit and picked up by the worker thread through the broker.
    report = services.report_build(period="2025-H1", actor=supervisor.user, background=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            report.refresh_from_db()
        except OperationalError:  # SQLite test database briefly locked by the worker
            time.sleep(0.3)
            continue
        if report.status != Report.Status.BUILDING:
            break
        time.sleep(0.3)
    assert (report.status, report.progress) == (Report.Status.DRAFT, 100)
    assert report.snapshot["totals"]["requests"] == 2
    published = services.report_publish(report=report, actor=supervisor2.user)
    assert published.version == 1 and published.sha256
