"""After submission: messages, documents, answering the legal team, withdrawing."""

from __future__ import annotations

import pytest
from django.core import mail

from requests_app.documents import DocumentInput
from requests_app.intake import services
from requests_app.lifecycle import Status
from requests_app.models import Document, EventType, Message, RequestEvent
from requests_app.services import request_submit, request_transition
from tests.factories import minimal_pdf, warrant
from tests.intake.helpers import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def lr(officer_a):
    return request_submit(actor=officer_a.user, data=warrant(), documents=[DocumentInput("warrant.pdf", minimal_pdf())])


@pytest.fixture
def needs_info(lr, reviewer):
    request_transition(request=lr, to=Status.IN_REVIEW, actor=reviewer.user)
    request_transition(request=lr, to=Status.NEEDS_INFO, actor=reviewer.user, reason="Send the signed page 2.")
    return lr


def url(lr, tail=""):
    return f"/le/requests/{lr.reference}/{tail}"


def test_officer_posts_message_and_legal_team_is_emailed(client_a, lr, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(url(lr, "messages/"), {"body": "Any update?"})
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.from_agency and message.body == "Any update?"
    event = RequestEvent.objects.get(event_type=EventType.MESSAGE)
    assert event.public and event.request == lr
    notice = mail.outbox[-1]
    assert notice.to == [settings.LEGAL_TEAM_EMAIL] and lr.reference in notice.subject
    assert "Any update?" not in notice.body  # no case content in e-mail


def test_staff_message_through_the_service_emails_the_officer(
    lr, reviewer, officer_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_post(request=lr, author=reviewer.user, body="Which account is the main one?")
    assert message.from_agency is False
    assert mail.outbox[-1].to == [officer_a.user.email]


def test_message_refusals(client_a, client_b, anon, lr, officer_b):
    assert client_a.post(url(lr, "messages/"), {"body": "   "}).status_code == 400
    assert client_b.post(url(lr, "messages/"), {"body": "hi"}).status_code == 404
    assert anon.post(url(lr, "messages/"), {"body": "hi"}).status_code == 302
    with pytest.raises(services.PermissionDenied):
        services.message_post(request=lr, author=officer_b.user, body="sneaky")
    assert Message.objects.count() == 0


def test_add_document_to_open_request(client_a, lr):
    response = client_a.post(url(lr, "documents/"), {"document": pdf_upload("page2.pdf")})
    assert response.status_code == 302
    assert lr.documents.filter(filename="page2.pdf").exists()


def test_add_fake_document_is_refused(client_a, client_b, lr):
    response = client_a.post(url(lr, "documents/"), {"document": pdf_upload("fake.pdf", b"MZ\x90\x00 executable")})
    assert response.status_code == 400 and "is not a PDF" in response.content.decode()
    assert client_b.post(url(lr, "documents/"), {"document": pdf_upload()}).status_code == 404
    assert lr.documents.count() == 1


def test_answer_returns_request_to_review(client_a, needs_info):
    page = client_a.get(url(needs_info)).content.decode()
    assert "Send the signed page 2." in page and "needs more information" in page
    response = client_a.post(url(needs_info, "answer/"), {"body": "Attached.", "document": pdf_upload("page2.pdf")})
    assert response.status_code == 302
    needs_info.refresh_from_db()
    assert needs_info.status == Status.IN_REVIEW
    assert needs_info.messages.count() == 1 and needs_info.documents.count() == 2


def test_answer_with_bad_pdf_saves_nothing(client_a, needs_info):
    response = client_a.post(
        url(needs_info, "answer/"), {"body": "Attached.", "document": pdf_upload("x.pdf", b"nope")}
    )
    assert response.status_code == 400
    needs_info.refresh_from_db()
    assert needs_info.status == Status.NEEDS_INFO and needs_info.messages.count() == 0


@pytest.mark.usefixtures("client_a", "lr")
def test_answer_refused_when_not_asked_and_for_other_agency(client_b, needs_info):
    assert client_b.post(url(needs_info, "answer/"), {"body": "x"}).status_code == 404
    needs_info.refresh_from_db()
    assert needs_info.status == Status.NEEDS_INFO


def test_answer_refused_when_no_question(client_a, lr):
    response = client_a.post(url(lr, "answer/"), {"body": "unprompted"})
    assert response.status_code == 400 and "has not asked" in response.content.decode()
    assert lr.messages.count() == 0


def test_withdraw(client_a, client_b, lr):
    assert client_b.post(url(lr, "withdraw/"), {"reason": "x"}).status_code == 404
    response = client_a.post(url(lr, "withdraw/"), {"reason": "Case closed"})
    assert response.status_code == 302
    lr.refresh_from_db()
    assert lr.status == Status.WITHDRAWN
    client_a.post(url(lr, "withdraw/"))  # twice: explained, not a crash
    lr.refresh_from_db()
    assert lr.status == Status.WITHDRAWN


def test_document_download_is_decrypted_and_audited(client_a, client_b, anon, lr):
    document = Document.objects.get(request=lr)
    response = client_a.get(url(lr, f"documents/{document.pk}/"))
    assert response.status_code == 200 and response.content == minimal_pdf()
    assert response["Content-Type"] == "application/pdf"
    viewed = RequestEvent.objects.filter(event_type=EventType.DOCUMENT_VIEWED, request=lr)
    assert viewed.count() == 1 and not viewed.get().public
    assert client_b.get(url(lr, f"documents/{document.pk}/")).status_code == 404
    assert anon.get(url(lr, f"documents/{document.pk}/")).status_code == 302
    assert viewed.count() == 1
