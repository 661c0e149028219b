"""The Django admin shows evidence but can neither change nor delete it."""

from __future__ import annotations

import pytest
from django.test import Client

from requests_app.documents import store_encrypted
from requests_app.models import Decision, Document, LegalRequest, Message, Officer, RequestEvent
from requests_app.pdf_support import minimal_pdf
from tests.factories import LegalRequestFactory, StaffFactory, login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Client:
    staff = StaffFactory(role=Officer.Role.ADMIN, user__is_staff=True, user__is_superuser=True)
    client = Client()
    login_verified(client, staff.user)
    return client


@pytest.fixture
def evidence(officer_a, reviewer):
    lr = LegalRequestFactory(agency=officer_a.agency, submitted_by=officer_a.user)
    content = minimal_pdf()
    doc = Document.objects.create(request=lr, filename="w.pdf", size=len(content), sha256="0" * 64)
    store_encrypted(doc, content)  # bound to the saved row (issue #12 item 6)
    doc.refresh_from_db()
    decision = Decision.objects.create(
        request=lr, category="subscriber_info", verdict="approved", decided_by=reviewer.user
    )
    message = Message.objects.create(request=lr, author=officer_a.user, from_agency=True, body="Please hurry.")
    return {"legalrequest": lr, "document": doc, "decision": decision, "message": message}


@pytest.mark.parametrize("model", ["legalrequest", "document", "decision", "message"])
def test_evidence_cannot_be_changed_or_deleted(operator, evidence, model):
    obj = evidence[model]
    model_cls = type(obj)
    before = list(model_cls.objects.values())
    base = f"/admin/requests_app/{model}/"

    page = operator.get(f"{base}{obj.pk}/change/")
    assert page.status_code == 200  # operators may look
    assert b'name="_save"' not in page.content

    assert operator.post(f"{base}{obj.pk}/change/", {"filename": "x.pdf", "body": "edited"}).status_code == 403
    assert operator.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    operator.post(base, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    assert operator.get(f"{base}add/").status_code == 403
    assert list(model_cls.objects.values()) == before


@pytest.mark.usefixtures("evidence")
def test_event_log_is_read_only(operator):
    events = RequestEvent.objects.count()
    assert operator.get("/admin/requests_app/requestevent/add/").status_code == 403
    assert RequestEvent.objects.count() == events
    assert LegalRequest.objects.count() == 1
