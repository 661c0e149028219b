"""Stored files whose row never committed: removed on failure by the service that wrote them,
and by `orphan_files_sweep` (beat) for what a killed process left behind.

A file is written before its row is inserted (the row names the file). If the insert fails,
the service deletes the file in its except block; if the process dies in between, nothing
can, so the sweep deletes files under the folders below that no row of any model's
FileField names and that are older than ORPHAN_FILE_GRACE_SECONDS (a transaction still
running may be about to insert the row of a younger one). The core imports no sub-app:
the FileFields are found through Django's app registry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import models, transaction
from django.utils import timezone

from requests_app.audit import event_record
from requests_app.models import EventType

logger = logging.getLogger(__name__)

# Top-level folders of the storage written only through FileFields (documents, kept PDFs,
# production packages, CyberTipline evidence).
ORPHAN_FOLDERS = ("documents", "pending", "productions", "cybertipline")


def _file_fields() -> Iterator[tuple[type[models.Model], str]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                yield model, field.name


def referenced_names(folder: str) -> set[str]:
    """Every stored name under `folder` that a row names."""
    names: set[str] = set()
    for model, field in _file_fields():
        names.update(
            model._default_manager.filter(**{f"{field}__startswith": f"{folder}/"}).values_list(field, flat=True)
        )
    return names


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for name in dirs:
        yield from _walk(storage, f"{folder}/{name}")


def orphan_files_sweep(*, now: datetime | None = None, storage: Storage | None = None) -> int:
    """Delete stored files no row names, older than the grace period. Idempotent; audited when it deletes."""
    storage = storage or default_storage
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.ORPHAN_FILE_GRACE_SECONDS)
    removed = 0
    for folder in ORPHAN_FOLDERS:
        # Listed after the rows were read: a file whose row commits in between is younger than the grace.
        known = referenced_names(folder)
        for name in _walk(storage, folder):
            if name in known:
                continue
            try:
                if storage.get_modified_time(name) > cutoff:
                    continue
                storage.delete(name)
            except FileNotFoundError:
                continue
            removed += 1
    if removed:
        logger.warning("deleted %d stored file(s) without a row", removed)
        with transaction.atomic():
            event_record(
                event_type=EventType.PURGED,
                message=f"{removed} stored file(s) without a row deleted (their transaction never committed)",
                payload={"orphan_files": removed},
                at=now,
            )
    return removed
