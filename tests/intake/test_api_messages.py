"""GET and POST /api/v1/requests/<ref>/messages/."""

from __future__ import annotations

import pytest

from requests_app.intake import services
from requests_app.models import EventType, Message, RequestEvent

pytestmark = pytest.mark.django_db


def test_messages_list_and_post(api_a, lr, reviewer, django_capture_on_commit_callbacks):
    services.message_post(request=lr, author=reviewer.user, body="Please confirm the date range.")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_a.post(f"/api/v1/requests/{lr.reference}/messages/", {"body": "Confirmed."})
    assert response.status_code == 201 and response.json()["from_agency"] is True
    thread = api_a.get(f"/api/v1/requests/{lr.reference}/messages/").json()
    assert [m["author"] for m in thread] == ["Legal team", "Alice Officer"]
    assert RequestEvent.objects.filter(event_type=EventType.MESSAGE).count() == 2
    assert api_a.post(f"/api/v1/requests/{lr.reference}/messages/", {"body": ""}).status_code == 400


def test_it_validates_ownership(api_b, lr):
    assert api_b.get(f"/api/v1/requests/{lr.reference}/messages/").status_code == 404
    assert api_b.post(f"/api/v1/requests/{lr.reference}/messages/", {"body": "hello"}).status_code == 404
    assert Message.objects.count() == 0
