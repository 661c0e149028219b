"""The request page (/legal/requests/<ref>/)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from requests_app.review import services as svc

pytestmark = pytest.mark.django_db


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


def test_it_validates_ownership(client_a, client_b, lr):
    """Not even the requesting agency's officer sees the legal team's page of its request."""
    for client in (client_a, client_b):
        response = client.get(reverse("review:request", args=[lr.reference]))
        assert response.status_code == 404 and b"Decision" not in response.content
