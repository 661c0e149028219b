"""The request form keeps checked PDFs (encrypted, for an hour) when it comes back with errors."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.utils import timezone

from requests_app import crypto
from requests_app.intake.models import PendingUpload
from requests_app.intake.tasks import pending_uploads_purge_task
from requests_app.models import Document, LegalRequest
from tests.factories import minimal_pdf
from tests.intake.helpers import form_data, pdf_upload

pytestmark = pytest.mark.django_db

NEW = "/le/requests/new/"


def kept_tokens(response) -> list[str]:
    return re.findall(r'name="kept_upload" value="([^"]+)"', response.content.decode())


def keep_one(client, name: str = "warrant.pdf", content: bytes | None = None) -> str:
    """Post a form with a rule error and one good PDF; return the kept file's signed token."""
    response = client.post(NEW, form_data(request_type="subpoena", documents=pdf_upload(name, content)))
    assert response.status_code == 400
    (token,) = kept_tokens(response)
    return token


def test_form_error_keeps_the_pdf_and_the_next_try_submits_it(client_a, django_capture_on_commit_callbacks):
    content = minimal_pdf("Warrant for the kept-file test")
    response = client_a.post(NEW, form_data(request_type="subpoena", documents=pdf_upload("warrant.pdf", content)))
    body = response.content.decode()
    assert response.status_code == 400 and "cannot compel this data: Cloud chat content" in body
    assert "Kept from your last try" in body and "warrant.pdf (1 KB)" in body
    assert "attached files are not kept" not in body
    kept = PendingUpload.objects.get()
    stored_name = kept.file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(NEW, {**form_data(), "kept_upload": kept_tokens(response)})
    assert response.status_code == 302
    document = Document.objects.get(request=LegalRequest.objects.get())
    assert document.filename == "warrant.pdf" and document.sha256 == hashlib.sha256(content).hexdigest()
    assert not PendingUpload.objects.exists() and not default_storage.exists(stored_name)


def test_a_refused_pdf_is_not_kept_but_the_good_one_is(client_a):
    uploads = [pdf_upload("warrant.pdf"), pdf_upload("fake.pdf", b"GIF89a not a pdf")]
    response = client_a.post(NEW, form_data(documents=uploads))
    body = response.content.decode()
    assert response.status_code == 400 and "fake.pdf is not a PDF" in body
    assert list(PendingUpload.objects.values_list("filename", flat=True)) == ["warrant.pdf"]
    assert len(kept_tokens(response)) == 1 and LegalRequest.objects.count() == 0


def test_kept_files_count_as_the_document_in_the_live_check(client_a):
    token = keep_one(client_a)
    check = "/le/requests/new/check/"
    assert 'data-code="document_missing"' in client_a.post(check, {**form_data(), "has_document": "0"}).content.decode()
    body = client_a.post(check, {**form_data(), "has_document": "0", "kept_upload": token}).content.decode()
    assert 'data-code="document_missing"' not in body
    removed = {**form_data(), "has_document": "0", "kept_upload": token, "kept_remove": token}
    assert 'data-code="document_missing"' in client_a.post(check, removed).content.decode()


def test_the_removal_checkbox_drops_the_file(client_a, django_capture_on_commit_callbacks):
    token = keep_one(client_a)
    stored_name = PendingUpload.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(NEW, {**form_data(), "kept_upload": token, "kept_remove": token})
    body = response.content.decode()
    assert response.status_code == 400 and "Removed warrant.pdf" in body
    assert 'data-code="document_missing"' in body and not kept_tokens(response)
    assert not PendingUpload.objects.exists() and not default_storage.exists(stored_name)
    assert LegalRequest.objects.count() == 0


def test_another_officers_kept_file_is_ignored(client_a, client_b):
    token_b = keep_one(client_b)
    response = client_a.post(NEW, {**form_data(), "kept_upload": token_b})
    body = response.content.decode()
    assert response.status_code == 400 and "could not be used" in body
    assert 'data-code="document_missing"' in body and not kept_tokens(response)
    assert LegalRequest.objects.count() == 0 and PendingUpload.objects.count() == 1  # still officer B's


def test_a_tampered_or_foreign_signature_is_ignored(client_a):
    token = keep_one(client_a)
    upload = PendingUpload.objects.get()
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        signing.dumps([upload.pk, upload.sha256], salt="some.other.use"),
        signing.dumps([upload.pk, upload.sha256]),
        "not-a-token",
    ]
    for bad in forged:
        response = client_a.post(NEW, {**form_data(), "kept_upload": bad})
        assert response.status_code == 400 and "could not be recognised" in response.content.decode()
    assert LegalRequest.objects.count() == 0


def test_a_kept_file_swapped_for_another_id_is_ignored(client_a):
    keep_one(client_a)
    first = PendingUpload.objects.get()
    keep_one(client_a, "other.pdf", minimal_pdf("Another warrant"))
    second = PendingUpload.objects.exclude(pk=first.pk).get()
    swapped = signing.dumps([second.pk, first.sha256], salt="requests_app.intake.request_form.kept-upload")
    response = client_a.post(NEW, {**form_data(), "kept_upload": swapped})
    assert response.status_code == 400 and "could not be used" in response.content.decode()
    assert LegalRequest.objects.count() == 0


def test_an_expired_upload_cannot_be_used_and_is_purged(client_a, django_capture_on_commit_callbacks):
    token = keep_one(client_a)
    upload = PendingUpload.objects.get()
    PendingUpload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client_a.post(NEW, {**form_data(), "kept_upload": token})
    assert response.status_code == 400 and "could not be used" in response.content.decode()
    assert LegalRequest.objects.count() == 0

    keep_one(client_a, "fresh.pdf", minimal_pdf("A fresh one"))
    with django_capture_on_commit_callbacks(execute=True):
        assert pending_uploads_purge_task() == 1
    assert list(PendingUpload.objects.values_list("filename", flat=True)) == ["fresh.pdf"]
    assert not default_storage.exists(upload.file.name)


def test_the_kept_file_is_encrypted_at_rest(client_a):
    content = minimal_pdf("Sealed warrant text")
    keep_one(client_a, content=content)
    upload = PendingUpload.objects.get()
    with default_storage.open(upload.file.name, "rb") as fh:
        raw = fh.read()
    assert b"Sealed warrant text" not in raw and b"%PDF" not in raw
    assert crypto.decrypt_bytes(raw, record=f"intake.pendingupload:{upload.pk}") == content
    assert upload.size == len(content) and upload.sha256 == hashlib.sha256(content).hexdigest()
    assert upload.expires_at - upload.created_at == timedelta(hours=1)


def test_a_kept_nondisclosure_order_counts_as_attached(client_a):
    data = {**form_data(request_type="subpoena"), "ndo": "on", "ndo_until": "2030-01-01"}
    response = client_a.post(NEW, {**data, "documents": pdf_upload(), "ndo_document": pdf_upload("ndo.pdf")})
    assert response.status_code == 400 and "— nondisclosure order" in response.content.decode()
    tokens = kept_tokens(response)
    assert len(tokens) == 2
    response = client_a.post(NEW, {**data, "request_type": "search_warrant", "kept_upload": tokens})
    assert response.status_code == 302
    kinds = LegalRequest.objects.get().documents.values_list("kind", flat=True)
    assert sorted(kinds) == ["legal_process", "ndo"]


def test_keeping_and_purging_are_audited(client_a, officer_a, django_capture_on_commit_callbacks):
    from requests_app.audit import sequence_pending, verify_log
    from requests_app.models import EventType, RequestEvent

    content = minimal_pdf("Audited kept file")
    keep_one(client_a, content=content)
    upload = PendingUpload.objects.get()
    kept = RequestEvent.objects.get(event_type=EventType.DOCUMENT_ADDED, request=None)
    assert kept.actor == officer_a.user and kept.agency == officer_a.agency
    assert kept.payload == {
        "pending_upload": upload.pk,
        "sha256": hashlib.sha256(content).hexdigest(),
        "kind": "legal_process",
    }
    assert "Audited kept file" not in str(kept.payload) and upload.filename not in kept.message

    PendingUpload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert pending_uploads_purge_task() == 1
        assert pending_uploads_purge_task() == 0  # nothing left: no second event
    purged = RequestEvent.objects.get(event_type=EventType.PURGED)
    assert purged.payload == {"pending_uploads": [upload.pk]}
    sequence_pending()
    assert verify_log().ok


def test_a_kept_file_goes_with_its_row_however_the_row_is_deleted(client_a, django_capture_on_commit_callbacks):
    """E.g. an operator deleting rows in the admin. (An officer who kept a file cannot be deleted at all:
    the audit event of the keep protects the account.)"""
    keep_one(client_a)
    name = PendingUpload.objects.get().file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        PendingUpload.objects.all().delete()
    assert not default_storage.exists(name)
