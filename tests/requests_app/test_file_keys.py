"""Issue #12 item 6: encrypted files are bound to their record, checked against their SHA-256 on
every read, carry the id of their master key, and keys rotate with `manage.py rotate_file_keys`."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import struct

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from requests_app import crypto
from requests_app.documents import DocumentInput, open_plaintext
from requests_app.intake.services import pending_upload_keep
from requests_app.models import Document, EventType, RequestEvent
from requests_app.pdf_support import minimal_pdf
from requests_app.services import request_submit
from tests.factories import warrant_data

pytestmark = pytest.mark.django_db


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def submit(officer, text: str) -> Document:
    lr = request_submit(
        actor=officer.user,
        data=warrant_data(),
        documents=[DocumentInput(f"{text}.pdf", minimal_pdf(text))],
        acknowledge_warnings=True,
    )
    return lr.documents.get()


def legacy_ciphertext(data: bytes, master_b64: str) -> bytes:
    """A file as written before issue #12 (version 1): constant associated data, no key id, no record."""
    master = base64.b64decode(master_b64)
    file_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    out = bytearray(crypto.MAGIC + nonce + AESGCM(master).encrypt(nonce, file_key, crypto.MAGIC))
    aes = AESGCM(file_key)
    for index, (block, last) in enumerate(crypto._rechunk([data])):
        n = os.urandom(12)
        sealed = aes.encrypt(n, block, crypto._aad(index, last))
        out += struct.pack(">I", len(sealed)) + n + sealed
    return bytes(out)


def overwrite(name: str, data: bytes) -> None:
    with open(default_storage.path(name), "wb") as fh:
        fh.write(data)


def stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return fh.read()


def test_a_file_carries_its_key_id_and_is_bound_to_its_record(officer_a):
    document = submit(officer_a, "Warrant one")
    document.refresh_from_db()
    raw = stored(document.file.name)
    assert raw[:4] == crypto.MAGIC2 and document.key_id == crypto.current_key_id() == raw[4:12].hex()
    assert crypto.decrypt_bytes(raw, record=f"requests_app.document:{document.pk}") == minimal_pdf("Warrant one")
    with pytest.raises(crypto.DecryptionError, match="does not belong to this record"):
        crypto.decrypt_bytes(raw, record=f"requests_app.document:{document.pk + 1}")
    with pytest.raises(crypto.DecryptionError, match="does not belong to this record"):
        crypto.decrypt_bytes(raw, record=f"intake.pendingupload:{document.pk}")


def test_a_swapped_encrypted_file_is_refused_and_audited(officer_a, client_reviewer, reviewer):
    mine, other = submit(officer_a, "Warrant one"), submit(officer_a, "Warrant two")
    overwrite(mine.file.name, stored(other.file.name))  # another record's file copied over this one's

    url = reverse("review:document", args=[mine.request.reference, mine.pk])
    response = client_reviewer.get(url, follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert b"Warrant two" not in response.content
    assert "the stored file is not the one that was uploaded" in response.content.decode()
    refused = RequestEvent.objects.get(event_type=EventType.DOCUMENT_REFUSED)
    assert refused.actor == reviewer.user and refused.payload == {
        "document": mine.pk,
        "sha256": mine.sha256,
        "reason": "integrity",
    }
    assert not RequestEvent.objects.filter(event_type=EventType.DOCUMENT_VIEWED).exists()
    # The other document is untouched and still opens.
    assert client_reviewer.get(reverse("review:document", args=[other.request.reference, other.pk])).status_code == 200


def test_an_old_file_opens_but_a_swapped_old_file_fails_its_sha256(settings, officer_a, client_a):
    mine = submit(officer_a, "Warrant one")
    submit(officer_a, "Warrant two")
    overwrite(mine.file.name, legacy_ciphertext(minimal_pdf("Warrant one"), settings.FILE_ENCRYPTION_KEY))
    assert open_plaintext(mine) == minimal_pdf("Warrant one")  # files from before the change still read

    # An old file carries no record binding: the SHA-256 check on read catches a swap.
    overwrite(mine.file.name, legacy_ciphertext(minimal_pdf("Warrant two"), settings.FILE_ENCRYPTION_KEY))
    response = client_a.get(reverse("intake:document_download", args=[mine.request.reference, mine.pk]))
    assert response.status_code == 302 and b"Warrant two" not in response.content
    assert RequestEvent.objects.get(event_type=EventType.DOCUMENT_REFUSED).payload["reason"] == "integrity"


def test_rotation_keeps_every_file_readable(settings, officer_a, client_reviewer, django_capture_on_commit_callbacks):
    from requests_app.cybertipline import services as ct
    from tests.factories import StaffFactory, grant, report_data

    old = settings.FILE_ENCRYPTION_KEY
    documents = [submit(officer_a, f"Warrant {i}") for i in range(3)]
    legacy = documents[2]
    overwrite(legacy.file.name, legacy_ciphertext(minimal_pdf("Warrant 2"), old))  # one from before the change
    kept = pending_upload_keep(user=officer_a.user, doc=DocumentInput("kept.pdf", minimal_pdf("Kept")))
    ct_staff = grant(StaffFactory(full_name="Casey Tip", user__email="casey@platform.example"))
    report = ct.report_create(actor=ct_staff.user, data=report_data())
    old_names = [Document.objects.get(pk=d.pk).file.name for d in documents] + [kept.file.name]
    old_names += [f.content.name for f in report.files.all()]
    before = {d.pk: stored(Document.objects.get(pk=d.pk).file.name) for d in documents}

    # 1. A new master key; the old one is still accepted for reading.
    settings.FILE_ENCRYPTION_KEY, settings.FILE_ENCRYPTION_KEYS_OLD = new_key(), [old]
    new_id = crypto.current_key_id()
    assert open_plaintext(documents[0]) == minimal_pdf("Warrant 0")
    out = io.StringIO()
    call_command("rotate_file_keys", "--dry-run", stdout=out)
    assert "requests_app.Document: would re-wrap 3" in out.getvalue()
    assert stored(Document.objects.get(pk=documents[0].pk).file.name) == before[documents[0].pk]  # dry run

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rotate_file_keys", stdout=out)
    assert "requests_app.Document: re-wrapped 3, already current 0" in out.getvalue()
    assert "intake.PendingUpload: re-wrapped 1" in out.getvalue()
    assert f"cybertipline.ReportFile: re-wrapped {report.files.count()}," in out.getvalue()
    event = RequestEvent.objects.get(event_type=EventType.FILE_KEYS)
    assert event.payload["key_id"] == new_id and event.payload["refused"] == 0

    # 2. The old key is dropped: every file still opens, under the new key, bound to its record.
    settings.FILE_ENCRYPTION_KEYS_OLD = []
    for i, d in enumerate(documents):
        d.refresh_from_db()
        raw = stored(d.file.name)
        assert raw[:4] == crypto.MAGIC2 and raw[4:12].hex() == new_id == d.key_id
        assert open_plaintext(d) == minimal_pdf(f"Warrant {i}")
    kept.refresh_from_db()
    assert open_plaintext(kept) == minimal_pdf("Kept")
    for evidence in report.files.all():
        with evidence.content.open("rb") as fh:
            content = crypto.decrypt_bytes(fh.read(), record=crypto.record_binding(evidence))
        assert hashlib.sha256(content).hexdigest() == evidence.sha256
    response = client_reviewer.get(reverse("review:document", args=[legacy.request.reference, legacy.pk]))
    assert response.status_code == 200 and response.content == minimal_pdf("Warrant 2")
    # The old files are gone from storage (deleted once the re-wrap committed).
    assert not any(default_storage.exists(name) for name in old_names)

    # 3. Run again: nothing left to do.
    out = io.StringIO()
    call_command("rotate_file_keys", stdout=out)
    assert "requests_app.Document: re-wrapped 0, already current 3" in out.getvalue()


def test_without_the_old_key_files_do_not_open_and_rotation_refuses_a_swapped_old_file(settings, officer_a):
    old = settings.FILE_ENCRYPTION_KEY
    mine, other = submit(officer_a, "Warrant one"), submit(officer_a, "Warrant two")
    overwrite(mine.file.name, legacy_ciphertext(minimal_pdf("Warrant two"), old))  # swapped, from before
    settings.FILE_ENCRYPTION_KEY = new_key()
    with pytest.raises(crypto.DecryptionError, match="not configured"):
        open_plaintext(other)
    settings.FILE_ENCRYPTION_KEYS_OLD = [old]
    err = io.StringIO()
    with pytest.raises(CommandError, match="keep FILE_ENCRYPTION_KEYS_OLD"):
        call_command("rotate_file_keys", stdout=io.StringIO(), stderr=err)
    assert f"requests_app.Document:{mine.pk}: plaintext does not match the recorded SHA-256" in err.getvalue()
    mine.refresh_from_db()
    assert stored(mine.file.name)[:4] == crypto.MAGIC  # never bound to this record
    other.refresh_from_db()
    assert open_plaintext(other) == minimal_pdf("Warrant two")
