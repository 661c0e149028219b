"""The legal team's replies in the request's thread (/legal/requests/<ref>/message/)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


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


def test_it_validates_ownership(client_b, lr):
    response = client_b.post(reverse("review:message", args=[lr.reference]), {"body": "Not yours."})
    assert response.status_code == 404
    assert not lr.messages.exists()
