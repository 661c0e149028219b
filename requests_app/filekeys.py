"""Re-wrapping every encrypted file's key under the current master key (`manage.py rotate_file_keys`).

How to rotate (README, "Security"):
1. Put a new key in FILE_ENCRYPTION_KEY and the old one in FILE_ENCRYPTION_KEYS_OLD; restart.
   New files use the new key; old ones stay readable.
2. Run `manage.py rotate_file_keys`. Each file's own key is unwrapped (old or new master key),
   wrapped again under the new one and bound to its record; the encrypted chunks are copied
   unchanged. A file from before record binding (version 1) is decrypted once and its SHA-256
   compared with the row's before it is bound, so a swapped file is never blessed.
3. When it reports nothing left under an old key and nothing refused, drop FILE_ENCRYPTION_KEYS_OLD.

Each file is rewritten under a new storage name, the row is pointed at it in a transaction that
holds the row's lock, and the old file is deleted once that commits: a crash leaves either the
old file in use or the new one, never a row pointing at nothing.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files import File
from django.db import transaction

from requests_app import crypto
from requests_app.audit import event_record
from requests_app.models import EventType

logger = logging.getLogger(__name__)

# Every model holding an encrypted file: (model label, file field). Each has a `sha256` of the plaintext.
ENCRYPTED_FILES: tuple[tuple[str, str], ...] = (
    ("requests_app.Document", "file"),
    ("intake.PendingUpload", "file"),
    ("cybertipline.ReportFile", "content"),
    ("production.Production", "file"),
)

REWRAPPED, CURRENT, MISSING, REFUSED = "rewrapped", "current", "missing", "refused"


@dataclass
class RotationReport:
    key_id: str
    counts: dict[str, Counter] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # "<label>:<pk>: why", for the operator

    @property
    def clean(self) -> bool:
        return not any(c[REFUSED] or c[MISSING] for c in self.counts.values())


def _rotate_one(model, pk: int, field_name: str, current: str, *, dry_run: bool) -> tuple[str, str]:
    with transaction.atomic():
        obj = model.objects.select_for_update().filter(pk=pk).first()
        fieldfile = getattr(obj, field_name, None) if obj is not None else None
        if not fieldfile:
            return CURRENT, ""  # deleted meanwhile, or a package without a file (purged)
        record = crypto.record_binding(obj)
        try:
            source = fieldfile.open("rb")
        except (FileNotFoundError, OSError):
            return MISSING, "file missing on storage"
        with source, tempfile.TemporaryFile() as out:
            try:
                header = crypto.read_header(source, record=record)
                if header.version == 2 and header.key_id == current:
                    return CURRENT, ""
                if header.version == 1:
                    # Not bound to any record yet: bind it only if it is the recorded file.
                    source.seek(0)
                    digest = hashlib.sha256()
                    for piece in crypto.decrypt_stream(source, record=record):
                        digest.update(piece)
                    if digest.hexdigest() != obj.sha256:
                        return REFUSED, "plaintext does not match the recorded SHA-256"
            except crypto.DecryptionError as exc:
                return REFUSED, str(exc)
            if dry_run:
                return REWRAPPED, ""
            out.write(crypto.rewrap_header(header, record=record))
            source.seek(header.size)
            shutil.copyfileobj(source, out, 1024 * 1024)
            out.seek(0)
            storage = fieldfile.storage
            old_name = fieldfile.name
            new_name = storage.save(fieldfile.field.generate_filename(obj, "rewrapped.bin"), File(out))
        try:
            changes = {field_name: new_name}
            if hasattr(obj, "key_id"):
                changes["key_id"] = current
            model.objects.filter(pk=pk).update(**changes)
        except BaseException:
            storage.delete(new_name)
            raise
        transaction.on_commit(lambda: storage.delete(old_name))
    return REWRAPPED, ""


def rotate_file_keys(*, dry_run: bool = False, actor=None) -> RotationReport:
    """Re-wrap every file key that is not under the current master key (idempotent)."""
    current = crypto.current_key_id()
    report = RotationReport(key_id=current)
    for label, field_name in ENCRYPTED_FILES:
        model = apps.get_model(label)
        counts = report.counts.setdefault(label, Counter())
        ids = list(model.objects.exclude(**{field_name: ""}).order_by("pk").values_list("pk", flat=True))
        for pk in ids:
            outcome, why = _rotate_one(model, pk, field_name, current, dry_run=dry_run)
            counts[outcome] += 1
            if why:
                report.refused.append(f"{label}:{pk}: {why}")
                logger.error("rotate_file_keys: %s %s not re-wrapped (%s)", label, pk, why)
    rewrapped = sum(c[REWRAPPED] for c in report.counts.values())
    if rewrapped and not dry_run:
        with transaction.atomic():
            event_record(
                event_type=EventType.FILE_KEYS,
                actor=actor,
                message=f"File keys re-wrapped under master key {current}: {rewrapped} file(s)",
                payload={
                    "key_id": current,
                    "counts": {label: dict(c) for label, c in report.counts.items()},
                    "refused": len(report.refused),
                },
            )
    return report
