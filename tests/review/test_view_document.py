"""Opening a document inline (/legal/requests/<ref>/documents/<pk>/): audited, 404 across requests."""

from __future__ import annotations

import pytest
from django.urls import reverse

from requests_app.models import EventType, RequestEvent
from tests.factories import LegalRequestFactory

pytestmark = pytest.mark.django_db


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


def test_it_validates_ownership(client_a, lr):
    doc = lr.documents.get()
    response = client_a.get(reverse("review:document", args=[lr.reference, doc.pk]))
    assert response.status_code == 404
    assert not RequestEvent.objects.filter(request=lr, event_type=EventType.DOCUMENT_VIEWED).exists()
