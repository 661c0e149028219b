"""kill -9 of a real worker in the middle of a build: the build is queued again, finishes once,
and no temp file of the killed attempt is left (PostgreSQL + own redis-server; CI)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app.models import RequestEvent
from requests_app.production import services
from requests_app.production.models import Production
from tests.factories import approve
from tests.faults import app_on_broker, needs_postgresql, wait_for

pytestmark = [needs_postgresql, pytest.mark.worker, pytest.mark.xdist_group("worker")]

STALL = 3


def _parts(tmp_dir, production_id: int) -> list[str]:
    return [n for n in os.listdir(tmp_dir) if n.startswith(f"production-{production_id}-") and n.endswith(".part")]


def test_a_build_whose_worker_is_killed_is_requeued_and_finishes_once(
    redis_server, workers, submit, reviewer, settings, tmp_path
):
    tmp_dir = tmp_path / "build-tmp"
    tmp_dir.mkdir()
    flag = tmp_path / "hold-the-build"
    flag.touch()
    settings.PRODUCTION_TMP_DIR = str(tmp_dir)
    settings.PRODUCTION_STALL_SECONDS = STALL
    env = {
        "PRODUCTION_TMP_DIR": str(tmp_dir),
        "RECORD_SOURCE": "tests.production.blocking_source.BlockingSource",
        "BLOCKING_SOURCE_FLAG": str(flag),
        "PRODUCTION_HEARTBEAT_SECONDS": "1",
        "PRODUCTION_STALL_SECONDS": str(STALL),
    }
    request = approve(submit(), reviewer, {"subscriber_info": "approved", "cloud_chat_content": "approved"})
    first = workers(broker_url=redis_server.url, env=env)
    with app_on_broker(redis_server.url) as app:
        production = services.production_start(request=request, actor=reviewer.user)
        pk = production.pk
        # Mid-build: the worker holds the build open on the blocking record source, its temp file written.
        wait_for(lambda: _parts(tmp_dir, pk), timeout=60, what=f"the build to start\n{first.log_tail()}")
        first.kill()
        flag.unlink()
        stale = _parts(tmp_dir, pk)
        assert stale  # the killed attempt's file is still there
        assert Production.objects.get(pk=pk).status == Production.Status.BUILDING

        # Beat's requeue finds it once its heartbeat is older than the stall period.
        wait_for(
            lambda: Production.objects.filter(pk=pk, heartbeat_at__lte=timezone.now() - timedelta(seconds=STALL)),
            timeout=STALL + 10,
            what="the heartbeat to go stale",
        )
        second = workers(broker_url=redis_server.url, env=env)
        app.send_task("requests_app.production.tasks.productions_requeue_stalled_task")

        def built():
            p = Production.objects.get(pk=pk)
            return p if p.status != Production.Status.BUILDING else None

        done = wait_for(built, timeout=90, what=f"the requeued build to finish\n{second.log_tail()}")
    assert done.status == Production.Status.UNSIGNED  # built once; the custodian's signature releases it
    assert done.attempts == 2
    assert Production.objects.filter(request=request).count() == 1
    assert RequestEvent.objects.filter(request=request, message__startswith="Package built").count() == 1
    assert RequestEvent.objects.filter(request=request, message__contains="stalled").count() == 1
    assert done.file and os.path.exists(done.file.path)
    assert _parts(tmp_dir, pk) == []  # the killed attempt's file went at the next attempt
    for name in stale:
        assert not (tmp_dir / name).exists()
