"""Issue 16, point 4: the legal queue as a working tool — sorting, saved views, the approximate
total, bulk assignment, internal notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_app.lifecycle import Status
from requests_app.models import EventType, LegalRequest, RequestEvent
from requests_app.review import workspace
from requests_app.review.models import InternalNote, SavedView
from requests_app.services import PermissionDenied
from tests.factories import AgencyFactory, LegalRequestFactory, StaffFactory, TargetFactory
from tests.intake.helpers import token_for

pytestmark = pytest.mark.django_db


def refs_in(html: str) -> list[str]:
    import re

    return re.findall(r'<tr class="[^"]*" data-reference="([^"]+)"', html)


# --- sorting --------------------------------------------------------------------------------


def test_parse_sort_accepts_only_the_whitelist():
    assert workspace.parse_sort("due") == ("due", False)
    assert workspace.parse_sort("-agency") == ("agency", True)
    for bad in ("", "-", "password", "agency__name", "due;drop", "--due"):
        assert workspace.parse_sort(bad) is None, bad


def test_queue_sorts_by_column_and_ignores_unknown_keys(client_reviewer):
    now = timezone.now()
    late = LegalRequestFactory(due_at=now + timedelta(days=9), agency=AgencyFactory(name="Zeta police"))
    soon = LegalRequestFactory(due_at=now + timedelta(days=1), agency=AgencyFactory(name="Alpha police"))
    mid = LegalRequestFactory(
        due_at=now + timedelta(days=5), agency=AgencyFactory(name="Midtown police"), emergency=True
    )
    url = reverse("review:queue")
    assert refs_in(client_reviewer.get(url).content.decode()) == [mid.reference, soon.reference, late.reference]
    assert refs_in(client_reviewer.get(url, {"sort": "due"}).content.decode()) == [
        soon.reference,
        mid.reference,
        late.reference,
    ]
    html = client_reviewer.get(url, {"sort": "-agency"}).content.decode()
    assert refs_in(html) == [late.reference, mid.reference, soon.reference]
    assert 'aria-sort="descending"' in html
    # Not on the whitelist: the normal queue order, no error.
    response = client_reviewer.get(url, {"sort": "assignee__password"})
    assert response.status_code == 200
    assert refs_in(response.content.decode()) == [mid.reference, soon.reference, late.reference]


# --- saved views ----------------------------------------------------------------------------


def test_builtin_views_mine_emergencies_waiting(client_reviewer, reviewer):
    mine = LegalRequestFactory(assignee=reviewer.user)
    emergency = LegalRequestFactory(emergency=True)
    waiting = LegalRequestFactory(status=Status.NEEDS_INFO, clock_paused_at=timezone.now())
    url = reverse("review:queue")
    assert refs_in(client_reviewer.get(url, {"view": "mine"}).content.decode()) == [mine.reference]
    assert refs_in(client_reviewer.get(url, {"view": "emergencies"}).content.decode()) == [emergency.reference]
    html = client_reviewer.get(url, {"view": "waiting"}).content.decode()
    assert refs_in(html) == [waiting.reference]
    assert 'data-view="waiting" aria-current="page"' in html


@pytest.mark.usefixtures("supervisor")
def test_saved_view_is_stored_per_user_and_only_the_owner_deletes_it(client_reviewer, client_supervisor, reviewer):
    response = client_reviewer.post(
        reverse("review:saved_view_create"),
        {"name": "  My  emergencies ", "back": "emergency=true&page=3&evil=1&sort=-due"},
    )
    view = SavedView.objects.get(owner=reviewer.user)
    assert view.name == "My emergencies"
    assert view.query == "emergency=true&sort=-due"  # page and unknown keys dropped
    assert response["Location"].endswith("?emergency=true&sort=-due")
    assert "My emergencies" in client_reviewer.get(reverse("review:queue")).content.decode()
    assert "My emergencies" not in client_supervisor.get(reverse("review:queue")).content.decode()
    # Someone else's view: 404, and it stays.
    assert client_supervisor.post(reverse("review:saved_view_delete", args=[view.pk])).status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()
    client_reviewer.post(reverse("review:saved_view_delete", args=[view.pk]))
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_saved_view_refuses_empty_and_builtin_names(reviewer, officer_a):
    with pytest.raises(workspace.SavedViewError, match="name"):
        workspace.saved_view_save(owner=reviewer.user, name=" ", query="emergency=true")
    with pytest.raises(workspace.SavedViewError, match="built-in"):
        workspace.saved_view_save(owner=reviewer.user, name="mine", query="emergency=true")
    with pytest.raises(workspace.SavedViewError, match="at least one filter"):
        workspace.saved_view_save(owner=reviewer.user, name="Empty", query="page=2")
    with pytest.raises(PermissionDenied):
        workspace.saved_view_save(owner=officer_a.user, name="Mine too", query="emergency=true")
    assert SavedView.objects.count() == 0


# --- the total, without COUNT ---------------------------------------------------------------


def test_round_estimate():
    assert workspace.round_estimate(7) == 7
    assert workspace.round_estimate(1234) == 1200
    assert workspace.round_estimate(87654) == 88000
    assert str(workspace.Total(1234, exact=False)) == "about 1,200"
    assert str(workspace.Total(12, exact=True)) == "12"


def _queue_sql(client, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("review:queue"), params or {})
    assert response.status_code == 200
    return response, [q["sql"] for q in ctx.captured_queries]


def test_queue_shows_exact_total_when_small_and_never_counts(client_reviewer):
    agency = AgencyFactory()
    for _ in range(3):
        TargetFactory(request=LegalRequestFactory(agency=agency))
    LegalRequestFactory(status=Status.CLOSED)
    response, sql = _queue_sql(client_reviewer)
    assert 'id="queue-total">3 open<' in response.content.decode()
    assert not [q for q in sql if "COUNT(" in q.upper()], sql


@pytest.mark.usefixtures("settings")
def test_queue_total_past_one_page_still_without_count(client_reviewer):
    LegalRequestFactory.create_batch(53)
    for params in ({}, {"page": 2}, {"sort": "-due"}, {"view": "emergencies"}, {"emergency": "false"}):
        response, sql = _queue_sql(client_reviewer, params)
        assert not [q for q in sql if "COUNT(" in q.upper()], (params, sql)
    response, _ = _queue_sql(client_reviewer, {"page": 2})
    assert 'id="queue-total">53 open<' in response.content.decode()


def test_large_total_is_an_estimate(monkeypatch):
    monkeypatch.setattr(workspace, "EXACT_UP_TO", 2)
    LegalRequestFactory.create_batch(4)
    monkeypatch.setattr(workspace, "planner_estimate", lambda qs: 1234)
    assert str(workspace.queue_total(LegalRequest.objects.open())) == "about 1,200"
    monkeypatch.setattr(workspace, "planner_estimate", lambda qs: None)
    assert str(workspace.queue_total(LegalRequest.objects.open())) == "more than 2"


def test_planner_estimate_on_postgresql_none_elsewhere():
    LegalRequestFactory.create_batch(5)
    estimate = workspace.planner_estimate(LegalRequest.objects.open().filter(emergency=False))
    if connection.vendor == "postgresql":
        assert isinstance(estimate, int) and estimate >= 1
    else:
        assert estimate is None


# --- bulk assignment ------------------------------------------------------------------------


def test_bulk_assign_to_me_audits_each_request(client_reviewer, reviewer):
    rows = LegalRequestFactory.create_batch(3)
    response = client_reviewer.post(
        reverse("review:bulk_assign"), {"ref": [r.reference for r in rows], "assignee": "me", "back": "sort=due"}
    )
    assert response["Location"].endswith("/legal/?sort=due")
    for r in rows:
        r.refresh_from_db()
        assert r.assignee == reviewer.user
        assert RequestEvent.objects.filter(request=r, event_type=EventType.ASSIGNED, actor=reviewer.user).count() == 1
    page = client_reviewer.get(response["Location"]).content.decode()
    assert "3 requests assigned to you" in page


@pytest.mark.usefixtures("reviewer")
def test_bulk_assign_is_all_or_nothing_and_says_why(client_reviewer):
    other = StaffFactory()
    free = LegalRequestFactory()
    taken = LegalRequestFactory(assignee=other.user)
    closed = LegalRequestFactory(status=Status.CLOSED)
    response = client_reviewer.post(
        reverse("review:bulk_assign"),
        {"ref": [free.reference, taken.reference, closed.reference, "LR-NOPE"], "assignee": "me"},
        follow=True,
    )
    html = response.content.decode()
    assert "Nothing was changed." in html
    assert f"{taken.reference}: Only a supervisor can reassign" in html
    assert f"{closed.reference}: This request is closed" in html
    assert "LR-NOPE: No such request." in html
    free.refresh_from_db()
    taken.refresh_from_db()
    assert free.assignee is None and taken.assignee == other.user
    assert not RequestEvent.objects.filter(event_type=EventType.ASSIGNED).exists()


def test_supervisor_bulk_reassigns_to_a_colleague(client_supervisor, reviewer, supervisor):
    rows = [LegalRequestFactory(assignee=supervisor.user), LegalRequestFactory()]
    client_supervisor.post(
        reverse("review:bulk_assign"), {"ref": [r.reference for r in rows], "assignee": str(reviewer.user.pk)}
    )
    for r in rows:
        r.refresh_from_db()
        assert r.assignee == reviewer.user


def test_bulk_assign_refuses_non_staff_assignee_and_empty_selection(client_supervisor, officer_a):
    lr = LegalRequestFactory()
    html = client_supervisor.post(
        reverse("review:bulk_assign"), {"ref": [lr.reference], "assignee": str(officer_a.user.pk)}, follow=True
    ).content.decode()
    assert "only be assigned to active members of the legal team" in html
    html = client_supervisor.post(reverse("review:bulk_assign"), {"assignee": "me"}, follow=True).content.decode()
    assert "Select at least one request." in html
    lr.refresh_from_db()
    assert lr.assignee is None


@pytest.mark.parametrize("who", ["client_a", "client_b"])
def test_officers_cannot_use_the_workspace_actions(request, who, officer_a):
    client = request.getfixturevalue(who)
    lr = LegalRequestFactory(agency=officer_a.agency)
    assert client.post(reverse("review:bulk_assign"), {"ref": [lr.reference], "assignee": "me"}).status_code == 404
    assert client.post(reverse("review:saved_view_create"), {"name": "x", "back": "emergency=true"}).status_code == 404
    assert client.post(reverse("review:note", args=[lr.reference]), {"body": "hello"}).status_code == 404
    lr.refresh_from_db()
    assert lr.assignee is None
    assert not InternalNote.objects.exists() and not SavedView.objects.exists()


def test_anonymous_is_sent_to_sign_in_for_workspace_actions(anon):
    lr = LegalRequestFactory()
    for url in (reverse("review:bulk_assign"), reverse("review:note", args=[lr.reference])):
        response = anon.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_bulk_assign_service_refuses_non_staff(officer_a):
    lr = LegalRequestFactory()
    with pytest.raises(PermissionDenied):
        workspace.bulk_assign(references=[lr.reference], assignee=officer_a.user, actor=officer_a.user)


# --- internal notes -------------------------------------------------------------------------


def test_note_is_saved_audited_without_its_text_and_shown_to_staff(client_reviewer, reviewer, lr):
    body = "Agency called: the suspect's second account is on another platform."
    client_reviewer.post(reverse("review:note", args=[lr.reference]), {"body": body})
    note = InternalNote.objects.get(request=lr)
    assert note.author == reviewer.user and note.body == body
    event = RequestEvent.objects.get(request=lr, event_type=EventType.NOTE)
    assert event.public is False and body not in str(event.payload) and body not in event.message
    html = client_reviewer.get(reverse("review:request", args=[lr.reference])).content.decode()
    assert body.replace("'", "&#x27;") in html


def test_empty_or_too_long_note_is_refused_in_plain_words(client_reviewer, lr):
    html = client_reviewer.post(
        reverse("review:note", args=[lr.reference]), {"body": "   "}, follow=True
    ).content.decode()
    assert "Write something in the note." in html
    html = client_reviewer.post(
        reverse("review:note", args=[lr.reference]), {"body": "x" * 5001}, follow=True
    ).content.decode()
    assert "Keep the note under 5,000 characters" in html
    assert not InternalNote.objects.exists()


def test_agency_never_sees_internal_notes_on_pages_or_api(client_a, officer_a, reviewer, lr):
    secret = "INTERNAL-ONLY: counsel doubts the warrant's particularity"
    workspace.note_add(request=lr, actor=reviewer.user, body=secret)
    assert workspace.notes_for(request=lr, viewer=officer_a.user) == []
    page = client_a.get(reverse("intake:request_detail", args=[lr.reference]))
    assert page.status_code == 200
    assert "INTERNAL-ONLY" not in page.content.decode() and "Internal note" not in page.content.decode()
    from django.test import Client

    api = Client()
    headers = {"Authorization": f"Bearer {token_for(officer_a)}"}
    for path in (
        f"/api/v1/requests/{lr.reference}/",
        f"/api/v1/requests/{lr.reference}/timeline/",
        "/api/v1/requests/",
    ):
        response = api.get(path, headers=headers)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert "INTERNAL-ONLY" not in text and "Internal note" not in text, path


def test_note_service_refuses_officers(officer_a, lr):
    with pytest.raises(PermissionDenied):
        workspace.note_add(request=lr, actor=officer_a.user, body="hi")
    assert not InternalNote.objects.exists()


def test_overdue_estimate_is_asked_with_one_status_list(client_reviewer, monkeypatch):
    """Overdue states are all open: the planner gets one status list, not two it would multiply."""
    monkeypatch.setattr(workspace, "EXACT_UP_TO", 2)
    seen = []
    monkeypatch.setattr(workspace, "planner_estimate", lambda qs: seen.append(str(qs.query)) or 1234)
    LegalRequestFactory.create_batch(4, due_at=timezone.now() - timedelta(days=1))
    html = client_reviewer.get(reverse("review:queue"), {"overdue": "true", "page": 2}).content.decode()
    assert 'id="queue-total">about 1,200 open<' in html
    assert len(seen) == 1 and seen[0].count(" IN (") == 1, seen


def test_sort_index_migration_covers_the_open_states():
    import importlib

    from requests_app.lifecycle import OPEN_STATES

    migration = importlib.import_module("requests_app.review.migrations.0004_i16c_notes_saved_views")
    assert sorted(migration.OPEN) == sorted(str(s) for s in OPEN_STATES)


@pytest.mark.parametrize("params", [{"sort": "-due"}, {"sort": "assignee"}, {"view": "mine"}, {"view": "waiting"}])
def test_queue_query_count_does_not_grow_with_rows_for_sorts_and_views(client_reviewer, reviewer, params):
    def queries(n):
        agency = AgencyFactory()
        for _ in range(n):
            lr = LegalRequestFactory(
                agency=agency, assignee=reviewer.user, status=Status.NEEDS_INFO, clock_paused_at=timezone.now()
            )
            TargetFactory.create_batch(2, request=lr)
        response, sql = _queue_sql(client_reviewer, params)
        assert not [q for q in sql if "COUNT(" in q.upper()]
        return len(sql)

    assert queries(1) == queries(10)
