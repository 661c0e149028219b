"""Builds survive a lost worker: heartbeat, requeue of silent builds, temp files named after the build."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app.models import FollowUp
from requests_app.production import services
from requests_app.production.models import Production
from tests.factories import approve

pytestmark = pytest.mark.django_db

BUILD_TASK = "requests_app.production.tasks.production_build_task"


@pytest.fixture
def tmp_dir(settings, tmp_path):
    settings.PRODUCTION_TMP_DIR = str(tmp_path / "build-tmp")
    return tmp_path / "build-tmp"


@pytest.fixture
def building(submit, reviewer):
    """A production started (its build queued on commit, which a django_db test never reaches)."""
    request = approve(submit(), reviewer, {"subscriber_info": "approved", "cloud_chat_content": "approved"})
    production = services.production_start(request=request, actor=reviewer.user)
    assert production.status == Production.Status.BUILDING
    return production


def _part(tmp_dir, production_id: int, tag: str = "stale") -> str:
    os.makedirs(tmp_dir, exist_ok=True)
    path = os.path.join(tmp_dir, f"production-{production_id}-{tag}.part")
    with open(path, "wb") as fh:
        fh.write(b"ciphertext of a killed attempt")
    return path


def _parts(tmp_dir) -> list[str]:
    return sorted(os.listdir(tmp_dir)) if os.path.isdir(tmp_dir) else []


def test_a_build_removes_what_an_earlier_attempt_left_and_leaves_no_temp_file(building, tmp_dir):
    stale = _part(tmp_dir, building.pk)
    other = _part(tmp_dir, building.pk + 1000)  # another production's build: not ours to touch
    started = timezone.now()
    built = services.production_build(production_id=building.pk)
    assert built.status == Production.Status.UNSIGNED  # built; waits for the custodian (i10)
    assert not os.path.exists(stale)
    assert _parts(tmp_dir) == [os.path.basename(other)]
    built.refresh_from_db()
    assert built.heartbeat_at is not None and built.heartbeat_at >= started
    assert built.attempts == 1


def test_a_second_run_of_a_finished_build_does_nothing(building, tmp_dir):
    services.production_build(production_id=building.pk)
    first = Production.objects.get(pk=building.pk)
    again = services.production_build(production_id=building.pk)
    assert again.status == Production.Status.UNSIGNED
    assert (again.file.name, again.sha256, again.attempts) == (first.file.name, first.sha256, 1)
    assert Production.objects.filter(request=building.request).count() == 1
    assert _parts(tmp_dir) == []


def test_the_purge_removes_temp_files_of_builds_that_ended(building, tmp_dir, submit, reviewer):
    services.production_build(production_id=building.pk)
    ended = _part(tmp_dir, building.pk)
    orphan = _part(tmp_dir, 999999)  # its production no longer exists
    request = approve(submit(), reviewer, {"subscriber_info": "approved"})
    live = services.production_start(request=request, actor=reviewer.user)
    running = _part(tmp_dir, live.pk)
    services.productions_purge_expired()
    assert not os.path.exists(ended) and not os.path.exists(orphan)
    assert os.path.exists(running)  # still building: its next attempt cleans it


def test_a_silent_build_is_queued_again_once_per_stall(building, settings):
    settings.PRODUCTION_STALL_SECONDS = 60
    now = timezone.now()
    Production.objects.filter(pk=building.pk).update(heartbeat_at=now - timedelta(seconds=30))
    assert services.productions_requeue_stalled(now=now) == []  # still within its stall period

    Production.objects.filter(pk=building.pk).update(heartbeat_at=now - timedelta(seconds=61))
    before = FollowUp.objects.filter(task=BUILD_TASK).count()
    assert services.productions_requeue_stalled(now=now) == [building.pk]
    rows = FollowUp.objects.filter(task=BUILD_TASK).order_by("pk")
    assert rows.count() == before + 1
    assert rows.last().kwargs == {"production_id": building.pk}
    # Counted again from the requeue: the next beat does not queue it a second time.
    assert services.productions_requeue_stalled(now=now + timedelta(seconds=30)) == []
    assert services.productions_requeue_stalled(now=now + timedelta(seconds=61)) == [building.pk]


def test_a_build_that_never_started_counts_from_its_creation(building, settings):
    settings.PRODUCTION_STALL_SECONDS = 60
    assert building.heartbeat_at is None
    assert services.productions_requeue_stalled(now=building.created_at + timedelta(seconds=59)) == []
    assert services.productions_requeue_stalled(now=building.created_at + timedelta(seconds=61)) == [building.pk]


@pytest.mark.usefixtures("tmp_dir")
def test_finished_builds_are_never_queued_again(building, settings):
    settings.PRODUCTION_STALL_SECONDS = 60
    services.production_build(production_id=building.pk)
    later = timezone.now() + timedelta(days=1)
    assert services.productions_requeue_stalled(now=later) == []


def test_the_requeue_runs_on_beat():
    from django.conf import settings

    entries = {e["task"]: e for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "requests_app.production.tasks.productions_requeue_stalled_task" in entries
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_TASK_ACKS_LATE is True
    # Above the longest build: Redis must not hand a running build to a second worker.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.PRODUCTION_STALL_SECONDS
