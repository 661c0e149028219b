"""Letters: rendered by WeasyPrint, text checked in the PDF, stored with SHA-256, sent through the portal."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core import mail
from pypdf import PdfReader

from requests_app.documents import open_plaintext
from requests_app.models import EventType, RequestEvent
from requests_app.review import services as svc
from requests_app.review.letters import render_letter

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def test_acknowledgement_stored_hashed_and_sent(lr, reviewer):
    letter = svc.letter_send(request=lr, kind="acknowledgement", actor=reviewer.user)
    pdf = open_plaintext(letter.document)
    assert pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == letter.sha256 == letter.document.sha256
    assert letter.document.kind == "letter" and letter.document.request == lr
    text = pdf_text(pdf)
    assert "Acknowledgement of receipt" in text and lr.reference in text and "CR-2026-0042" in text
    assert "Cloud chat content" in text
    ev = RequestEvent.objects.get(request=lr, event_type=EventType.LETTER)
    assert ev.public and ev.payload["sha256"] == letter.sha256


def test_letter_email_goes_to_the_submitting_officer(lr, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        letter = svc.letter_send(request=lr, kind="acknowledgement", actor=reviewer.user)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@met.police.example"] and not mail.outbox[0].attachments
    assert letter.sha256 in mail.outbox[0].body


def test_request_for_information_letter_carries_the_question(lr, reviewer):
    svc.review_start(request=lr, actor=reviewer.user)
    svc.review_request_info(request=lr, actor=reviewer.user, question="Send page 2 of the signed warrant.")
    text = pdf_text(render_letter(request=lr, kind="request_for_information"))
    assert "Request for information" in text and "Send page 2 of the signed warrant." in text


def test_rejection_letter_explains_the_reason_in_plain_words(lr, reviewer):
    svc.review_reject(
        request=lr, actor=reviewer.user, reason_code="wrong_jurisdiction", note="Issued by a court in another country."
    )
    text = pdf_text(render_letter(request=lr, kind="rejection"))
    assert "Wrong jurisdiction or entity" in text
    assert "not issued in a jurisdiction" in text
    assert "Issued by a court in another country." in text


@pytest.mark.usefixtures("supervisor")
def test_decision_letter_lists_approved_and_denied(lr, reviewer):
    svc.review_start(request=lr, actor=reviewer.user)
    svc.decision_record(request=lr, actor=reviewer.user, category="subscriber_info", verdict="approved")
    svc.decision_record(
        request=lr,
        actor=reviewer.user,
        category="cloud_chat_content",
        verdict="denied",
        reason_code="overbroad",
        note="Limit the range to one month.",
    )
    svc.review_approve(request=lr, actor=reviewer.user)
    text = pdf_text(render_letter(request=lr, kind="decision"))
    assert "comply with your request in part" in text
    assert "Subscriber information" in text and "Cloud chat content" in text and "Overbroad" in text
    assert "Limit the range to one month." in text


def test_concluding_sends_the_decision_letter(lr, reviewer, django_capture_on_commit_callbacks):
    svc.review_start(request=lr, actor=reviewer.user)
    svc.decision_record(request=lr, actor=reviewer.user, category="subscriber_info", verdict="approved")
    svc.decision_record(
        request=lr, actor=reviewer.user, category="cloud_chat_content", verdict="denied", reason_code="overbroad"
    )
    with django_capture_on_commit_callbacks(execute=True):
        svc.review_approve(request=lr, actor=reviewer.user)
    assert list(lr.letters.values_list("kind", flat=True)) == ["decision"]
