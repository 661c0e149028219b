"""GET /api/v1/requests/<ref>/timeline/: public events only."""

from __future__ import annotations

import pytest

from requests_app.models import EventType

pytestmark = pytest.mark.django_db


def test_timeline_is_public_events_only(api_a, lr):
    from requests_app.audit import event_record

    event_record(event_type=EventType.SENSITIVE_VIEW, request=lr, message="internal", public=False)
    events = api_a.get(f"/api/v1/requests/{lr.reference}/timeline/").json()
    assert [e["type"] for e in events] == ["submitted", "transition"]


def test_it_validates_ownership(api_b, lr):
    assert api_b.get(f"/api/v1/requests/{lr.reference}/timeline/").status_code == 404
