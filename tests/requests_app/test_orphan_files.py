"""A document file whose row never committed does not stay on disk (#11)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.db import DatabaseError

from requests_app import files, followups, rows
from requests_app.documents import DocumentInput
from requests_app.models import Document, EventType, LegalRequest, RequestEvent
from requests_app.services import document_add, request_submit
from tests.factories import minimal_pdf, warrant_data

pytestmark = pytest.mark.django_db


def stored(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def submit(officer):
    return request_submit(
        actor=officer.user, data=warrant_data(), documents=[DocumentInput("warrant.pdf", minimal_pdf())]
    )


def test_a_failed_document_insert_leaves_no_file(officer_a, settings, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise DatabaseError("insert failed")

    monkeypatch.setattr(Document, "save", refuse)
    # On PostgreSQL a new request's documents are inserted in one INSERT after their files are written.
    insert_new = rows.insert_new
    monkeypatch.setattr(
        rows, "insert_new", lambda new: refuse(None) if isinstance(new[0], Document) else insert_new(new)
    )
    with pytest.raises(DatabaseError):
        submit(officer_a)
    assert stored(settings) == []
    assert not LegalRequest.objects.exists()


def test_a_failure_after_the_insert_rolls_back_and_leaves_no_file(officer_a, settings, monkeypatch):
    def boom(*args, **kwargs):
        raise DatabaseError("connection lost before COMMIT")

    monkeypatch.setattr(followups, "emit", boom)
    with pytest.raises(DatabaseError):
        submit(officer_a)
    assert stored(settings) == []
    assert not Document.objects.exists()


def test_a_failed_document_add_leaves_no_file(officer_a, settings, monkeypatch):
    request = submit(officer_a)
    before = stored(settings)
    assert len(before) == 1

    def boom(*args, **kwargs):
        raise DatabaseError("audit insert failed")

    monkeypatch.setattr("requests_app.services.event_record", boom)
    with pytest.raises(DatabaseError):
        document_add(request=request, doc=DocumentInput("more.pdf", minimal_pdf()), actor=officer_a.user)
    assert stored(settings) == before
    assert request.documents.count() == 1


def _orphan(settings, name: str, *, age: float) -> Path:
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"ciphertext nobody points at")
    past = time.time() - age
    os.utime(path, (past, past))
    return path


def test_the_sweep_removes_old_files_without_a_row_and_keeps_the_others(officer_a, settings):
    settings.ORPHAN_FILE_GRACE_SECONDS = 3600
    request = submit(officer_a)
    referenced = Path(request.documents.get().file.path)
    os.utime(referenced, (time.time() - 7200, time.time() - 7200))  # old, but its row names it
    old_doc = _orphan(settings, f"documents/{request.pk}/deadbeefdeadbeef.bin", age=7200)
    old_pending = _orphan(settings, "pending/0123456789abcdef.bin", age=7200)
    young = _orphan(settings, "documents/999/young.bin", age=60)  # its transaction may still commit
    elsewhere = _orphan(settings, "exports/keep.bin", age=7200)  # not a FileField folder

    assert files.orphan_files_sweep() == 2
    assert not old_doc.exists() and not old_pending.exists()
    assert referenced.exists() and young.exists() and elsewhere.exists()
    event = RequestEvent.objects.filter(event_type=EventType.PURGED).latest("pk")
    assert event.payload == {"orphan_files": 2}
    # Idempotent: nothing more to delete, nothing more recorded.
    assert files.orphan_files_sweep() == 0
    assert RequestEvent.objects.filter(event_type=EventType.PURGED).count() == 1


def test_the_sweep_runs_on_beat():
    from django.conf import settings

    tasks = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "requests_app.tasks.orphan_files_sweep_task" in tasks
