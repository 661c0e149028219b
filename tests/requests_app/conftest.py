"""Fixtures of the core's tests."""

import pytest
from celery import current_app

from requests_app import followups, outbox
from requests_app.models import FollowUp


class Published(list):
    """(task name, kwargs, task id) per follow-up handed to the broker; `batches`: the batch messages' ids."""

    batches: list[list[int]]


@pytest.fixture
def published(monkeypatch):
    """Every follow-up the relay hands to the broker (not run), as (task name, kwargs, task id); a batch
    message (requests_app.outbox.run_batch) counts once for each row it carries, under that row's id."""
    sent = Published()
    sent.batches = []
    current_app.loader.import_default_modules()
    for names in followups.FOLLOW_UPS.values():
        for name in names:
            task = current_app.tasks[name]
            monkeypatch.setattr(
                task,
                "apply_async",
                lambda kwargs, task_id, _name=name, **options: sent.append((_name, kwargs, task_id)),
            )

    def batch(kwargs, task_id, **options):
        sent.batches.append(kwargs["ids"])
        for row in FollowUp.objects.filter(pk__in=kwargs["ids"]).order_by("pk"):
            sent.append((row.task, row.kwargs, f"followup-{row.pk}"))

    monkeypatch.setattr(outbox.registered_task(outbox.BATCH_TASK), "apply_async", batch)
    return sent
