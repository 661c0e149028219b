"""Writes of the production app: building and delivering packages, preservation
holds, user notices and the end of nondisclosure orders.

Keyword-only, atomic, audited with event_record in the same transaction; side
effects (Celery tasks, e-mail, notices) are outbox rows written in that transaction
(requests_app.followups.emit); only deleting a replaced file waits for the commit.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from requests_app import audit, followups, rules
from requests_app.audit import event_record
from requests_app.crypto import DecryptionError, decrypt_stream, encrypt_chunks, record_binding
from requests_app.documents import DocumentInput
from requests_app.exceptions import Conflict, Gone, NotFound, Refused
from requests_app.lifecycle import OPEN_STATES, Status
from requests_app.models import Document, EventType, LegalRequest, Target
from requests_app.permissions import is_agency_officer, is_staff_member, is_supervisor
from requests_app.production.certificate import certificate_pdf
from requests_app.production.models import (
    PreservationHold,
    Production,
    ProductionDownload,
    ProductionFile,
    UserNotice,
)
from requests_app.production.notifier import NoticeMessage, get_user_notifier
from requests_app.production.package import DataFile, Entry, PackageWriter, manifest_bytes
from requests_app.production.records import CATEGORY_FIELDS, RecordSource, get_record_source
from requests_app.production.selectors import PRODUCIBLE_STATES, producible_categories
from requests_app.services import PermissionDenied, request_keep_current, request_transition

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


class ProductionError(Refused):
    """The step cannot be taken now; the message says why, for the person who tried."""


class PackageGone(Gone):
    """The package is no longer (or not yet) available for download."""


class PackageDamaged(Conflict):
    """The stored package is not the one built for this production (another's file, or altered)."""


class NotVisible(NotFound):
    """The user may not know this package exists (answer 404)."""


def _link_days() -> int:
    return settings.PRODUCTION_LINK_DAYS


# ---------------------------------------------------------------------------------
# What may be produced
# ---------------------------------------------------------------------------------


def targets_look_up(
    *,
    request: LegalRequest,
    actor: User | None = None,
    ip: str | None = None,
    again: bool = False,
    source: RecordSource | None = None,
) -> list[Target]:
    """Ask the RecordSource what the platform holds for the request's targets (those still pending;
    every one with again=True, as when a review opens), store the answers in one UPDATE and audit
    the look-up (a sensitive read); return the targets found."""
    source = source or get_record_source()
    now = timezone.now()
    with transaction.atomic():
        targets = list(Target.objects.select_for_update().filter(request=request).order_by("pk"))
        asked = [t for t in targets if again or t.lookup == Target.Lookup.PENDING]
        for target in asked:
            account = source.lookup(target.kind, target.value)
            target.lookup = account.target_lookup
            target.looked_up_at = now
            target.account_ref = str(account.account_id or "")[:100]
        if asked:
            Target.objects.bulk_update(asked, ["lookup", "looked_up_at", "account_ref"])
            counts = {str(k): 0 for k in (Target.Lookup.FOUND, Target.Lookup.NOT_FOUND, Target.Lookup.E2EE_ONLY)}
            for target in asked:
                counts[str(target.lookup)] = counts.get(str(target.lookup), 0) + 1
            event_record(
                event_type=EventType.SENSITIVE_VIEW,
                actor=actor,
                request=request,
                message=f"Looked up {len(asked)} target(s) in the platform's records",
                payload={"lookup": counts},
                ip=ip,
                at=now,
            )
    return [t for t in targets if t.lookup == Target.Lookup.FOUND]


# ---------------------------------------------------------------------------------
# Building a package
# ---------------------------------------------------------------------------------


def production_start(*, request: LegalRequest, actor: User, ip: str | None = None) -> Production | None:
    """A reviewer starts production of an approved request.

    Returns the (new or already running) Production; None when there was nothing
    to produce (no account found) and the request was closed instead. Raises
    PermissionDenied or ProductionError.
    """
    if not is_staff_member(actor):
        raise PermissionDenied("Only the legal team can start a production.")
    with transaction.atomic():
        locked = LegalRequest.objects.select_for_update().select_related("agency").get(pk=request.pk)
        live = Production.objects.filter(
            request=locked,
            status__in=[Production.Status.BUILDING, Production.Status.UNSIGNED, Production.Status.READY],
        )
        existing = live.first()
        if existing is not None:
            if existing.status == Production.Status.BUILDING:
                # A stalled build (worker lost) is queued again; the build itself is idempotent.
                _queue_build(existing.pk)
            return existing
        if locked.is_preservation:
            raise ProductionError("A preservation request keeps data; it does not disclose any.")
        blocked = rules.transfer_blocked(
            now=timezone.now(),
            received_at=locked.received_at,
            validation_due_at=locked.validation_due_at,
            validated_at=locked.validated_at,
            validation_refused_at=locked.validation_refused_at,
            notification_required=locked.enforcing_notification_required,
            notified_at=locked.enforcing_notified_at,
            enforcing_confirmed_at=locked.enforcing_confirmed_at,
            enforcing_refused_at=locked.enforcing_refused_at,
        )
        if blocked:
            raise ProductionError(blocked)
        if locked.status not in PRODUCIBLE_STATES:
            raise ProductionError(
                f"Only an approved request can be produced; this one is {Status(locked.status).label.lower()}."
            )
        categories = producible_categories(locked)
        if not categories:
            raise ProductionError("No approved data category is in effect yet (a second approval may still be needed).")
        targets = targets_look_up(request=locked)
        if not targets:
            request_transition(
                request=locked,
                to=Status.CLOSED,
                actor=actor,
                reason="No account was found for any target: there is nothing to produce.",
                ip=ip,
                outcome=LegalRequest.Outcome.NO_DATA,
            )
            return None
        production = Production.objects.create(
            request=locked,
            started_by=actor,
            categories=categories,
            target_ids=[t.pk for t in targets],
            progress_note="Queued",
        )
        event_record(
            event_type=EventType.PRODUCTION,
            actor=actor,
            request=locked,
            message="Production started",
            payload={"production": production.pk, "categories": categories, "targets": len(targets)},
            ip=ip,
        )
        request_transition(request=locked, to=Status.PRODUCING, actor=actor, ip=ip)
        _queue_build(production.pk)
    request_keep_current(request, locked)
    return production


def _queue_build(production_id: int) -> None:
    followups.emit(followups.PRODUCTION_STARTED, production_id=production_id)


def _safe(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_+.-]", "_", value)[:60]


def _set_progress(production_id: int, percent: int, note: str) -> None:
    Production.objects.filter(pk=production_id, status=Production.Status.BUILDING).update(
        progress=min(percent, 99), progress_note=note[:200], heartbeat_at=timezone.now()
    )


def production_heartbeat(production_id: int) -> None:
    Production.objects.filter(pk=production_id, status=Production.Status.BUILDING).update(heartbeat_at=timezone.now())


# --- temporary files: one per build attempt, named after the production -----------------
PART_PREFIX = "production-"
PART_SUFFIX = ".part"


def production_tmp_dir() -> str:
    """Where encrypted packages are built (PRODUCTION_TMP_DIR, or the system temp dir)."""
    tmp_dir = settings.PRODUCTION_TMP_DIR or tempfile.gettempdir()
    os.makedirs(tmp_dir, exist_ok=True)
    return str(tmp_dir)


def _part_files(production_id: int | None = None) -> list[tuple[int, str]]:
    """(production id, path) of the build temp files in the temp dir (of one production, if given)."""
    tmp_dir = production_tmp_dir()
    found = []
    for name in os.listdir(tmp_dir):
        if not (name.startswith(PART_PREFIX) and name.endswith(PART_SUFFIX)):
            continue
        owner = name[len(PART_PREFIX) :].split("-", 1)[0]
        if not owner.isdigit() or (production_id is not None and int(owner) != production_id):
            continue
        found.append((int(owner), os.path.join(tmp_dir, name)))
    return found


def _remove(path: str) -> bool:
    try:
        os.remove(path)
    except FileNotFoundError:
        return False
    return True


def _clean_parts(production_id: int) -> int:
    """Remove what earlier attempts of this build left (a worker killed mid-build).

    A still-running attempt (a stalled build queued again while its old worker came back)
    keeps writing to its open file; on POSIX the removal only drops the name.
    """
    removed = sum(_remove(path) for _, path in _part_files(production_id))
    if removed:
        logger.info("production %s: removed %d temp file(s) of an earlier attempt", production_id, removed)
    return removed


def production_clean_temp_files() -> int:
    """Remove build temp files of productions no longer building (or gone). Idempotent."""
    parts = _part_files()
    building = set(
        Production.objects.filter(pk__in={pid for pid, _ in parts}, status=Production.Status.BUILDING).values_list(
            "pk", flat=True
        )
    )
    return sum(_remove(path) for pid, path in parts if pid not in building)


def productions_requeue_stalled(*, now: datetime | None = None) -> list[int]:
    """Beat: queue again every build silent for PRODUCTION_STALL_SECONDS (its worker was lost).

    The build is idempotent (a finished one is a no-op; two at once leave one package), so a
    requeue of a build that was only slow costs work, never a second package.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PRODUCTION_STALL_SECONDS)
    stalled = Q(heartbeat_at__lte=cutoff) | Q(heartbeat_at__isnull=True, created_at__lte=cutoff)
    requeued = []
    with transaction.atomic():
        for production in (
            Production.objects.select_for_update(skip_locked=True)
            .select_related("request")
            .filter(stalled, status=Production.Status.BUILDING)
        ):
            # Counted from now: queued again once per stall period, not at every beat.
            Production.objects.filter(pk=production.pk).update(heartbeat_at=now, progress_note="Queued again")
            event_record(
                event_type=EventType.PRODUCTION,
                request=production.request,
                message="Production build stalled (no progress); queued again",
                payload={"production": production.pk, "attempts": production.attempts},
                at=now,
            )
            _queue_build(production.pk)
            requeued.append(production.pk)
    if requeued:
        logger.warning("requeued %d stalled production build(s): %s", len(requeued), requeued)
    return requeued


def production_build(
    *, production_id: int, source: RecordSource | None = None, now: datetime | None = None
) -> Production:
    """Build the package of a production that is building; a no-op for any other state.

    Records stream from the record source into a zip that streams through
    encryption into a temporary file; only at the end, in one transaction, is
    the file attached and the production marked ready. Running it twice, or two
    workers at once, leaves exactly one package.
    """
    production = Production.objects.select_related("request__agency").get(pk=production_id)
    if production.status != Production.Status.BUILDING:
        return production
    Production.objects.filter(pk=production_id).update(
        attempts=F("attempts") + 1, error="", heartbeat_at=timezone.now()
    )
    _clean_parts(production_id)
    source = source or get_record_source()
    lr = production.request
    targets = list(Target.objects.filter(pk__in=production.target_ids).order_by("pk"))
    files: list[DataFile] = []
    target_rows: list[dict[str, Any]] = []
    for number, target in enumerate(targets, start=1):
        account = source.lookup(target.kind, target.value)
        folder = f"target-{number:02d}-{target.kind}-{_safe(target.value)}"
        target_rows.append({"number": number, "kind": target.kind, "value": target.value, "folder": folder})
        if not account.found or account.e2ee_only or account.account_id is None:
            continue
        for category in production.categories:
            for fmt in ("json", "csv"):
                files.append(
                    DataFile(
                        path=f"{folder}/{category}.{fmt}",
                        fmt=fmt,
                        records=_records(source, account.account_id, category, lr.date_from, lr.date_to),
                        fields=CATEGORY_FIELDS[category],
                        target_id=target.pk,
                        category=category,
                    )
                )
    generated_at = now or timezone.now()
    total = max(len(files), 1)

    def progress(done: int, records: int, path: str) -> None:
        note = f"Writing {path}" + (f": {records:,} records" if records else "")
        _set_progress(production_id, int(done * 100 / (total + 1)), note)

    result: dict[str, Any] = {}

    def closing(entries: list[Entry]) -> list[tuple[str, bytes]]:
        manifest = _manifest(
            lr=lr, production=production, entries=entries, targets=target_rows, generated_at=generated_at
        )
        body = manifest_bytes(manifest)
        digest = hashlib.sha256(body).hexdigest()
        receipt = audit.latest_request_receipt(lr)
        result.update(manifest=manifest, manifest_sha256=digest, receipt=receipt)
        # A draft: a custodian of records signs it in the workspace before the package is released.
        pdf = certificate_pdf(
            request=lr, manifest=manifest, manifest_sha256=digest, generated_at=generated_at, receipt=receipt
        )
        return [
            ("manifest.json", body),
            ("manifest.sha256", f"{digest}  manifest.json\n".encode()),
            ("certificate-of-authenticity.pdf", pdf),
            ("README.txt", _readme(lr, digest).encode()),
        ]

    writer = PackageWriter(files=files, closing=closing, on_progress=progress)
    # Named after the production, so the next attempt and the purge find what a killed one left.
    fd, path = tempfile.mkstemp(prefix=f"{PART_PREFIX}{production_id}-", suffix=PART_SUFFIX, dir=production_tmp_dir())
    every = settings.PRODUCTION_HEARTBEAT_SECONDS
    try:
        with os.fdopen(fd, "w+b") as tmp:
            beat_at = time.monotonic()
            for piece in encrypt_chunks(writer.stream(), record=f"{Production._meta.label_lower}:{production_id}"):
                tmp.write(piece)
                if time.monotonic() - beat_at >= every:
                    production_heartbeat(production_id)
                    beat_at = time.monotonic()
            tmp.flush()
            tmp.seek(0)
            return _production_finish(
                production_id=production_id,
                tmp=tmp,
                writer=writer,
                manifest=result["manifest"],
                manifest_sha256=result["manifest_sha256"],
                receipt=result["receipt"],
                now=now,
            )
    finally:
        _remove(path)


def _records(
    source: RecordSource, account_id: str, category: str, date_from: date | None, date_to: date | None
) -> Callable[[], Iterable[Any]]:
    return lambda: source.records(account_id, category, date_from, date_to)


def _manifest(
    *,
    lr: LegalRequest,
    production: Production,
    entries: list[Entry],
    targets: list[dict[str, Any]],
    generated_at: datetime,
) -> dict[str, Any]:
    # The manifest is hashed into the package: English labels, whatever language is active.
    with translation.override("en"):
        return _manifest_en(lr=lr, production=production, entries=entries, targets=targets, generated_at=generated_at)


def _manifest_en(
    *,
    lr: LegalRequest,
    production: Production,
    entries: list[Entry],
    targets: list[dict[str, Any]],
    generated_at: datetime,
) -> dict[str, Any]:
    return {
        "request": lr.reference,
        "agency": {"name": lr.agency.name, "country": lr.agency.country.code},
        "legal_process": str(lr.type_info.label),
        "case_number": lr.case_number,
        "production": production.pk,
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "date_from": lr.date_from.isoformat() if lr.date_from else None,
        "date_to": lr.date_to.isoformat() if lr.date_to else None,
        "categories": [{"code": c, "label": str(rules.CATEGORIES[c].label)} for c in production.categories],
        "targets": targets,
        "files": [
            {
                "path": e.path,
                "category": e.category,
                "records": e.records,
                "size": e.size,
                "sha256": e.sha256,
            }
            for e in entries
        ],
    }


def _readme(lr: LegalRequest, digest: str) -> str:
    return (
        f"Records produced for {lr.reference}.\n\n"
        "Each target has a folder with one JSON and one CSV file per approved data category.\n"
        "manifest.json lists every file with its size and SHA-256; its own SHA-256 is in manifest.sha256\n"
        f"and on the certificate of authenticity: {digest}\n"
        "Check a file with: sha256sum <file>\n\n"
        f"{rules.E2EE_EXPLANATION}\n"
    )


def _production_finish(
    *,
    production_id: int,
    tmp: Any,
    writer: PackageWriter,
    manifest: dict[str, Any],
    manifest_sha256: str,
    receipt: Any,
    now: datetime | None,
) -> Production:
    now = now or timezone.now()
    stored_name = None
    try:
        with transaction.atomic():
            locked = Production.objects.select_for_update().select_related("request__agency").get(pk=production_id)
            if locked.status != Production.Status.BUILDING:
                return locked  # another run finished (or it was failed) first: keep theirs, drop ours
            locked.file.save("package.zip.enc", File(tmp), save=False)
            stored_name = locked.file.name
            # Built, not released: the certificate inside is a draft until a custodian signs it.
            locked.status = Production.Status.UNSIGNED
            locked.size = writer.zip_size
            locked.sha256 = writer.zip_hash.hexdigest()
            locked.manifest = manifest
            locked.manifest_sha256 = manifest_sha256
            locked.certificate_receipt = receipt
            locked.record_count = sum(e.records for e in writer.entries if e.path.endswith(".json"))
            locked.progress = 100
            locked.progress_note = "Waiting for the custodian's signature"
            locked.save()
            ProductionFile.objects.bulk_create(
                [
                    ProductionFile(
                        production=locked,
                        path=e.path,
                        target_id=e.target_id,
                        category=e.category,
                        records=e.records,
                        size=e.size,
                        sha256=e.sha256,
                    )
                    for e in writer.entries
                ]
            )
            event_record(
                event_type=EventType.PRODUCTION,
                request=locked.request,
                message="Package built: its certificate of authenticity waits for a custodian's signature",
                payload={
                    "production": locked.pk,
                    "sha256": locked.sha256,
                    "manifest_sha256": manifest_sha256,
                    "files": len(writer.entries),
                },
                at=now,
            )
            followups.emit(followups.MAIL_CERTIFICATE_TO_SIGN, production_id=production_id)
            return locked
    except BaseException:
        if stored_name:
            from django.core.files.storage import default_storage

            default_storage.delete(stored_name)
        raise


# ---------------------------------------------------------------------------------
# The custodian's signature and the release
# ---------------------------------------------------------------------------------

UNSIGNED_REFUSAL = (
    "The certificate of authenticity is still a draft: a custodian of records must sign it in the legal "
    "workspace before the package can be released."
)
CERTIFICATE_NAME = "certificate-of-authenticity.pdf"


def certificate_sign(
    *, production: Production, actor: User, ip: str | None = None, now: datetime | None = None
) -> Production:
    """A named custodian of records signs the package's certificate of authenticity; the package is then
    released to the agency (ready for download, request delivered, officer told).

    The zip is rewritten with the signed certificate in place of the draft; the data files, the manifest
    and its SHA-256 (printed on the certificate) stay byte for byte the same."""
    from requests_app.permissions import is_custodian

    if not is_custodian(actor):
        raise PermissionDenied(
            "Only a custodian of records (a member of the legal team holding the custodian role) can sign "
            "a certificate of authenticity."
        )
    now = now or timezone.now()
    current = Production.objects.select_related("request__agency").get(pk=production.pk)
    if current.status != Production.Status.UNSIGNED:
        raise ProductionError("This package has no certificate waiting for a signature.")
    signer = _signer_name(actor)
    lr = current.request
    pdf = certificate_pdf(
        request=lr, manifest=current.manifest, manifest_sha256=current.manifest_sha256,
        generated_at=datetime.fromisoformat(current.manifest["generated_at"]),
        receipt=current.certificate_receipt, signed_by=signer, signed_at=now,
    )  # fmt: skip
    stored_name = None
    old_name = current.file.name
    temporaries: list = []  # the plaintext and the new ciphertext: anonymous files, closed below
    try:
        try:
            tmp, size, sha256 = _repack(current, pdf, temporaries)
        except (FileNotFoundError, ValueError, DecryptionError):
            logger.error("production %s: package file missing or damaged at signing", current.pk)
            raise ProductionError(
                "The package file is missing or damaged, so its certificate cannot be signed; "
                "start the production again."
            ) from None
        with transaction.atomic():
            locked = Production.objects.select_for_update().select_related("request").get(pk=current.pk)
            if locked.status != Production.Status.UNSIGNED:
                raise ProductionError("This package has no certificate waiting for a signature.")
            locked.file.save("package.zip.enc", File(tmp), save=False)
            stored_name = locked.file.name
            locked.size, locked.sha256 = size, sha256
            locked.certificate_signed_by = actor
            locked.certificate_signed_at = now
            locked.save(update_fields=["file", "size", "sha256", "certificate_signed_by", "certificate_signed_at"])
            event_record(
                event_type=EventType.PRODUCTION, actor=actor, request=locked.request,
                message=f"Certificate of authenticity signed by {signer}, custodian of records",
                payload={"production": locked.pk, "sha256": sha256, "signed_by": actor.pk}, ip=ip, at=now,
            )  # fmt: skip
            _release(locked, now=now)
            transaction.on_commit(lambda: _delete_file(old_name))
    except BaseException:
        if stored_name:
            _delete_file(stored_name)  # the transaction rolled back: no orphan package on storage
        raise
    finally:
        for handle in temporaries:
            handle.close()
    return Production.objects.get(pk=current.pk)


def production_release(*, production: Production, now: datetime | None = None) -> Production:
    """Release a built package to the agency. Refused while its certificate is an unsigned draft."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Production.objects.select_for_update().select_related("request").get(pk=production.pk)
        if locked.status == Production.Status.READY:
            return locked
        if locked.status != Production.Status.UNSIGNED:
            raise ProductionError("Only a built package can be released.")
        if locked.certificate_signed_at is None:
            raise ProductionError(UNSIGNED_REFUSAL)
        _release(locked, now=now)
    return locked


def _release(locked: Production, *, now: datetime) -> None:
    if locked.certificate_signed_at is None:
        raise ProductionError(UNSIGNED_REFUSAL)
    locked.status = Production.Status.READY
    locked.progress_note = "Ready"
    locked.ready_at = now
    locked.expires_at = now + timedelta(days=_link_days())
    locked.save(update_fields=["status", "progress_note", "ready_at", "expires_at"])
    lr = LegalRequest.objects.select_for_update().get(pk=locked.request_id)
    produced = sorted(
        {f.category for f in locked.files.all() if f.records and f.category}, key=rules.PRODUCIBLE_CATEGORIES.index
    )
    event_record(
        event_type=EventType.PRODUCTION,
        request=lr,
        public=True,
        message="Records are ready for download",
        payload={
            "production": locked.pk,
            "sha256": locked.sha256,
            "manifest_sha256": locked.manifest_sha256,
            "files": locked.files.count(),
            "expires_at": locked.expires_at,
        },
        at=now,
    )
    if lr.status == Status.PRODUCING:
        request_transition(
            request=lr,
            to=Status.DELIVERED,
            actor=None,
            at=now,
            produced_categories=produced,
            outcome=LegalRequest.Outcome.DATA_PRODUCED if produced else LegalRequest.Outcome.NO_DATA,
        )
    lr_id = lr.pk
    followups.emit(followups.MAIL_PRODUCTION_READY, request_id=lr_id)


def _signer_name(user: User) -> str:
    officer = getattr(user, "officer", None)
    name = (officer.full_name if officer else "") or user.get_username()
    rank = getattr(officer, "rank", "") if officer else ""
    return f"{name} ({rank})" if rank else name


def _repack(production: Production, certificate: bytes, temporaries: list) -> tuple[Any, int, str]:
    """The package's zip with the signed certificate in place of the draft, encrypted into a temporary
    file: (file, size of the zip, SHA-256 of the zip). The plaintext lives only in anonymous temporary
    files (unlinked when created); the caller closes everything in `temporaries`."""
    import shutil
    import zipfile

    tmp_dir = settings.PRODUCTION_TMP_DIR or None
    if tmp_dir:
        os.makedirs(tmp_dir, exist_ok=True)

    def temporary():
        handle = tempfile.TemporaryFile(prefix="production-", dir=tmp_dir)
        temporaries.append(handle)
        return handle

    plain = temporary()
    with production.file.open("rb") as fh:
        for piece in decrypt_stream(fh, record=record_binding(production)):
            plain.write(piece)
    plain.seek(0)
    out = temporary()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():  # same files, same order; only the certificate changes
            if info.filename == CERTIFICATE_NAME:
                dst.writestr(info.filename, certificate)
                continue
            with src.open(info) as reader, dst.open(info.filename, "w", force_zip64=True) as writer:
                shutil.copyfileobj(reader, writer, 1024 * 1024)
    size = out.tell()
    out.seek(0)
    digest = hashlib.sha256()

    def chunks() -> Iterator[bytes]:
        while piece := out.read(1024 * 1024):
            digest.update(piece)
            yield piece

    sealed = temporary()
    for piece in encrypt_chunks(chunks(), record=record_binding(production)):
        sealed.write(piece)
    sealed.flush()
    sealed.seek(0)
    return sealed, size, digest.hexdigest()


def production_fail(*, production_id: int, error: str) -> Production:
    """Give up on a build: the production is failed, the request goes back to approved."""
    with transaction.atomic():
        locked = Production.objects.select_for_update().select_related("request").get(pk=production_id)
        if locked.status != Production.Status.BUILDING:
            return locked
        locked.status = Production.Status.FAILED
        locked.error = error[:500]
        locked.progress_note = "Failed"
        locked.save(update_fields=["status", "error", "progress_note"])
        event_record(
            event_type=EventType.PRODUCTION,
            request=locked.request,
            message="Production failed",
            payload={"production": locked.pk, "error": error[:200]},
        )
        if locked.request.status == Status.PRODUCING:
            request_transition(
                request=locked.request,
                to=Status.APPROVED,
                actor=None,
                reason="The package could not be built; a reviewer can start production again.",
            )
    return locked


# ---------------------------------------------------------------------------------
# Delivery
# ---------------------------------------------------------------------------------


def production_download(
    *, production: Production, user: User, ip: str | None = None, now: datetime | None = None
) -> Iterator[bytes]:
    """The decrypted zip of a package, piece by piece, for an officer of the requesting agency.

    The file is checked before anything is recorded (it exists and its key unwraps), and
    the download is recorded (row, audit event, DELIVERED -> CLOSED) only once the last
    piece was served and the zip's SHA-256 matched: a missing or altered file records
    nothing. Raises NotVisible (not their agency's package) or PackageGone (not ready,
    expired, purged, or the file is missing). The caller must have checked 2FA.
    """
    now = now or timezone.now()
    if not is_agency_officer(user) or user.officer.agency_id != production.request.agency_id:
        raise NotVisible
    current = Production.objects.select_related("request__agency").get(pk=production.pk)
    if not current.is_downloadable(now):
        raise PackageGone
    try:
        handle = current.file.open("rb")
    except (FileNotFoundError, ValueError):
        logger.error("production %s: package file missing on storage", current.pk)
        raise PackageGone from None
    try:
        pieces = decrypt_stream(handle, record=record_binding(current))
        first = next(pieces)  # the key unwraps (bound to this production) and the first chunk authenticates
    except DecryptionError:
        handle.close()
        logger.error("production %s: stored package refused (not this production's, or altered)", current.pk)
        with transaction.atomic():
            event_record(
                event_type=EventType.DOCUMENT_REFUSED,
                actor=user,
                request=current.request,
                message="Package not served: the stored file is not the one that was built",
                payload={"production": current.pk, "sha256": current.sha256, "reason": "integrity"},
                ip=ip,
            )
        raise PackageDamaged from None
    except BaseException:
        handle.close()
        raise
    return _serve_then_record(current, handle, first, pieces, user=user, ip=ip, now=now)


def _serve_then_record(
    production: Production,
    handle: Any,
    first: bytes,
    pieces: Iterable[bytes],
    *,
    user: User,
    ip: str | None,
    now: datetime,
) -> Iterator[bytes]:
    digest = hashlib.sha256(first)
    try:
        yield first
        for piece in pieces:
            digest.update(piece)
            yield piece
    finally:
        handle.close()
    if digest.hexdigest() != production.sha256:
        logger.error("production %s: served zip does not match its recorded SHA-256", production.pk)
        raise DecryptionError("the package does not match its recorded SHA-256")
    _download_record(production=production, user=user, ip=ip, now=now)


def _download_record(*, production: Production, user: User, ip: str | None, now: datetime) -> None:
    """Record one served download: row, audit event, and the request closes on the first one."""
    with transaction.atomic():
        locked = Production.objects.select_for_update().select_related("request__agency").get(pk=production.pk)
        first = not ProductionDownload.objects.filter(production=locked).exists()
        ProductionDownload.objects.create(production=locked, user=user, at=now, ip_address=ip)
        event_record(
            event_type=EventType.DOWNLOAD,
            actor=user,
            request=locked.request,
            public=True,
            message="Package downloaded",
            payload={"production": locked.pk, "sha256": locked.sha256},
            ip=ip,
            at=now,
        )
        if first and locked.request.status == Status.DELIVERED:
            # The records are in the agency's hands: the request is done.
            request_transition(request=locked.request, to=Status.CLOSED, actor=None, at=now)


def productions_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the files of packages whose link expired; record it; close delivered requests. Idempotent."""
    now = now or timezone.now()
    purged = 0
    for pk in Production.objects.filter(status=Production.Status.READY, expires_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            locked = Production.objects.select_for_update().select_related("request__agency").get(pk=pk)
            if locked.status != Production.Status.READY or not locked.expires_at or locked.expires_at > now:
                continue
            name = locked.file.name
            locked.status = Production.Status.PURGED
            locked.purged_at = now
            locked.file = ""
            locked.save(update_fields=["status", "purged_at", "file"])
            event_record(
                event_type=EventType.PURGED,
                request=locked.request,
                public=True,
                message="The download link expired and the package was deleted",
                payload={"production": locked.pk, "sha256": locked.sha256},
                at=now,
            )
            if locked.request.status == Status.DELIVERED:
                request_transition(request=locked.request, to=Status.CLOSED, actor=None, at=now)
            if name:
                transaction.on_commit(partial(_delete_file, name))
            purged += 1
    # Temp files of builds that ended (or whose worker was killed and nobody retried).
    production_clean_temp_files()
    return purged


def _delete_file(name: str) -> None:
    from django.core.files.storage import default_storage

    default_storage.delete(name)


# ---------------------------------------------------------------------------------
# Preservation holds
# ---------------------------------------------------------------------------------


class HoldError(Refused):
    """The hold cannot be changed this way; the message says why."""


def _hold_categories(request: LegalRequest) -> list[str]:
    approved = producible_categories(request)
    return approved or [c for c in request.data_categories if c in rules.PRODUCIBLE_CATEGORIES]


def hold_create(
    *, request: LegalRequest, target: Target, actor: User | None = None, start: date | None = None
) -> PreservationHold:
    """Preserve one account's data for the period the request type gives (2703(f): 90 days; EPOC-PR: 60)."""
    start = start or timezone.localdate()
    until = rules.hold_until(request.request_type, start)
    if until is None:
        raise HoldError("This kind of request does not preserve data.")
    with transaction.atomic():
        hold, created = PreservationHold.objects.get_or_create(
            request=request,
            target=target,
            defaults={"categories": _hold_categories(request), "starts_on": start, "until": until},
        )
        if created:
            event_record(
                event_type=EventType.HOLD,
                actor=actor,
                request=request,
                public=True,
                message=f"Data preserved until {until:%Y-%m-%d}",
                payload={"hold": hold.pk, "target": target.pk, "until": until},
            )
    return hold


def hold_extend(
    *,
    hold: PreservationHold,
    actor: User | None = None,
    via_request: LegalRequest | None = None,
    now: datetime | None = None,
) -> PreservationHold:
    """Extend a hold once (2703(f)(2): 90 more days; Reg. 2023/1543 Art. 11(1): 30 more days)."""
    if actor is not None and not is_staff_member(actor):
        raise PermissionDenied("Only the legal team can extend a hold.")
    now = now or timezone.now()
    with transaction.atomic():
        locked = PreservationHold.objects.select_for_update(of=("self",)).select_related("request").get(pk=hold.pk)
        if locked.released_at is not None:
            raise HoldError("This hold has ended; it cannot be extended.")
        if locked.extended_at is not None:
            raise HoldError("This hold was already extended once; the law allows one extension.")
        if locked.request is None:
            raise HoldError("This hold is not under a legal request; extend it as a voluntary hold.")
        extension = rules.hold_extension(locked.request.request_type)
        if extension is None:
            raise HoldError("This kind of hold cannot be extended.")
        locked.until = locked.until + extension
        locked.extended_at = now
        locked.extended_by = actor
        locked.extension_request = via_request
        locked.reminded_at = None  # remind again before the new end
        locked.save()
        event_record(
            event_type=EventType.HOLD,
            actor=actor,
            request=locked.request,
            public=True,
            message=f"Preservation extended until {locked.until:%Y-%m-%d}",
            payload={"hold": locked.pk, "until": locked.until, "via": getattr(via_request, "reference", None)},
            at=now,
        )
    hold.until, hold.extended_at, hold.extension_request = locked.until, locked.extended_at, locked.extension_request
    return locked


def hold_create_for_account(
    *, account_key: str, categories: list[str], starts_on: date, until: date, basis: str, actor: User | None = None
) -> PreservationHold:
    """A hold on one platform account that no law-enforcement request named (a CyberTipline report's).

    Never a user notice: nothing is disclosed and 18 U.S.C. 2258A(h) holds are kept quiet.
    """
    with transaction.atomic():
        hold = PreservationHold.objects.create(
            basis=basis, account_key=account_key, categories=categories, starts_on=starts_on, until=until
        )
        event_record(
            event_type=EventType.HOLD,
            actor=actor,
            message=f"Data preserved until {until:%Y-%m-%d}",
            payload={"hold": hold.pk, "basis": basis, "until": until},
        )
    return hold


def hold_extend_voluntary(
    *, hold: PreservationHold, actor: User, until: date, reason: str, now: datetime | None = None
) -> PreservationHold:
    """Keep a hold longer than the law asks, with a recorded reason (2258A(h)(2) lets the provider do so)."""
    if not is_staff_member(actor):
        raise PermissionDenied("Only the legal team can extend a hold.")
    reason = (reason or "").strip()
    if not reason:
        raise HoldError("Say why the data is kept longer: a voluntary extension needs a reason.")
    now = now or timezone.now()
    with transaction.atomic():
        locked = PreservationHold.objects.select_for_update().get(pk=hold.pk)
        if locked.released_at is not None:
            raise HoldError("This hold has ended; it cannot be extended.")
        if until <= locked.until:
            raise HoldError(f"The new end must be after the current one ({locked.until:%Y-%m-%d}).")
        locked.until = until
        locked.extended_at = now
        locked.extended_by = actor
        locked.extension_reason = reason[:500]
        locked.reminded_at = None
        locked.save()
        event_record(
            event_type=EventType.HOLD,
            actor=actor,
            request=locked.request,
            message=f"Preservation voluntarily extended until {until:%Y-%m-%d}",
            payload={"hold": locked.pk, "until": until, "reason": locked.extension_reason},
            at=now,
        )
    return locked


def hold_release(*, hold: PreservationHold, actor: User, reason: str, now: datetime | None = None) -> PreservationHold:
    """A supervisor ends a hold before its date (issue 16), with a recorded reason.

    18 U.S.C. 2703(f) preserves records "upon the request of a governmental entity", and
    Reg. 2023/1543 Art. 11 ends an EPOC-PR's preservation when the issuing authority says it is no
    longer necessary: so the usual reason is the agency's withdrawal. A hold past its end that an
    open follow-up kept (see holds_release_expired) is released here too. A CyberTipline hold is
    never released early: 18 U.S.C. 2258A(h)(1) makes the provider keep it for one year.
    """
    if not is_supervisor(actor):
        raise PermissionDenied("Only a legal supervisor can release a preservation hold early.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise HoldError("Say why the hold ends early (for example: the agency withdrew its request in writing).")
    now = now or timezone.now()
    with transaction.atomic():
        locked = PreservationHold.objects.select_for_update(of=("self",)).select_related("request").get(pk=hold.pk)
        if locked.released_at is not None:
            raise HoldError("This hold has already ended.")
        if locked.basis == PreservationHold.Basis.CYBERTIPLINE and locked.until >= timezone.localdate(now):
            raise HoldError("A CyberTipline hold must be kept for one year (18 U.S.C. 2258A(h)); it cannot end early.")
        locked.released_at = now
        locked.save(update_fields=["released_at"])
        # The agency sees that the hold ended; the supervisor's reason stays in a staff-only event.
        event_record(
            event_type=EventType.HOLD,
            actor=actor,
            request=locked.request,
            public=True,
            message=f"Preservation released on {timezone.localdate(now):%Y-%m-%d} (planned until {locked.until:%Y-%m-%d})",
            payload={"hold": locked.pk, "until": locked.until, "early": True},
            at=now,
        )
        event_record(
            event_type=EventType.HOLD,
            actor=actor,
            request=locked.request,
            public=False,
            message="Reason for the early release recorded",
            payload={"hold": locked.pk, "reason": reason[:500]},
            at=now,
        )
    hold.released_at = locked.released_at
    return locked


def holds_create_for_approved_request(*, request_id: int) -> list[PreservationHold]:
    """An approved preservation request: hold each found account (or extend its hold), then close it."""
    lr = LegalRequest.objects.select_related("agency").get(pk=request_id)
    if not lr.is_preservation or lr.status not in PRODUCIBLE_STATES:
        return []
    with transaction.atomic():
        lr = LegalRequest.objects.select_for_update().select_related("agency").get(pk=request_id)
        if lr.status not in PRODUCIBLE_STATES:
            return []
        found = targets_look_up(request=lr)
        holds: list[PreservationHold] = []
        if lr.request_type in rules.HOLD_CONFIRMATION_TYPES:
            # Annex V: the original hold now lasts until the confirmed production request closes.
            linked = holds_link_followups(request_id=lr.pk)
            holds = list(PreservationHold.objects.filter(followups=lr))
            reason = (
                f"{linked or len(holds)} hold(s) kept until the confirmed production request is answered."
                if holds
                else "No hold of your agency on these accounts is active: there is nothing to keep."
            )
        elif lr.request_type in rules.HOLD_EXTENSION_TYPES:
            for target in found:
                original = (
                    PreservationHold.objects.filter(
                        request__agency=lr.agency,
                        target__kind=target.kind,
                        target__value=target.value,
                        released_at__isnull=True,
                    )
                    .exclude(request=lr)
                    .order_by("-until")
                    .first()
                )
                if original is not None and original.extended_at is None:
                    holds.append(hold_extend(hold=original, via_request=lr))
            reason = (
                f"Extended {len(holds)} preservation hold(s)."
                if holds
                else "No hold of your agency on these accounts could be extended (none active, or already extended)."
            )
        else:
            holds = [hold_create(request=lr, target=t) for t in found]
            reason = (
                f"Data of {len(holds)} account(s) preserved until {holds[0].until:%Y-%m-%d}."
                if holds
                else "No account was found for any target: there is nothing to preserve."
            )
        request_transition(
            request=lr,
            to=Status.CLOSED,
            actor=None,
            reason=reason,
            outcome=LegalRequest.Outcome.PRESERVED if holds else LegalRequest.Outcome.NO_DATA,
        )
    return holds


def holds_link_followups(*, request_id: int) -> int:
    """Link a later request of the same agency naming the same accounts to their active holds."""
    # Only what this reads (the type, the agency; the rest of the wide row is not needed to link or record).
    lr = LegalRequest.objects.only("pk", "request_type", "agency_id").get(pk=request_id)
    if lr.is_preservation and lr.request_type not in rules.HOLD_CONFIRMATION_TYPES:
        return 0
    candidates = _hold_ids_on_same_accounts(lr)
    if not candidates:
        return 0
    holds = list(PreservationHold.objects.filter(pk__in=candidates, released_at__isnull=True).select_related("request"))
    # Those already linked (a redelivery after this committed) are left as they are.
    linked_before = set(
        PreservationHold.followups.through.objects.filter(
            legalrequest_id=lr.pk, preservationhold_id__in=[h.pk for h in holds]
        ).values_list("preservationhold_id", flat=True)
    )
    holds = [hold for hold in holds if hold.pk not in linked_before]
    if not holds:
        return 0
    linked = 0
    with transaction.atomic():
        for hold in holds:
            hold.followups.add(lr)
            assert hold.request is not None  # the filter names the hold's request
            event_record(
                event_type=EventType.HOLD,
                request=lr,
                public=True,
                message=f"Follows preservation request {hold.request.reference}",
                payload={"hold": hold.pk, "preservation": hold.request.reference},
            )
            linked += 1
    return linked


def _hold_ids_on_same_accounts(lr: LegalRequest) -> list[int]:
    """Active holds of the agency's other preservation requests on an account `lr` names (only holds of
    preservation process: a production order's own provisional hold is kept by that order).

    Their ids only (most new requests name no held account), in one statement written out: built through
    the ORM (an EXISTS on the request's targets, two joins) it cost this follow-up more CPU than the rest."""
    hold, request, target = (m._meta.db_table for m in (PreservationHold, LegalRequest, Target))
    types = sorted(rules.PRESERVATION_TYPES)
    sql = (
        f"SELECT h.id FROM {hold} h JOIN {request} r ON r.id = h.request_id JOIN {target} ht ON ht.id = h.target_id"  # noqa: S608 (the models' tables)
        f" WHERE r.agency_id = %s AND r.request_type IN ({', '.join(['%s'] * len(types))})"
        " AND h.released_at IS NULL AND h.request_id <> %s"
        f" AND EXISTS (SELECT 1 FROM {target} t WHERE t.request_id = %s AND t.kind = ht.kind AND t.value = ht.value)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [lr.agency_id, *types, lr.pk, lr.pk])
        return [row[0] for row in cursor.fetchall()]


def _targets_with_own_hold(request_id: int) -> list[tuple[int, int | None]]:
    """(target id, id of the hold the request has on it or None) for each of the request's targets, in id order:
    one written-out statement for what were two ORM reads (the holds themselves are read only when there are
    some, i.e. on a redelivery)."""
    hold, target = PreservationHold._meta.db_table, Target._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.id, h.id FROM {target} t LEFT JOIN {hold} h ON h.target_id = t.id AND h.request_id = %s"  # noqa: S608 (the models' tables)
            " WHERE t.request_id = %s ORDER BY t.id",
            [request_id, request_id],
        )
        return [(target_id, hold_id) for target_id, hold_id in cursor.fetchall()]


def holds_provisional_create(*, request_id: int) -> list[PreservationHold]:
    """At submission: a preservation request or order, or a production order, preserves the named
    accounts at once (nothing is disclosed, so no review comes first). The period runs from receipt
    (18 U.S.C. 2703(f); Reg. 2023/1543 Art. 10(1), 10(9), 11(1)). Idempotent."""
    lr = LegalRequest.objects.only("pk", "status", "received_at", "request_type", "data_categories", "agency_id").get(
        pk=request_id
    )
    if lr.status == Status.INVALID:
        return []
    received = timezone.localdate(lr.received_at)
    until = rules.provisional_hold_until(lr.request_type, received)
    if until is None:
        return []
    categories = [c for c in lr.data_categories if c in rules.PRODUCIBLE_CATEGORIES]
    with transaction.atomic():
        # Set-based: one read of the holds a previous delivery made, one insert of the rest. A concurrent
        # delivery inserting the same (request, target) trips hold_one_per_target and rolls this one back
        # whole; its retry then finds every hold made (the task is retried on any error).
        pairs = _targets_with_own_hold(lr.pk)
        target_ids = [target for target, _hold in pairs]
        held = [hold for _target, hold in pairs if hold is not None]
        existing = {h.target_id: h for h in PreservationHold.objects.filter(pk__in=held)} if held else {}
        new = PreservationHold.objects.bulk_create(
            [
                PreservationHold(request=lr, target_id=pk, categories=categories, starts_on=received, until=until)
                for pk in target_ids
                if pk not in existing
            ]
        )
        made = {h.target_id: h for h in new}
        holds = [existing.get(pk) or made[pk] for pk in target_ids]
        if new:
            event_record(
                event_type=EventType.HOLD,
                request=lr,
                public=True,
                message=f"Provisional preservation from receipt until {until:%Y-%m-%d}",
                payload={"holds": [h.pk for h in holds], "until": until, "provisional": True},
            )
    return holds


def _kept_by_followup(hold: PreservationHold) -> LegalRequest | None:
    """The open request that keeps a hold alive past its end: an open production order the hold
    was started for, or an open confirmed follow-up (Annex V, a linked warrant)."""
    if hold.request is not None and hold.request.request_type in rules.PRODUCTION_ORDER_TYPES and hold.request.is_open:
        return hold.request
    return hold.followups.filter(status__in=OPEN_STATES).order_by("pk").first()


def _hold_locked(pk: int) -> PreservationHold:
    return PreservationHold.objects.select_for_update(of=("self",)).select_related("request__agency").get(pk=pk)


def _hold_stamp(
    hold: PreservationHold, field: str, now: datetime, *, public: bool, message: str, **payload: Any
) -> None:
    """Set one of the hold's moments (reminded, kept for a follow-up, released) and record it."""
    setattr(hold, field, now)
    hold.save(update_fields=[field])
    event_record(
        event_type=EventType.HOLD,
        request=hold.request,
        public=public,
        message=message,
        payload={"hold": hold.pk, **payload},
        at=now,
    )


def holds_release_expired(*, now: datetime | None = None) -> dict[str, int]:
    """Remind the agency before a hold ends; release holds past their end. Idempotent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    remind_days = settings.HOLD_REMINDER_DAYS
    reminded = released = kept = 0
    due_reminders = PreservationHold.objects.filter(
        released_at__isnull=True,
        reminded_at__isnull=True,
        until__gte=today,
        until__lte=today + timedelta(days=remind_days),
    ).values_list("pk", flat=True)
    for pk in due_reminders:
        with transaction.atomic():
            hold = _hold_locked(pk)
            if hold.reminded_at or hold.released_at:
                continue
            _hold_stamp(
                hold, "reminded_at", now, public=True,
                message=f"Reminder: preservation ends on {hold.until:%Y-%m-%d}", until=hold.until,
            )  # fmt: skip
            if hold.request_id:  # a CyberTipline hold has no agency to remind, and no user is ever told
                followups.emit(followups.MAIL_HOLD_REMINDER, hold_id=pk)
            reminded += 1
    # A hold with an open follow-up request is never released by itself (DESIGN.md, Preservation):
    # _kept_by_followup below keeps it and tells a supervisor once.
    expired = PreservationHold.objects.filter(released_at__isnull=True, until__lt=today).values_list("pk", flat=True)
    for pk in expired:
        with transaction.atomic():
            hold = _hold_locked(pk)
            if hold.released_at or hold.until >= today:
                continue
            followup = _kept_by_followup(hold)
            if followup is not None:
                # Never released by itself while the follow-up is open; a supervisor is told once.
                if hold.kept_for_followup_at is None:
                    _hold_stamp(
                        hold, "kept_for_followup_at", now, public=False,
                        message=f"Preservation kept past {hold.until:%Y-%m-%d}: follow-up {followup.reference} "
                        "is still open; a supervisor may release it",
                        followup=followup.reference,
                    )  # fmt: skip
                    kept += 1
                continue
            _hold_stamp(
                hold, "released_at", now, public=True,
                message=f"Preservation ended on {hold.until:%Y-%m-%d}; the data is no longer held",
            )  # fmt: skip
            released += 1
    return {"reminded": reminded, "released": released, "kept": kept}


# ---------------------------------------------------------------------------------
# Nondisclosure orders and user notice
# ---------------------------------------------------------------------------------


def _notice_plan(lr: LegalRequest, today: date) -> tuple[str, date | None]:
    if lr.request_type == "epoc":
        # Reg. 2023/1543 Art. 13(1): the issuing authority informs the person whose data is sought.
        return UserNotice.Status.AUTHORITY, None
    policy = rules.notice_policy(lr.request_type, emergency=lr.emergency)
    if policy is rules.NoticePolicy.NEVER_AUTOMATIC:
        return UserNotice.Status.BY_PROCESS, None
    if policy is rules.NoticePolicy.AFTER_DANGER and lr.danger_over_at is None:
        return UserNotice.Status.WAITING_DANGER, None
    if policy is rules.NoticePolicy.REVIEWER_DECISION:
        if lr.notice_decision == "withhold":
            return UserNotice.Status.WITHHELD, None
        if lr.notice_decision != "notify":
            return UserNotice.Status.WAITING_DECISION, None
    return _ndo_plan(lr, today)


def _ndo_plan(lr: LegalRequest, today: date) -> tuple[str, date | None]:
    """Held while a nondisclosure order runs (18 U.S.C. 2705(b)), else due today."""
    if lr.ndo_lifted_at is None and lr.ndo_indefinite:
        return UserNotice.Status.WAITING_LIFT, None
    if lr.ndo_active(today) and lr.ndo_until is not None:
        return UserNotice.Status.HELD, lr.ndo_until + timedelta(days=1)
    return UserNotice.Status.HELD, today


def notices_create_for_request(*, request_id: int, now: datetime | None = None) -> list[UserNotice]:
    """A closed request: one notice per account whose data was looked up and found. Idempotent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    created: list[UserNotice] = []
    with transaction.atomic():
        lr = LegalRequest.objects.select_for_update().get(pk=request_id)
        if lr.status != Status.CLOSED or lr.is_preservation:
            return []
        status, send_after = _notice_plan(lr, today)
        for target in Target.objects.filter(request=lr, lookup=Target.Lookup.FOUND, notice__isnull=True):
            notice = UserNotice.objects.create(
                request=lr, target=target, status=status, send_after=send_after, created_at=now
            )
            created.append(notice)
        if created:
            event_record(
                event_type=EventType.NOTICE,
                request=lr,
                public=True,
                message=f"User notice: {UserNotice.Status(status).label.lower()}"
                + (f" (from {send_after:%Y-%m-%d})" if send_after and send_after > today else ""),
                payload={"notices": [n.pk for n in created], "status": status},
                at=now,
            )
            if status == UserNotice.Status.HELD and send_after and send_after <= today:
                _queue_notices(request_id)
    return created


def _queue_notices(request_id: int | None = None) -> None:
    followups.emit(followups.NOTICES_DUE, request_id=request_id)


def notices_send_due(*, now: datetime | None = None, request_id: int | None = None) -> int:
    """Send every notice whose order ended (or was lifted). Each is sent once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = UserNotice.objects.filter(
        Q(status=UserNotice.Status.HELD, send_after__lte=today)
        | Q(status__in=[UserNotice.Status.HELD, UserNotice.Status.WAITING_LIFT], request__ndo_lifted_at__isnull=False)
    )
    if request_id is not None:
        due = due.filter(request_id=request_id)
    notifier = get_user_notifier()
    sent = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            notice = UserNotice.objects.select_for_update().select_related("request__agency", "target").get(pk=pk)
            if notice.status not in (UserNotice.Status.HELD, UserNotice.Status.WAITING_LIFT):
                continue
            lr = notice.request
            if lr.ndo_extension_pending:  # 18 U.S.C. 2705(b): an extension was applied for; wait
                continue
            if lr.ndo_active(today):
                if lr.ndo_until and not lr.ndo_indefinite:  # the order was extended: wait for its new end
                    notice.send_after = lr.ndo_until + timedelta(days=1)
                    notice.save(update_fields=["send_after"])
                continue
            ref = notifier.send(
                NoticeMessage(
                    notice_id=notice.pk,
                    account_kind=notice.target.kind,
                    account_value=notice.target.value,
                    request_reference=lr.reference,
                    agency_name=lr.agency.name,
                    agency_country=lr.agency.country.code,
                    categories=tuple(lr.produced_categories),
                )
            )
            notice.status = UserNotice.Status.SENT
            notice.sent_at = now
            notice.channel_ref = ref[:100]
            notice.save(update_fields=["status", "sent_at", "channel_ref"])
            Target.objects.filter(pk=notice.target_id).update(notified_at=now)
            event_record(
                event_type=EventType.NOTICE,
                request=lr,
                public=True,
                message="User notice sent",
                payload={"notice": notice.pk},
                at=now,
            )
            sent += 1
    return sent


def ndo_lift(
    *, request: LegalRequest, actor: User, reason: str = "", ip: str | None = None, now: datetime | None = None
) -> LegalRequest:
    """A supervisor records that the request's nondisclosure order was lifted (or ended early)."""
    if not is_supervisor(actor):
        raise PermissionDenied("Only a supervisor can record that a nondisclosure order was lifted.")
    now = now or timezone.now()
    with transaction.atomic():
        locked = LegalRequest.objects.select_for_update().get(pk=request.pk)
        if not locked.has_ndo:
            raise ProductionError("This request has no nondisclosure order.")
        if locked.ndo_lifted_at is not None:
            raise ProductionError("The nondisclosure order is already recorded as lifted.")
        LegalRequest.objects.filter(pk=locked.pk).update(ndo_lifted_at=now)
        event_record(
            event_type=EventType.NOTICE,
            actor=actor,
            request=locked,
            public=True,
            message="Nondisclosure order recorded as lifted" + (f": {reason}"[:400] if reason else ""),
            payload={"ndo_until": locked.ndo_until, "indefinite": locked.ndo_indefinite},
            ip=ip,
            at=now,
        )
        _queue_notices(locked.pk)
    request.ndo_lifted_at = now
    return request


def _notices_release(lr: LegalRequest, statuses: list[str], *, actor: User, message: str, now: datetime) -> int:
    """Move notices waiting on a reviewer (danger over, decision to notify) onto the NDO plan."""
    status, send_after = _ndo_plan(lr, timezone.localdate(now))
    moved = UserNotice.objects.filter(request=lr, status__in=statuses).update(status=status, send_after=send_after)
    event_record(
        event_type=EventType.NOTICE, actor=actor, request=lr, public=False, message=message,
        payload={"notices": moved, "status": status}, at=now,
    )  # fmt: skip
    if status == UserNotice.Status.HELD and send_after and send_after <= timezone.localdate(now):
        _queue_notices(lr.pk)
    return moved


@contextmanager
def _notice_step(
    request: LegalRequest,
    actor: User,
    why: str,
    *,
    refused: str,
    empty: str,
    policy: rules.NoticePolicy,
    other_policy: str,
) -> Iterator[LegalRequest]:
    """A reviewer's step on a request's user notice: legal staff only (`refused`), with a reason (`empty`), on the
    request locked in one transaction, whose notice policy must be `policy` (`other_policy`)."""
    if not is_staff_member(actor):
        raise PermissionDenied(refused)
    if not why.strip():
        raise ProductionError(empty)
    with transaction.atomic():
        locked = LegalRequest.objects.select_for_update().get(pk=request.pk)
        if rules.notice_policy(locked.request_type, emergency=locked.emergency) is not policy:
            raise ProductionError(other_policy)
        yield locked


def notice_danger_over(*, request: LegalRequest, actor: User, note: str, now: datetime | None = None) -> LegalRequest:
    """A reviewer records that an emergency's danger is over: only then may the user be told
    (18 U.S.C. 2702(b)(8): telling the user earlier could bring about the harm)."""
    now = now or timezone.now()
    with _notice_step(
        request, actor, note,
        refused="Only the legal team can record that the danger is over.",
        empty="Say how you know the danger is over (for example, the agency's message).",
        policy=rules.NoticePolicy.AFTER_DANGER,
        other_policy="This request is not an emergency; its notice does not wait for the danger to end.",
    ) as locked:  # fmt: skip
        if locked.danger_over_at is not None:
            raise ProductionError("It is already recorded that the danger is over.")
        LegalRequest.objects.filter(pk=locked.pk).update(danger_over_at=now)
        locked.danger_over_at = now
        _notices_release(
            locked, [UserNotice.Status.WAITING_DANGER], actor=actor, now=now,
            message=f"Danger recorded as over: {note.strip()}"[:400],
        )  # fmt: skip
    request.danger_over_at = now
    return request


def notice_decide(
    *, request: LegalRequest, actor: User, notify: bool, reason: str, now: datetime | None = None
) -> LegalRequest:
    """MLAT and CLOUD Act process: a reviewer decides explicitly whether the user is told
    (the requesting State's confidentiality terms, 18 U.S.C. 3512 and 2523, are weighed by a person)."""
    now = now or timezone.now()
    with _notice_step(
        request, actor, reason,
        refused="Only the legal team can decide on user notice.",
        empty="Give the reason for the decision on user notice.",
        policy=rules.NoticePolicy.REVIEWER_DECISION,
        other_policy="User notice on this request follows its process; no decision is needed.",
    ) as locked:  # fmt: skip
        if locked.notice_decision:
            raise ProductionError("The decision on user notice is already recorded.")
        decision = "notify" if notify else "withhold"
        LegalRequest.objects.filter(pk=locked.pk).update(notice_decision=decision)
        locked.notice_decision = decision
        if notify:
            _notices_release(
                locked, [UserNotice.Status.WAITING_DECISION], actor=actor, now=now,
                message=f"Decided to notify the user: {reason.strip()}"[:400],
            )  # fmt: skip
        else:
            moved = UserNotice.objects.filter(request=locked, status=UserNotice.Status.WAITING_DECISION).update(
                status=UserNotice.Status.WITHHELD
            )
            event_record(
                event_type=EventType.NOTICE, actor=actor, request=locked, public=False,
                message=f"Decided not to notify the user: {reason.strip()}"[:400],
                payload={"notices": moved, "decision": decision}, at=now,
            )  # fmt: skip
    request.notice_decision = decision
    return request


def ndo_record(
    *,
    request: LegalRequest,
    actor: User,
    until: date | None = None,
    indefinite: bool = False,
    extension_pending: bool = False,
    document: Any = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> LegalRequest:
    """Record, extend (18 U.S.C. 2705(b)) or replace a nondisclosure order after submission.

    By the agency (an officer of the requesting agency, uploading the order as `document`, a
    DocumentInput) or by a supervisor. `extension_pending` records that an extension was applied
    for: no notice leaves until the new order (or its refusal) is recorded."""
    from requests_app.documents import check_pdf

    agency_side = is_agency_officer(actor) and getattr(actor.officer, "agency_id", None) == request.agency_id
    if not agency_side and not is_supervisor(actor):
        raise PermissionDenied("Only the requesting agency or a legal supervisor can record a nondisclosure order.")
    if agency_side and document is None:
        raise ProductionError("Upload the signed nondisclosure order (PDF) with the new dates.")
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not extension_pending:
        if indefinite and until:
            raise ProductionError("A nondisclosure order is either indefinite or has an end date, not both.")
        if not indefinite and until is None:
            raise ProductionError("Give the date the nondisclosure order ends, or mark it indefinite.")
        if until is not None and until <= today:
            raise ProductionError("The end date must be in the future.")
    if document is not None:
        check_pdf(document.filename, document.content)  # a refused file: DocumentError, nothing saved
    _ndo_save(locked_pk=request.pk, actor=actor, document=document, until=until, indefinite=indefinite,
              extension_pending=extension_pending, ip=ip, now=now)  # fmt: skip
    request.refresh_from_db()
    return request


def _ndo_save(*, locked_pk, actor, document, until, indefinite, extension_pending, ip, now):
    """The write of ndo_record. The uploaded order is written to storage inside the transaction;
    if the transaction rolls back, the file is deleted too (no orphan ciphertext on disk)."""
    stored: list = []
    try:
        return _ndo_save_atomic(locked_pk=locked_pk, actor=actor, document=document, until=until,
                                indefinite=indefinite, extension_pending=extension_pending, ip=ip, now=now,
                                stored=stored)  # fmt: skip
    except BaseException:
        for document_row in stored:
            if document_row.file:
                document_row.file.delete(save=False)
        raise


def _ndo_save_atomic(
    *,
    locked_pk: int,
    actor: User,
    document: DocumentInput | None,
    until: date | None,
    indefinite: bool,
    extension_pending: bool,
    ip: str | None,
    now: datetime,
    stored: list[Any],
) -> Document | None:
    from requests_app.services import _store_document

    with transaction.atomic():
        locked = LegalRequest.objects.select_for_update().get(pk=locked_pk)
        stored_row = None
        if document is not None:
            # Filed as what it is: the nondisclosure order (the reviewer finds it among the documents).
            order = DocumentInput(document.filename, document.content, kind=Document.Kind.NDO)
            stored_row = _store_document(request=locked, doc=order, actor=actor)
            stored.append(stored_row)
        previous = {"ndo_until": locked.ndo_until, "indefinite": locked.ndo_indefinite}
        if extension_pending:
            locked.ndo_extension_pending = True
            message = "Extension of the nondisclosure order applied for: no user notice until it is decided"
        else:
            kind = "extended" if locked.has_ndo and not locked.ndo_lifted_at else "recorded"
            locked.ndo_until, locked.ndo_indefinite = (None if indefinite else until), indefinite
            locked.ndo_lifted_at = None
            locked.ndo_extension_pending = False
            message = f"Nondisclosure order {kind}: " + ("indefinite" if indefinite else f"until {until:%Y-%m-%d}")
        locked.save(
            update_fields=["ndo_until", "ndo_indefinite", "ndo_lifted_at", "ndo_extension_pending", "updated_at"]
        )
        # Notices already held follow the new order on their next sweep (notices_send_due re-reads it).
        UserNotice.objects.filter(request=locked, status=UserNotice.Status.HELD).exclude(
            send_after__isnull=True
        ).update(send_after=(locked.ndo_until + timedelta(days=1)) if locked.ndo_until else None)
        if locked.ndo_indefinite:
            UserNotice.objects.filter(request=locked, status=UserNotice.Status.HELD).update(
                status=UserNotice.Status.WAITING_LIFT, send_after=None
            )
        event_record(
            event_type=EventType.LEGAL, actor=actor, request=locked, public=True, message=message,
            payload={"previous": previous, "ndo_until": locked.ndo_until, "indefinite": locked.ndo_indefinite,
                     "extension_pending": locked.ndo_extension_pending,
                     "document": getattr(stored_row, "sha256", None)},
            ip=ip, at=now,
        )  # fmt: skip
    return stored_row
