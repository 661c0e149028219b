"""The review actions (start, decide, change, approve, verify, info, resume, reject) through the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from requests_app.lifecycle import Status
from requests_app.models import Decision, EventType, RequestEvent

pytestmark = pytest.mark.django_db


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


def test_it_validates_ownership(client_a, lr):
    """The requesting agency's officer cannot take the legal team's steps on its own request."""
    assert client_a.post(reverse("review:start", args=[lr.reference])).status_code == 404
    ref = lr.reference
    assert (
        client_a.post(
            reverse("review:decide", args=[ref]), {"category": "subscriber_info", "verdict": "approved"}
        ).status_code
        == 404
    )
    lr.refresh_from_db()
    assert lr.status == Status.VALIDATED and not Decision.objects.filter(request=lr).exists()
