"""Assigning requests (/legal/requests/<ref>/assign/ and the queue's bulk assign)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_assign_from_queue_and_supervisor_reassigns(client_reviewer, client_supervisor, lr, reviewer, supervisor):
    client_reviewer.post(reverse("review:assign", args=[lr.reference]), {"assignee": "me", "next": "queue"})
    lr.refresh_from_db()
    assert lr.assignee == reviewer.user
    client_supervisor.post(reverse("review:assign", args=[lr.reference]), {"assignee": str(supervisor.user.pk)})
    lr.refresh_from_db()
    assert lr.assignee == supervisor.user
    # A reviewer cannot take it back from the supervisor.
    client_reviewer.post(reverse("review:assign", args=[lr.reference]), {"assignee": "me"})
    lr.refresh_from_db()
    assert lr.assignee == supervisor.user


def test_it_validates_ownership(client_b, lr):
    assert client_b.post(reverse("review:assign", args=[lr.reference]), {"assignee": "me"}).status_code == 404
    lr.refresh_from_db()
    assert lr.assignee is None
