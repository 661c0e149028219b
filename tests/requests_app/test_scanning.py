"""Issue #12 item 4: every upload is scanned by a real clamd before anyone may open it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from requests_app import scanning, tasks
from requests_app.documents import DocumentInput
from requests_app.models import Document, EventType, RequestEvent
from requests_app.pdf_support import minimal_pdf, pdf_from_objects
from requests_app.services import request_submit
from tests.factories import warrant_data

# EICAR's test file, put together at run time so the repository itself holds no copy of it.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-" + b"TEST-FILE!$H+H*"


def eicar_pdf() -> bytes:
    """A valid one-page PDF (no active content) that carries EICAR in an extra stream object."""
    text = b"BT /F1 12 Tf 72 720 Td (Search warrant) Tj ET"
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length " + str(len(text)).encode() + b" >>\nstream\n" + text + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Length " + str(len(EICAR)).encode() + b" >>\nstream\n" + EICAR + b"\nendstream",
        ]
    )


def _submit(officer, content: bytes, capture) -> Document:
    with capture(execute=True):  # the scan is a follow-up that runs once the upload commits
        lr = request_submit(
            actor=officer.user,
            data=warrant_data(),
            documents=[DocumentInput("warrant.pdf", content)],
            acknowledge_warnings=True,  # a second request on the same account is a possible duplicate
        )
    return lr.documents.get()


def test_the_eicar_sample_is_a_pdf_the_upload_check_accepts():
    from requests_app.documents import check_pdf

    check_pdf("warrant.pdf", eicar_pdf())  # so it is the scanner, not the PDF filter, that must catch it


@pytest.mark.usefixtures("clamd")
def test_eicar_inside_a_valid_pdf_is_caught_and_never_served(
    officer_a, client_a, client_reviewer, reviewer, django_capture_on_commit_callbacks, mailoutbox
):
    document = _submit(officer_a, eicar_pdf(), django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert document.scan_status == Document.Scan.INFECTED
    assert document.scan_signature.startswith("Portal-Test.EICAR")
    assert document.scanned_at is not None

    # The officer is told in plain words, in the request's timeline and beside the document.
    told = RequestEvent.objects.get(request=document.request, event_type=EventType.DOCUMENT_SCANNED)
    assert told.public and "contains malware and was quarantined" in told.message
    assert "upload a clean copy" in told.message
    page = client_a.get(reverse("intake:request_detail", args=[document.request.reference])).content.decode()
    assert "contains malware and was quarantined" in page
    (mail,) = [m for m in mailoutbox if "quarantined" in m.subject]  # and by e-mail, naming the request only
    assert mail.to == [officer_a.user.email] and document.request.reference in mail.subject
    assert "upload a clean copy" in mail.body and "warrant.pdf" not in mail.body
    assert "quarantined: malware found, cannot be opened" in page

    # The reviewer is never served the file; the refusal is audited. Neither is the officer.
    url = reverse("review:document", args=[document.request.reference, document.pk])
    response = client_reviewer.get(url, follow=True)
    assert response["Content-Type"].startswith("text/html") and EICAR not in response.content
    assert "was found to contain malware and is quarantined" in response.content.decode()
    refused = RequestEvent.objects.filter(event_type=EventType.DOCUMENT_REFUSED, request=document.request)
    assert refused.count() == 1 and refused.get().actor == reviewer.user
    assert refused.get().payload["reason"] == "infected"
    response = client_a.get(reverse("intake:document_download", args=[document.request.reference, document.pk]))
    assert response.status_code == 302 and EICAR not in response.content
    assert refused.count() == 2
    assert not RequestEvent.objects.filter(event_type=EventType.DOCUMENT_VIEWED).exists()
    review_page = client_reviewer.get(reverse("review:request", args=[document.request.reference])).content.decode()
    assert url not in review_page  # no link to it


@pytest.mark.usefixtures("clamd")
def test_a_clean_pdf_is_marked_clean_and_opens(officer_a, client_reviewer, django_capture_on_commit_callbacks):
    document = _submit(officer_a, minimal_pdf(), django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert document.scan_status == Document.Scan.CLEAN and document.scan_signature == ""
    event = RequestEvent.objects.get(event_type=EventType.DOCUMENT_SCANNED)
    assert not event.public and event.payload["result"] == "clean"
    response = client_reviewer.get(reverse("review:document", args=[document.request.reference, document.pk]))
    assert response.status_code == 200 and response.content == minimal_pdf()


def test_scanner_down_stays_pending_is_not_served_and_the_rescan_catches_up(
    settings, tmp_path, clamd_server, officer_a, client_reviewer, django_capture_on_commit_callbacks
):
    settings.CLAMD_SOCKET = str(tmp_path / "no-clamd-here.sock")  # configured, but nothing listens
    clean = _submit(officer_a, minimal_pdf(), django_capture_on_commit_callbacks)
    infected = _submit(officer_a, eicar_pdf(), django_capture_on_commit_callbacks)
    for d in (clean, infected):
        d.refresh_from_db()
        assert d.scan_status == Document.Scan.PENDING, "never silently clean"
    assert tasks.documents_rescan_pending_task() == {
        "clean": 0,
        "infected": 0,
        "pending": 1,
        "unreadable": 0,
    }  # stops: still down

    url = reverse("review:document", args=[clean.request.reference, clean.pk])
    response = client_reviewer.get(url, follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert "has not been checked for malware yet" in response.content.decode()
    assert RequestEvent.objects.get(event_type=EventType.DOCUMENT_REFUSED).payload["reason"] == "not_scanned"
    page = client_reviewer.get(reverse("review:request", args=[clean.request.reference])).content.decode()
    assert "not scanned yet: waiting for the malware check" in page

    settings.CLAMD_SOCKET = clamd_server  # the scanner is back: beat's rescan takes both up
    assert tasks.documents_rescan_pending_task() == {"clean": 1, "infected": 1, "pending": 0, "unreadable": 0}
    clean.refresh_from_db()
    infected.refresh_from_db()
    assert (clean.scan_status, infected.scan_status) == (Document.Scan.CLEAN, Document.Scan.INFECTED)
    assert client_reviewer.get(url).content == minimal_pdf()
    assert tasks.documents_rescan_pending_task() == {
        "clean": 0,
        "infected": 0,
        "pending": 0,
        "unreadable": 0,
    }  # nothing left


def test_without_a_scanner_in_development_documents_say_not_scanned(
    settings, officer_a, client_reviewer, django_capture_on_commit_callbacks
):
    settings.CLAMD_SOCKET = settings.CLAMD_HOST = ""
    assert not scanning.configured()
    document = _submit(officer_a, minimal_pdf(), django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert document.scan_status == Document.Scan.PENDING
    page = client_reviewer.get(reverse("review:request", args=[document.request.reference])).content.decode()
    assert "not scanned: no virus scanner is configured" in page
    response = client_reviewer.get(reverse("review:document", args=[document.request.reference, document.pk]))
    assert response.status_code == 200  # make run: served, and labelled as not scanned


def test_production_never_serves_an_unscanned_document(settings, officer_a, django_capture_on_commit_callbacks):
    from requests_app.services import document_refusal

    document = _submit(officer_a, minimal_pdf(), django_capture_on_commit_callbacks)
    settings.CLAMD_SOCKET = settings.CLAMD_HOST = ""
    settings.PRODUCTION = True
    assert document_refusal(document)[1] == "not_scanned"


@pytest.mark.parametrize("reply", [("ERROR", "INSTREAM size limit exceeded"), ("WEIRD", None)])
def test_an_error_reply_is_not_clean(settings, monkeypatch, reply):
    settings.CLAMD_SOCKET = "/nonexistent"

    class Client:
        def instream(self, buff):
            return {"stream": reply}

    monkeypatch.setattr(scanning, "_client", Client)
    assert scanning.scan_bytes(b"%PDF-").outcome == scanning.UNAVAILABLE


@pytest.mark.usefixtures("clamd")
def test_an_eicar_pdf_uploaded_through_the_api_is_caught_and_the_officer_told(
    officer_a, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from tests.intake.helpers import token_for

    lr = _submit(officer_a, minimal_pdf(), django_capture_on_commit_callbacks).request
    api = Client(headers={"Authorization": f"Bearer {token_for(officer_a)}"})
    upload = SimpleUploadedFile("page2.pdf", eicar_pdf(), content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/requests/{lr.reference}/documents/", {"file": upload})
    assert response.status_code == 201 and response.json()["scan_status"] == "pending"  # scanned after commit
    document = Document.objects.get(pk=response.json()["id"])
    assert document.scan_status == Document.Scan.INFECTED
    detail = api.get(f"/api/v1/requests/{lr.reference}/").json()
    assert {d["filename"]: d["scan_status"] for d in detail["documents"]} == {
        "warrant.pdf": "clean",
        "page2.pdf": "infected",
    }
    timeline = api.get(f"/api/v1/requests/{lr.reference}/timeline/").json()
    assert any("page2.pdf contains malware and was quarantined" in e["message"] for e in timeline)


def test_an_unreadable_document_does_not_hold_up_the_rescan(
    clamd, settings, tmp_path, officer_a, django_capture_on_commit_callbacks
):
    settings.CLAMD_SOCKET = str(tmp_path / "down.sock")
    broken = _submit(officer_a, minimal_pdf("one"), django_capture_on_commit_callbacks)
    later = _submit(officer_a, minimal_pdf("two"), django_capture_on_commit_callbacks)
    with open(broken.file.path, "r+b") as fh:  # altered on storage
        fh.seek(100)
        fh.write(b"\x00" * 8)
    settings.CLAMD_SOCKET = clamd
    assert tasks.documents_rescan_pending_task() == {"clean": 1, "infected": 0, "pending": 0, "unreadable": 1}
    broken.refresh_from_db()
    later.refresh_from_db()
    assert (broken.scan_status, later.scan_status) == (Document.Scan.PENDING, Document.Scan.CLEAN)
