"""The relay finds a follow-up's task even when its module was never imported in this process, and a row
naming no registered task stays pending for an operator instead of breaking the relay of the others."""

from __future__ import annotations

import sys

import pytest
from celery import current_app
from celery.exceptions import NotRegistered

from requests_app import outbox
from requests_app.models import FollowUp

pytestmark = pytest.mark.django_db


def test_a_task_whose_module_was_never_imported_is_found(monkeypatch):
    name = "transparency.tasks.facts_refresh_task"
    current_app.loader.import_default_modules()
    task = current_app.tasks[name]
    # As in a fresh web process: neither the task nor its module is known yet.
    for registered in [n for n in current_app.tasks if n.startswith("transparency.tasks.")]:
        monkeypatch.delitem(current_app.tasks, registered)  # put back as they were after the test
    monkeypatch.delitem(sys.modules, "transparency.tasks")
    monkeypatch.setattr(current_app.loader, "import_default_modules", lambda: None)  # only the module import
    found = outbox.registered_task(name)
    assert found.name == name and found.run.__name__ == task.run.__name__


def test_an_unknown_task_is_not_batchable_and_its_row_stays_pending():
    assert outbox.batchable("requests_app.tasks.no_such_task") is False
    with pytest.raises(NotRegistered):
        outbox.registered_task("requests_app.tasks.no_such_task")
    row = FollowUp.objects.create(event="submitted", task="requests_app.tasks.no_such_task", kwargs={})
    assert outbox._publish_rows([row], batched=True) == 0
    row.refresh_from_db()
    assert row.status == FollowUp.Status.PENDING
