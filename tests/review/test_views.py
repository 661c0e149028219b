"""The /legal/ pages: who may see them, what they show, and that actions go through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_app.lifecycle import Status
from requests_app.models import Decision, EventType, RequestEvent
from requests_app.review import services as svc
from tests.factories import AgencyFactory, LegalRequestFactory, StaffFactory, TargetFactory

pytestmark = pytest.mark.django_db


def all_urls(lr, pk=1):
    ref = lr.reference
    gets = [
        reverse("review:queue"),
        reverse("review:request", args=[ref]),
        reverse("review:audit", args=[ref]),
        reverse("review:document", args=[ref, pk]),
    ]
    posts = [
        reverse(f"review:{name}", args=[ref])
        for name in (
            "assign",
            "start",
            "verify",
            "info",
            "resume",
            "reject",
            "decide",
            "approve",
            "message",
            "dsa_classify",
        )
    ] + [reverse("review:approve_decision", args=[ref, pk])]
    return gets, posts


def test_anonymous_is_sent_to_sign_in(anon, lr):
    gets, posts = all_urls(lr)
    for url in gets + posts:
        response = anon.post(url) if url in posts else anon.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("who", ["client_a", "client_b"])
def test_officers_get_404_everywhere_and_nothing_changes(request, who, lr):
    client = request.getfixturevalue(who)
    gets, posts = all_urls(lr, pk=lr.documents.get().pk)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"assignee": "me", "reason_code": "other", "note": "x"}).status_code == 404, url
    lr.refresh_from_db()
    assert lr.status == Status.VALIDATED and lr.assignee is None
    assert not RequestEvent.objects.filter(request=lr, event_type=EventType.DOCUMENT_VIEWED).exists()


def test_staff_without_second_factor_in_session_is_refused(reviewer, lr):
    client = Client()
    client.force_login(reviewer.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    from tests.factories import enrol_totp

    enrol_totp(reviewer.user)
    response = client.get(reverse("review:queue"))
    # Not served: sent to prove the second factor in this session first.
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/reauthenticate/")


def test_staff_without_authenticator_is_sent_to_enrolment(lr):
    staff = StaffFactory()
    client = Client()
    client.force_login(staff.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    response = client.get(reverse("review:queue"))
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]


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


def test_request_page_shows_everything_and_keeps_production_panel(client_reviewer, lr, reviewer):
    svc.review_start(request=lr, actor=reviewer.user)
    response = client_reviewer.get(reverse("review:request", args=[lr.reference]))
    assert response.status_code == 200
    assert response.context["lr"] == lr
    assert "production/staff_panel.html" in [t.name for t in response.templates]
    html = response.content.decode()
    for text in (
        "+12025550143",
        "No such account",
        "warrant.pdf",
        "Cloud chat content",
        "In legal review",
        "US District Court",
    ):
        assert text in html, text


def test_document_opens_inline_and_is_audited(client_reviewer, lr, reviewer):
    doc = lr.documents.get()
    response = client_reviewer.get(reverse("review:document", args=[lr.reference, doc.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response.content.startswith(b"%PDF-")
    ev = RequestEvent.objects.get(request=lr, event_type=EventType.DOCUMENT_VIEWED)
    assert ev.actor == reviewer.user and ev.ip_address == "127.0.0.1"
    audit = client_reviewer.get(reverse("review:audit", args=[lr.reference])).content.decode()
    assert "Opened warrant.pdf" in audit and "Rita Reviewer" in audit and "All " in audit


def test_document_of_another_request_is_404(client_reviewer, lr):
    other = LegalRequestFactory()
    doc = lr.documents.get()
    assert client_reviewer.get(reverse("review:document", args=[other.reference, doc.pk])).status_code == 404


def test_actions_through_the_pages(client_reviewer, client_supervisor, lr, reviewer, supervisor):
    url = lambda name, *a: reverse(f"review:{name}", args=[lr.reference, *a])  # noqa: E731
    assert client_reviewer.post(url("start")).status_code == 302
    lr.refresh_from_db()
    assert lr.status == Status.IN_REVIEW and lr.assignee == reviewer.user
    client_reviewer.post(url("decide"), {"category": "subscriber_info", "verdict": "approved"})
    client_reviewer.post(url("decide"), {"category": "cloud_chat_content", "verdict": "approved"})
    response = client_reviewer.post(url("approve"), follow=True)
    assert "second supervisor" in response.content.decode()
    lr.refresh_from_db()
    assert lr.status == Status.IN_REVIEW
    content = Decision.objects.get(request=lr, category="cloud_chat_content")
    # A reviewer cannot approve a decision; a supervisor can.
    client_reviewer.post(url("approve_decision", content.pk))
    content.refresh_from_db()
    assert content.approved_at is None
    client_supervisor.post(url("approve_decision", content.pk))
    content.refresh_from_db()
    assert content.approved_by == supervisor.user
    client_reviewer.post(url("approve"))
    lr.refresh_from_db()
    assert lr.status == Status.APPROVED


def test_a_decided_category_is_changed_only_by_the_change_action(client_reviewer, lr):
    url = lambda name: reverse(f"review:{name}", args=[lr.reference])  # noqa: E731
    client_reviewer.post(url("start"))
    client_reviewer.post(url("decide"), {"category": "subscriber_info", "verdict": "approved"})
    # The decision form saved again does not re-decide: it says how to change the decision.
    response = client_reviewer.post(
        url("decide"), {"category": "subscriber_info", "verdict": "denied", "reason_code": "overbroad"}, follow=True
    )
    assert "use “Change decision” and say why" in response.content.decode()
    assert Decision.objects.get(request=lr, category="subscriber_info").verdict == "approved"
    response = client_reviewer.post(
        url("change_decision"),
        {"category": "subscriber_info", "verdict": "denied", "reason_code": "overbroad"},
        follow=True,
    )
    assert "Why the decision changes: This field is required" in response.content.decode()
    client_reviewer.post(
        url("change_decision"),
        {"category": "subscriber_info", "verdict": "denied", "reason_code": "overbroad", "why": "period too wide"},
    )
    assert Decision.objects.get(request=lr, category="subscriber_info").verdict == "denied"
    events = RequestEvent.objects.filter(request=lr, event_type=EventType.DECISION).order_by("id")
    assert [e.message for e in events] == [
        "Subscriber information: approved",
        "Subscriber information: changed to denied (period too wide)",
    ]
    html = client_reviewer.get(url("request")).content.decode()
    row = html.split('data-category="subscriber_info"')[1].split("</tr>")[0]
    assert "decided: denied" in row and 'class="decide"' not in row and "Change decision" in row


def test_bad_input_gives_a_message_and_saves_nothing(client_reviewer, lr):
    client_reviewer.post(reverse("review:start", args=[lr.reference]))
    response = client_reviewer.post(
        reverse("review:decide", args=[lr.reference]),
        {"category": "cloud_chat_content", "verdict": "denied"},
        follow=True,
    )
    assert "Give the reason" in response.content.decode()
    response = client_reviewer.post(
        reverse("review:reject", args=[lr.reference]), {"reason_code": "bogus"}, follow=True
    )
    assert "Reason:" in response.content.decode()
    lr.refresh_from_db()
    assert lr.status == Status.IN_REVIEW and not lr.decisions.exists()


def test_verify_and_reject_and_info_pages(client_reviewer, emergency_lr, lr):
    called = (timezone.now() - timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M")
    client_reviewer.post(
        reverse("review:verify", args=[emergency_lr.reference]),
        {
            "contact_name": "Insp. Smith",
            "directory_number": "+44 20 7230 1212",
            "directory_source": "Police directory",
            "called_at": called,
            "result": "confirmed",
            "good_faith_belief": "on",
        },
    )
    emergency_lr.refresh_from_db()
    assert emergency_lr.status == Status.IN_REVIEW
    client_reviewer.post(reverse("review:start", args=[lr.reference]))
    client_reviewer.post(reverse("review:info", args=[lr.reference]), {"question": "Which account is the suspect's?"})
    lr.refresh_from_db()
    assert lr.status == Status.NEEDS_INFO and lr.clock_paused_at
    client_reviewer.post(reverse("review:resume", args=[lr.reference]))
    client_reviewer.post(
        reverse("review:reject", args=[lr.reference]), {"reason_code": "wrong_jurisdiction", "note": ""}
    )
    lr.refresh_from_db()
    assert lr.status == Status.REJECTED and lr.rejection_reason == "wrong_jurisdiction"


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


def test_staff_reply_goes_into_the_thread(client_reviewer, lr, reviewer):
    response = client_reviewer.post(
        reverse("review:message", args=[lr.reference]), {"body": "Which time zone is the range in?"}, follow=True
    )
    assert response.status_code == 200
    msg = lr.messages.get()
    assert msg.author == reviewer.user and msg.from_agency is False
    assert "Which time zone is the range in?" in response.content.decode()
    empty = client_reviewer.post(reverse("review:message", args=[lr.reference]), {"body": "  "}, follow=True)
    assert lr.messages.count() == 1 and "Message to the agency" in empty.content.decode()


def test_queue_index_migration_matches_the_open_states():
    import importlib

    from requests_app.lifecycle import OPEN_STATES

    migration = importlib.import_module("requests_app.review.migrations.0002_queue_indexes")
    assert sorted(migration.OPEN) == sorted(str(s) for s in OPEN_STATES)
