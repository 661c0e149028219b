"""The queue (/legal/): order, filters, pagination without counting, constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_app.lifecycle import Status
from tests.factories import AgencyFactory, LegalRequestFactory, StaffFactory, TargetFactory

pytestmark = pytest.mark.django_db


def test_queue_orders_emergencies_first_then_due(client_reviewer):
    now = timezone.now()
    late = LegalRequestFactory(due_at=now + timedelta(days=5))
    soon = LegalRequestFactory(due_at=now + timedelta(days=1))
    emergency = LegalRequestFactory(due_at=now + timedelta(days=9), emergency=True, status=Status.AWAITING_VERIFICATION)
    closed = LegalRequestFactory(status=Status.CLOSED)
    html = client_reviewer.get(reverse("review:queue")).content.decode()
    positions = [html.index(r.reference) for r in (emergency, soon, late)]
    assert positions == sorted(positions)
    assert closed.reference not in html


def test_queue_filters_and_search(client_reviewer, reviewer):
    now = timezone.now()
    de = AgencyFactory(country="DE")
    overdue = LegalRequestFactory(due_at=now - timedelta(hours=1), agency=de, country="DE")
    mine = LegalRequestFactory(assignee=reviewer.user, request_type="subpoena", case_number="CASE-XYZ")
    TargetFactory(request=mine, raw_value="Wanted_Person", value="wanted_person")
    closed = LegalRequestFactory(status=Status.CLOSED)

    def refs(**params):
        html = client_reviewer.get(reverse("review:queue"), params).content.decode()
        return {r.reference for r in (overdue, mine, closed) if r.reference in html}

    assert refs() == {overdue.reference, mine.reference}
    assert refs(overdue="true") == {overdue.reference}
    assert refs(overdue="false") == {mine.reference}
    assert refs(assignee=reviewer.user.pk) == {mine.reference}
    assert refs(assignee="null") == {overdue.reference}
    assert refs(request_type="subpoena") == {mine.reference}
    assert refs(country="DE") == {overdue.reference}
    assert refs(agency=de.pk) == {overdue.reference}
    kept = client_reviewer.get(reverse("review:queue"), {"agency": de.pk, "country": "DE"}).content.decode()
    assert f'<option value="{de.pk}" selected>' in kept and '<option value="DE" selected>' in kept
    assert refs(status="closed") == {closed.reference}
    assert refs(q="@Wanted_Person") == {mine.reference}
    assert refs(q="CASE-XYZ") == {mine.reference}
    assert refs(q=overdue.reference.lower()) == {overdue.reference}
    assert refs(emergency="true") == set()


def test_queue_pagination_without_counting(client_reviewer):
    LegalRequestFactory.create_batch(51)
    with CaptureQueriesContext(connection) as ctx:
        first = client_reviewer.get(reverse("review:queue")).content.decode()
        assert "page=2" in first
        second = client_reviewer.get(reverse("review:queue"), {"page": 2}).content.decode()
    assert second.count('data-reference="') == 1 and "page=3" not in second
    # The page fetches one row more than it shows: no COUNT(*) over the matching requests.
    assert not [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]


def _queue_queries(client, n):
    agency = AgencyFactory()
    staff = StaffFactory.create_batch(2)
    for i in range(n):
        lr = LegalRequestFactory(agency=agency, assignee=staff[i % 2].user, emergency=bool(i % 2))
        TargetFactory.create_batch(2, request=lr)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("review:queue"), {"agency": agency.pk})
    assert response.status_code == 200
    assert response.content.decode().count('data-reference="') == n
    return len(ctx.captured_queries)


def test_queue_query_count_does_not_grow_with_rows(client_reviewer):
    assert _queue_queries(client_reviewer, 1) == _queue_queries(client_reviewer, 10)


def test_queue_index_migration_matches_the_open_states():
    import importlib

    from requests_app.lifecycle import OPEN_STATES

    migration = importlib.import_module("requests_app.review.migrations.0002_queue_indexes")
    assert sorted(migration.OPEN) == sorted(str(s) for s in OPEN_STATES)


def test_it_validates_ownership(client_a, lr):
    """Officers are not the legal team: the queue is not theirs (404, nothing listed)."""
    response = client_a.get(reverse("review:queue"))
    assert response.status_code == 404 and lr.reference.encode() not in response.content
