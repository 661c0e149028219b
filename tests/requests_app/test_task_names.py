"""Issue 17 item 4: every Celery task is named after the service it calls, with a `_task` suffix,
and follow-ups stored under a task's old name are renamed by the migration, not lost."""

from __future__ import annotations

import importlib

import pytest
from celery import current_app
from django.apps import apps as django_apps

from requests_app.models import FollowUp

PROJECT_MODULES = ("requests_app.", "transparency.", "portal.")
rename = importlib.import_module("requests_app.migrations.0017_i17_task_names")


def _project_tasks() -> list[str]:
    current_app.loader.import_default_modules()
    return sorted(n for n in current_app.tasks if n.startswith(PROJECT_MODULES))


def test_every_project_task_ends_with_task_and_lives_in_a_tasks_module():
    names = _project_tasks()
    assert len(names) >= 40
    assert [n for n in names if not n.endswith("_task") or ".tasks." not in n] == []


def test_every_beat_entry_names_a_registered_task():
    from django.conf import settings

    current_app.loader.import_default_modules()
    missing = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] not in current_app.tasks]
    assert missing == []


def test_the_rename_covers_old_names_only_and_points_at_registered_tasks():
    registered = set(_project_tasks())
    olds = [old for old, _ in rename.RENAMED]
    assert len(set(olds)) == len(olds)
    assert [new for _, new in rename.RENAMED if new not in registered] == []
    assert [old for old in olds if old in registered] == []


@pytest.mark.django_db
def test_migration_renames_stored_follow_ups_and_back():
    old, new = rename.RENAMED[0]
    row = FollowUp.objects.create(event="submitted", task=old, kwargs={"request_id": 1})
    other = FollowUp.objects.create(event="submitted", task="requests_app.tasks.unrelated", kwargs={})
    rename.forward(django_apps, None)
    row.refresh_from_db()
    other.refresh_from_db()
    assert (row.task, other.task) == (new, "requests_app.tasks.unrelated")
    rename.backward(django_apps, None)
    row.refresh_from_db()
    assert row.task == old
