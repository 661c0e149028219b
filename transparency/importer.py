"""Bulk import of historical requests from CSV or JSON Lines (format: docs/import.md).

The rules are `parse_row`; the columns are built by `request_values` / `target_values` / `facts_values`.
On PostgreSQL, CSV files are checked and written set-based in SQL by the same rules
(transparency/sqlimport.py) and JSON Lines row by row through COPY (transparency/bulkcopy.py).
The portable path below makes two passes over the file: the first validates every row and reports every error
by row number (nothing is written if any row is broken); the second inserts in
batches with bulk_create inside ONE transaction, skipping external_ids already
imported, so running the same file twice imports nothing new.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from requests_app import rules
from requests_app.audit import event_record
from requests_app.exceptions import Refused
from requests_app.lifecycle import Status
from requests_app.models import Agency, EventType, LegalRequest, Target
from transparency.aggregation import is_country
from transparency.facts import account_key, produced_split
from transparency.models import RequestFacts, TargetFacts

COLUMNS = (
    "external_id",
    "received_at",
    "country",
    "agency",
    "request_type",
    "emergency",
    "targets",
    "targets_not_found",
    "data_categories",
    "produced_categories",
    "final_status",
    "rejection_reason",
    "decided_at",
    "closed_at",
    "ndo_until",
    "user_notified",
)
REQUIRED = ("external_id", "received_at", "country", "agency", "request_type", "final_status")
FINAL = {"closed": Status.CLOSED, "rejected": Status.REJECTED, "withdrawn": Status.WITHDRAWN}
TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"", "0", "false", "no", "n", "f"}
REASONS = set(LegalRequest.RejectionReason.values)
MAX_ERRORS_SHOWN = 50


class ImportRefused(Refused):
    """The file has broken rows; nothing was imported."""

    def __init__(self, errors: list[str], total: int) -> None:
        self.errors = errors
        self.total = total
        super().__init__(f"{total} problem(s) in the file; nothing was imported.")


@dataclass
class ParsedRow:
    external_id: str
    received_at: datetime
    country: str
    agency: str
    request_type: str
    emergency: bool
    targets: list[rules.NormalisedTarget]
    raw_targets: list[str]
    not_found: set[tuple[str, str]]
    data_categories: list[str]
    produced_categories: list[str]
    status: str
    rejection_reason: str
    decided_at: datetime | None
    closed_at: datetime
    ndo_until: date | None
    ndo_indefinite: bool
    user_notified: bool


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    skipped: int = 0
    targets: int = 0
    agencies_created: int = 0
    sha256: str = ""
    notes: list[str] = field(default_factory=list)


class RowError(ValueError):
    pass


# --------------------------------------------------------------------------- reading


def is_json_lines(path: Path) -> bool:
    """JSON Lines: a .jsonl/.ndjson name, or a file whose first character is `{`; anything else is CSV."""
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        return True
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return fh.read(1) == "{"


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, values) for each data row; CSV row numbers count the header as row 1."""
    json_lines = is_json_lines(path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        if json_lines:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield n, {"__error__": f"not valid JSON ({exc.msg})"}
                    continue
                yield n, obj if isinstance(obj, dict) else {"__error__": "each line must be a JSON object"}
        else:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                yield 1, {"__error__": f"the header lacks the column(s) {', '.join(missing)}"}
                return
            for n, row in enumerate(reader, start=2):
                yield n, row


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- parsing


def _text(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _list(row: dict[str, Any], name: str) -> list[str]:
    value = row.get(name)
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in _text(row, name).split(";") if v.strip()]


def _bool(row: dict[str, Any], name: str) -> bool:
    value = row.get(name)
    if isinstance(value, bool):
        return value
    text = _text(row, name).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise RowError(f"{name} must be true or false, not “{text}”")


def _when(row: dict[str, Any], name: str, *, required: bool = False) -> datetime | None:
    text = _text(row, name)
    if not text:
        if required:
            raise RowError(f"{name} is required")
        return None
    try:
        dt = parse_datetime(text)
        if dt is None:
            d = parse_date(text)
            dt = datetime.combine(d, time.min) if d else None
    except ValueError:
        dt = None
    if dt is None:
        raise RowError(f"{name} “{text}” is not a date (use 2025-03-31 or 2025-03-31T14:00:00Z)")
    return dt if timezone.is_aware(dt) else dt.replace(tzinfo=UTC)


@functools.lru_cache(maxsize=1 << 16)
def _target(raw: str, region: str) -> rules.NormalisedTarget:
    """Normalise one identifier. Memoised per (identifier, country): the same accounts recur across
    requests, and phone-number parsing is most of the per-row cost (only successes are kept; a
    bad identifier raises again, with its message in the current language)."""
    kind, sep, rest = raw.partition(":")
    if sep and kind in rules.TARGET_TYPES and not raw.lower().startswith(("http:", "https:")):
        return rules.normalise_target(kind, rest, region)
    if raw.startswith("+"):
        return rules.normalise_target("phone", raw, region)
    if raw.isdigit():
        return rules.normalise_target("user_id", raw, region)
    if "t.me/" in raw.lower() or "telegram.me/" in raw.lower():
        return rules.normalise_target("link", raw, region)
    return rules.normalise_target("username", raw, region)


def parse_row(row: dict[str, Any]) -> ParsedRow:
    """One row to a ParsedRow, or RowError listing every problem of the row."""
    if "__error__" in row:
        raise RowError(row["__error__"])
    problems: list[str] = []

    def check(fn: Callable[[], Any], default: Any = None) -> Any:
        try:
            return fn()
        except (RowError, rules.TargetError) as exc:
            problems.append(str(exc))
            return default

    external_id = _text(row, "external_id")
    if not external_id:
        problems.append("external_id is required")
    elif len(external_id) > 100:
        problems.append("external_id is longer than 100 characters")
    received = check(lambda: _when(row, "received_at", required=True))
    country = _text(row, "country").upper()
    if not is_country(country):
        problems.append(f"country “{country}” is not an ISO 3166-1 alpha-2 code")
    agency = _text(row, "agency")
    if not agency:
        problems.append("agency is required")
    elif len(agency) > 200:
        problems.append("agency is longer than 200 characters")
    rtype = _text(row, "request_type")
    if rtype not in rules.REQUEST_TYPES:
        problems.append(f"request_type “{rtype}” is unknown (use one of: {', '.join(rules.REQUEST_TYPES)})")
    emergency = check(lambda: _bool(row, "emergency"), False) or rtype == "emergency"
    raw_targets = _list(row, "targets")
    targets: dict[tuple[str, str], rules.NormalisedTarget] = {}
    raw_by_key: dict[tuple[str, str], str] = {}
    for raw in raw_targets:
        t = check(lambda raw=raw: _target(raw, country))
        if t is not None:
            targets.setdefault(t.key, t)
            raw_by_key.setdefault(t.key, raw)
    not_found: set[tuple[str, str]] = set()
    for raw in _list(row, "targets_not_found"):
        t = check(lambda raw=raw: _target(raw, country))
        if t is not None:
            if t.key not in targets:
                problems.append(f"targets_not_found names “{raw}”, which is not among the targets")
            not_found.add(t.key)
    data_categories = _list(row, "data_categories")
    produced = _list(row, "produced_categories")
    for code in data_categories + produced:
        if code not in rules.CATEGORIES:
            problems.append(f"“{code}” is not a data category (use one of: {', '.join(rules.CATEGORIES)})")
    for code in produced:
        if code in rules.CATEGORIES and rules.CATEGORIES[code].e2ee:
            problems.append(f"“{code}” is end-to-end encrypted and can never have been produced")
    status = _text(row, "final_status").lower()
    if status not in FINAL:
        problems.append(f"final_status “{status}” must be closed, rejected or withdrawn")
    reason = _text(row, "rejection_reason")
    if status == "rejected" and reason not in REASONS:
        problems.append(f"a rejected request needs a rejection_reason (one of: {', '.join(sorted(REASONS))})")
    if status != "rejected" and reason:
        problems.append("rejection_reason is only for rejected requests")
    if status in {"rejected", "withdrawn"} and produced:
        problems.append(f"a {status} request cannot have produced_categories")
    decided = check(lambda: _when(row, "decided_at"))
    closed = check(lambda: _when(row, "closed_at"))
    for name, value in (("decided_at", decided), ("closed_at", closed)):
        if value and received and value < received:
            problems.append(f"{name} is before received_at")
    ndo_text = _text(row, "ndo_until")
    ndo_until, ndo_indefinite = None, False
    if ndo_text.lower() == "indefinite":
        ndo_indefinite = True
    elif ndo_text:
        try:
            ndo_until = parse_date(ndo_text)
        except ValueError:
            ndo_until = None
        if ndo_until is None:
            problems.append(f"ndo_until “{ndo_text}” is not a date or “indefinite”")
    notified = check(lambda: _bool(row, "user_notified"), False)
    if problems:
        raise RowError("; ".join(problems))
    return ParsedRow(
        external_id=external_id,
        received_at=received,
        country=country,
        agency=agency,
        request_type=rtype,
        emergency=bool(emergency),
        targets=list(targets.values()),
        raw_targets=[raw_by_key[k] for k in targets],
        not_found=not_found,
        data_categories=data_categories,
        produced_categories=produced,
        status=FINAL[status],
        rejection_reason=reason,
        decided_at=decided,
        closed_at=closed or decided or received,
        ndo_until=ndo_until,
        ndo_indefinite=ndo_indefinite,
        user_notified=bool(notified),
    )


KEEP_PARSED = 50_000  # files up to this many rows are parsed once; larger ones twice, to bound memory


def validate_file(path: Path, keep: list[ParsedRow] | None = None) -> tuple[int, list[str], int]:
    """(rows, error lines (first 50), total errors); every row is checked.

    Parsed rows are appended to `keep` while the file has at most KEEP_PARSED rows.
    """
    errors: list[str] = []
    total = 0
    rows = 0
    seen: set[str] = set()
    for n, raw in read_rows(path):
        rows += 1
        try:
            parsed = parse_row(raw)
        except RowError as exc:
            total += 1
            if len(errors) < MAX_ERRORS_SHOWN:
                errors.append(f"row {n}: {exc}")
            continue
        if parsed.external_id in seen:
            total += 1
            if len(errors) < MAX_ERRORS_SHOWN:
                errors.append(f"row {n}: external_id “{parsed.external_id}” appears twice in the file")
        seen.add(parsed.external_id)
        if keep is not None:
            if rows <= KEEP_PARSED:
                keep.append(parsed)
            else:
                keep.clear()
                keep = None
    if rows == 0 and not errors:
        errors.append("the file has no rows")
        total = 1
    return rows, errors, total


# --------------------------------------------------------------------------- writing


def reference_for(external_id: str) -> str:
    """IMP- plus 16 hex digits of the external id's SHA-256: stable and unique in practice."""
    return "IMP-" + hashlib.sha256(external_id.encode()).hexdigest()[:16].upper()


def _outcome(p: ParsedRow) -> str:
    Oc = LegalRequest.Outcome
    if p.status == Status.REJECTED:
        return Oc.REJECTED
    if p.status == Status.WITHDRAWN:
        return Oc.WITHDRAWN
    if p.produced_categories:
        return Oc.DATA_PRODUCED
    if p.request_type in rules.PRESERVATION_TYPES:
        return Oc.PRESERVED
    return Oc.NO_DATA


def _seconds(a: datetime | None, b: datetime | None) -> int | None:
    return None if a is None or b is None else max(0, int((b - a).total_seconds()))


def request_values(p: ParsedRow, now: datetime) -> dict[str, Any]:
    """The LegalRequest columns of one imported row (attname -> value), except agency_id.

    Both write paths use it, so what an imported request looks like is said once.
    """
    rtype = rules.REQUEST_TYPES[p.request_type]
    produced = bool(p.produced_categories)
    return {
        "reference": reference_for(p.external_id),
        "external_id": p.external_id,
        "request_type": p.request_type,
        "legal_framework": rtype.frameworks[0],
        "country": p.country,
        "emergency": p.emergency,
        "ndo_until": p.ndo_until,
        "ndo_indefinite": p.ndo_indefinite,
        "data_categories": p.data_categories,
        "received_at": p.received_at,
        "decided_at": p.decided_at,
        "produced_at": p.closed_at if produced else None,
        "closed_at": p.closed_at,
        "status": p.status,
        "outcome": _outcome(p),
        "rejection_reason": p.rejection_reason,
        "produced_categories": p.produced_categories,
        "created_at": now,
        "updated_at": now,
    }


def target_values(p: ParsedRow) -> list[dict[str, Any]]:
    """The Target rows of one imported row (attname -> value), except request_id."""
    out = []
    for t, raw in zip(p.targets, p.raw_targets, strict=True):
        is_found = t.key not in p.not_found
        out.append(
            {
                "identifier_type": t.identifier_type,
                "raw_value": raw[:300],
                "kind": t.kind,
                "value": t.value,
                "lookup": Target.Lookup.FOUND if is_found else Target.Lookup.NOT_FOUND,
                "looked_up_at": p.closed_at,
                "notified_at": p.closed_at if (is_found and p.user_notified) else None,
            }
        )
    return out


def facts_values(p: ParsedRow, targets: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """The RequestFacts row of one imported row (attname -> value), except request_id.

    Stamped `now`, the same instant as the request's `updated_at`, so the facts are current
    and the first report build of the period rewrites none of them.
    """
    rtype = rules.REQUEST_TYPES[p.request_type]
    any_, content, noncontent = produced_split(p.produced_categories)
    found = sum(t["lookup"] == Target.Lookup.FOUND for t in targets)
    return {
        "received_at": p.received_at,
        "country": p.country,
        "request_type": p.request_type,
        "emergency": p.emergency,
        "preservation": rtype.preservation,
        "national_security": rtype.national_security,
        "final": True,
        "outcome": _outcome(p),
        "rejection_reason": p.rejection_reason,
        "accounts": len(targets),
        "accounts_found": found,
        "accounts_with_data": found if any_ else 0,
        "users_notified": sum(t["notified_at"] is not None for t in targets),
        "produced_any": any_,
        "produced_content": content,
        "produced_noncontent": noncontent,
        "ndo": p.ndo_indefinite or p.ndo_until is not None,
        "seconds_to_ack": None,
        "seconds_to_decision": _seconds(p.received_at, p.decided_at),
        "seconds_to_produce": _seconds(p.received_at, p.closed_at) if any_ else None,
        "dsa_order": p.request_type == "dsa_art10",
        "seconds_to_final": _seconds(p.received_at, p.closed_at),
        "updated_at": now,
    }


def _insert_batch(batch: list[ParsedRow], agencies: dict[tuple[str, str], Agency], result: ImportResult) -> None:
    """The portable path (SQLite): bulk_create per batch."""
    existing = set(
        LegalRequest.objects.filter(external_id__in=[p.external_id for p in batch]).values_list(
            "external_id", flat=True
        )
    )
    todo = [p for p in batch if p.external_id not in existing]
    result.skipped += len(batch) - len(todo)
    if not todo:
        return
    for key in {(p.agency, p.country) for p in todo} - agencies.keys():
        agency, created = Agency.objects.get_or_create(
            name=key[0], country=key[1], defaults={"kind": Agency.Kind.OTHER}
        )
        agencies[key] = agency
        result.agencies_created += int(created)
    now = timezone.now()
    requests = [LegalRequest(agency=agencies[(p.agency, p.country)], **request_values(p, now)) for p in todo]
    created = LegalRequest.objects.bulk_create(requests)
    # bulk_create runs auto_now again; put back the instant the facts are stamped with.
    LegalRequest.objects.filter(pk__in=[r.pk for r in created]).update(updated_at=now)
    targets, facts = [], []
    for req, p in zip(created, todo, strict=True):
        tv = target_values(p)
        targets.extend(Target(request_id=req.pk, **t) for t in tv)
        facts.append(RequestFacts(request_id=req.pk, **facts_values(p, tv, now)))
    Target.objects.bulk_create(targets, batch_size=5000)
    RequestFacts.objects.bulk_create(facts, batch_size=5000)
    facts_by_request = {f.request_id: f for f in facts}
    TargetFacts.objects.bulk_create(
        [
            TargetFacts(
                target_id=t.pk,
                request_id=t.request_id,
                received_at=facts_by_request[t.request_id].received_at,
                country=facts_by_request[t.request_id].country,
                request_type=facts_by_request[t.request_id].request_type,
                national_security=facts_by_request[t.request_id].national_security,
                preservation=facts_by_request[t.request_id].preservation,
                account_key=account_key(account_ref="", kind=t.kind, value=t.value)[:320],
                with_data=facts_by_request[t.request_id].produced_any and t.lookup == Target.Lookup.FOUND,
            )
            for t in targets
        ],
        batch_size=5000,
    )
    result.created += len(created)
    result.targets += len(targets)


def _record_import(path: Path, rows: int, result: ImportResult, actor) -> None:
    event_record(
        event_type=EventType.IMPORTED,
        actor=actor,
        message=f"Bulk import of {result.created} historical requests from {path.name}"[:500],
        payload={
            "file": path.name,
            "sha256": result.sha256,
            "rows": rows,
            "created": result.created,
            "skipped": result.skipped,
            "targets": result.targets,
            "agencies_created": result.agencies_created,
        },
    )


def import_file(
    path: Path | str,
    *,
    actor=None,
    batch_size: int = 5000,
    progress: Callable[[str], None] | None = None,
    exclusive: bool = False,
) -> ImportResult:
    """Validate the whole file, then import it in one transaction; raise ImportRefused on any bad row.

    On PostgreSQL a CSV file is staged with COPY and checked and written set-based in SQL
    (transparency/sqlimport.py); JSON Lines are parsed row by row and COPYed (transparency/bulkcopy.py);
    elsewhere the rows go through batched bulk_create. `exclusive` (PostgreSQL CSV only): see
    sqlimport.import_csv.
    """
    path = Path(path)
    if connection.vendor == "postgresql":
        if not is_json_lines(path):
            from transparency.sqlimport import import_csv

            return import_csv(path, actor=actor, progress=progress, progress_every=batch_size, exclusive=exclusive)
        from transparency.bulkcopy import import_file_copy

        return import_file_copy(path, actor=actor, progress=progress, progress_every=batch_size)
    say = progress or (lambda msg: None)
    result = ImportResult(sha256=file_sha256(path))
    say(f"Checking {path.name} ...")
    parsed: list[ParsedRow] = []
    rows, errors, total = validate_file(path, parsed)
    if total:
        raise ImportRefused(errors, total)
    result.rows = rows
    say(f"{rows} rows are valid; importing ...")
    agencies: dict[tuple[str, str], Agency] = {}
    with transaction.atomic():
        batch: list[ParsedRow] = []
        done = 0
        source = parsed if len(parsed) == rows else (parse_row(raw) for _, raw in read_rows(path))
        for row in source:
            batch.append(row)
            if len(batch) >= batch_size:
                _insert_batch(batch, agencies, result)
                done += len(batch)
                batch = []
                say(f"{done}/{rows} rows ({100 * done // rows}%)")
        if batch:
            _insert_batch(batch, agencies, result)
            done += len(batch)
            say(f"{done}/{rows} rows (100%)")
        _record_import(path, rows, result, actor)
    return result


def write_csv(rows: list[dict[str, Any]]) -> str:
    """Helper for tests and tools: rows (dicts with COLUMNS keys, lists allowed) to CSV text."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow(
            {
                k: ";".join(v) if isinstance(v, list) else ("true" if v is True else "false" if v is False else v)
                for k, v in r.items()
            }
        )
    return out.getvalue()
