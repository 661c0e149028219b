"""Writes to the request domain. Views, the API, admin actions, commands and
Celery tasks call these; none of them save a LegalRequest themselves.

Every function is keyword-only, runs in one transaction, writes its audit
event in that transaction, and writes its follow-ups to the outbox in that
transaction (requests_app.followups).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation

from requests_app import audit, dsa_categories, followups, lifecycle, outbox, rows, rules
from requests_app.audit import event_record
from requests_app.documents import DocumentError, DocumentInput, check_once, store_encrypted, write_encrypted
from requests_app.exceptions import Forbidden, Refused
from requests_app.lifecycle import Actor, Status, TransitionError
from requests_app.models import Agency, Document, EventType, LegalRequest, Officer, RequestEvent, Target

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


class PermissionDenied(Forbidden):
    """The actor may not do this; the message is for them."""


class SubmissionRefused(Refused):
    """Rule findings block the submission; nothing was saved."""

    def __init__(self, findings: list[rules.Finding], *, needs_acknowledgement: bool = False) -> None:
        self.findings = findings
        self.needs_acknowledgement = needs_acknowledgement
        blocking = [f.message for f in findings if f.severity is rules.Severity.ERROR]
        if not blocking and needs_acknowledgement:
            blocking = ["Read and acknowledge the warnings before submitting."]
        super().__init__(
            " ".join(blocking), code="warnings_not_acknowledged" if needs_acknowledgement else "rules_refused"
        )


# ---------------------------------------------------------------------------------
# Actors
# ---------------------------------------------------------------------------------


def actor_role(user: User | None) -> Actor:
    """Which lifecycle actor a user acts as. None is the system."""
    if user is None:
        return Actor.SYSTEM
    officer: Officer | None = getattr(user, "officer", None)
    if officer is None:
        raise PermissionDenied("This account has no portal role.")
    if officer.role == Officer.Role.OFFICER:
        return Actor.AGENCY
    if officer.role == Officer.Role.REVIEWER:
        return Actor.REVIEWER
    return Actor.SUPERVISOR


def _require_active(user: User) -> Officer:
    officer: Officer | None = getattr(user, "officer", None)
    if officer is None or not officer.can_act:
        raise PermissionDenied("Your account or your agency is not active.")
    return officer


# ---------------------------------------------------------------------------------
# Submission
# ---------------------------------------------------------------------------------


DECLARATION_FIELDS = (
    "judicial_validation",
    "ip_identification_only",
    "ip_identification_times",
    "epoc_domestic_exception",
    "doj_warrant",
    "cloud_act_non_us_person",
    "cloud_act_outside_us",
    "cloud_act_independent_review",
)


def emergency_downgraded(findings: Sequence[rules.Finding]) -> bool:
    """An emergency whose justification states no danger is handled as an ordinary request
    (18 U.S.C. 2702(b)(8) needs a danger of death or serious physical injury)."""
    return any(f.code == "emergency_justification_weak" for f in findings)


@dataclass
class SubmissionData:
    request_type: str
    legal_framework: str
    country: str
    data_categories: Sequence[str]
    targets: Sequence[tuple[str, str]]
    authority_kind: str = ""
    issuing_authority: str = ""
    legal_basis: str = ""
    case_number: str = ""
    date_from: date | None = None
    date_to: date | None = None
    emergency: bool = False
    emergency_justification: str = ""
    emergency_attested: bool = False
    judicial_validation: bool = False
    ndo: bool = False
    ndo_until: date | None = None
    ndo_indefinite: bool = False
    # EU DSA illegal-content category of the order (requests_app.dsa_categories), the officer's choice.
    dsa_category: str = ""
    ip_identification_only: bool = False
    ip_identification_times: str = ""
    epoc_domestic_exception: bool = False  # Reg. 2023/1543 Art. 8(2)
    doj_warrant: bool = False
    cloud_act_non_us_person: bool = False
    cloud_act_outside_us: bool = False
    cloud_act_independent_review: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def declarations(self) -> dict[str, Any]:
        """The officer's declarations, stored on the request as given (LegalRequest.declarations)."""
        return {name: getattr(self, name) for name in DECLARATION_FIELDS if getattr(self, name)}

    def draft(self, *, has_document: bool, today: date | None = None) -> rules.Draft:
        return rules.Draft(
            request_type=self.request_type,
            legal_framework=self.legal_framework,
            authority_kind=self.authority_kind,
            data_categories=list(self.data_categories),
            targets=list(self.targets),
            date_from=self.date_from,
            date_to=self.date_to,
            emergency=self.emergency or self.request_type == "emergency",
            emergency_justification=self.emergency_justification,
            emergency_attested=self.emergency_attested,
            judicial_validation=self.judicial_validation,
            legal_basis=self.legal_basis,
            ip_identification_only=self.ip_identification_only,
            epoc_domestic_exception=self.epoc_domestic_exception,
            ip_identification_times=self.ip_identification_times,
            doj_warrant=self.doj_warrant,
            cloud_act_non_us_person=self.cloud_act_non_us_person,
            cloud_act_outside_us=self.cloud_act_outside_us,
            cloud_act_independent_review=self.cloud_act_independent_review,
            has_document=has_document,
            ndo=self.ndo or self.ndo_indefinite or self.ndo_until is not None,
            ndo_until=self.ndo_until,
            ndo_indefinite=self.ndo_indefinite,
            country=self.country,
            today=today or timezone.localdate(),
        )


def request_findings(*, agency: Agency | None, data: SubmissionData, has_document: bool) -> list[rules.Finding]:
    """The rule findings for a draft, plus the database checks (duplicates)."""
    findings = rules.validate(data.draft(has_document=has_document))
    duplicate = _find_duplicate(agency=agency, data=data)
    if duplicate is not None:
        findings.append(
            rules.Finding(
                "duplicate_request",
                rules.Severity.WARNING,
                "case_number",
                f"Your agency already sent {duplicate} for this case and these accounts. "
                "Send more information on that request instead, unless this is new legal process.",
            )
        )
    return findings


def _find_duplicate(*, agency: Agency | None, data: SubmissionData) -> str | None:
    if agency is None or not data.case_number.strip():
        return None
    keys = set()
    for id_type, raw in data.targets:
        try:
            keys.add(rules.normalise_target(id_type, raw, data.country).value)
        except rules.TargetError:
            continue
    if not keys:
        return None
    # The ORM query this was (LegalRequest.objects.open().filter(agency=…, case_number__iexact=…,
    # targets__value__in=…).values_list("reference").first()) cost ~0.6 ms of CPU to build on every
    # submission; the statement is the same one index probe (lr_open_case_agency), written once.
    sorted_keys = sorted(keys)
    with connection.cursor() as cursor:
        cursor.execute(
            _duplicate_sql(len(sorted_keys)),
            [*_OPEN_STATUSES, agency.pk, data.case_number.strip(), *sorted_keys],
        )
        row = cursor.fetchone()
    return row[0] if row else None


_OPEN_STATUSES = sorted(s.value for s in lifecycle.OPEN_STATES)


@functools.cache
def _duplicate_sql(keys: int) -> str:
    """The duplicate check's statement for `keys` target values: the reference of the agency's latest open
    request (the model's ordering) with this case number, case-insensitive as the partial index
    lr_open_case_agency, that names one of the targets."""
    qn = connection.ops.quote_name
    lr, target = LegalRequest._meta, Target._meta
    placeholders = ", ".join(["%s"] * keys)
    statuses = ", ".join(["%s"] * len(_OPEN_STATUSES))
    return (
        f"SELECT r.{qn('reference')} FROM {qn(lr.db_table)} r"  # noqa: S608 (the models' own names; values are parameters)
        f" INNER JOIN {qn(target.db_table)} t ON t.{qn(target.get_field('request').column)} = r.{qn('id')}"
        f" WHERE r.{qn('status')} IN ({statuses}) AND r.{qn(lr.get_field('agency').column)} = %s"
        f" AND UPPER(r.{qn('case_number')}) = UPPER(%s) AND t.{qn('value')} IN ({placeholders})"
        f" ORDER BY r.{qn('received_at')} DESC LIMIT 1"
    )


def _due(request_type: str, received_at: datetime, emergency: bool) -> datetime:
    return rules.due_at(
        request_type,
        received_at,
        emergency=emergency,
        default=timedelta(days=settings.DEFAULT_DUE_DAYS),
        emergency_default=timedelta(hours=settings.EMERGENCY_DUE_HOURS),
    )


@dataclass(frozen=True)
class Submitted:
    """A request request_submit_rows saved, with the target and document rows it wrote: a caller that
    answers with them (the API's 201) need not read them back."""

    request: LegalRequest
    targets: list[Target]
    documents: list[Document]

    @property
    def rows(self) -> dict[str, list[Any]]:
        return {"targets": self.targets, "documents": self.documents}


def request_submit(
    *,
    actor: User,
    data: SubmissionData,
    documents: Sequence[DocumentInput] = (),
    acknowledge_warnings: bool = False,
    ip: str | None = None,
) -> LegalRequest:
    """Save a new request with its targets and documents, all or nothing.

    Raises SubmissionRefused (rule errors, or unacknowledged warnings),
    DocumentError (a refused file) or PermissionDenied. Nothing is saved then.
    """
    return request_submit_rows(
        actor=actor, data=data, documents=documents, acknowledge_warnings=acknowledge_warnings, ip=ip
    ).request


def request_submit_rows(
    *,
    actor: User,
    data: SubmissionData,
    documents: Sequence[DocumentInput] = (),
    acknowledge_warnings: bool = False,
    ip: str | None = None,
) -> Submitted:
    """request_submit, answering with the rows it wrote as well."""
    officer = _require_active(actor)
    agency = officer.agency
    if officer.role != Officer.Role.OFFICER or agency is None:
        raise PermissionDenied("Only officers of a verified agency can submit requests.")

    findings = request_findings(agency=agency, data=data, has_document=bool(documents))
    if rules.has_errors(findings):
        raise SubmissionRefused(findings)
    if any(f.severity is rules.Severity.WARNING for f in findings) and not acknowledge_warnings:
        raise SubmissionRefused(findings, needs_acknowledgement=True)
    for doc in documents:
        check_once(doc)  # the API's serializer already checked its uploads: not parsed twice

    stored: list[Document] = []
    try:
        # Every row is inserted once, in its final state: the request already validated, with its final
        # reference (its id reserved first, on PostgreSQL), the documents with their files; the events and
        # the follow-ups each in one INSERT at the end (audit.batch, outbox.batch). No UPDATE, no re-read.
        with transaction.atomic(), audit.batch(), outbox.batch():
            received_at = timezone.now()
            reserved = _reserve_ids(documents=len(documents))
            request = _new_request(agency=agency, actor=actor, data=data, findings=findings, received_at=received_at)
            # Automatic validation (request_validate), applied before the INSERT: nobody else can see the row yet.
            to, reason, payload = _validation_outcome(request)
            move = _transition_apply(request, to=to, actor=None, reason=reason)
            _insert_request(request, pk=reserved[0] if reserved else None)
            targets = _insert_targets(request, data)
            if reserved:
                _store_new_documents(request=request, docs=documents, ids=reserved[1], actor=actor, stored=stored)
            else:
                for doc in documents:
                    stored.append(_store_document(request=request, doc=doc, actor=actor))
            _record_submitted(request, actor=actor, documents=stored, targets=targets, ip=ip, at=received_at)
            if emergency_downgraded(findings) and (data.emergency or data.request_type == "emergency"):
                event_record(
                    event_type=EventType.LEGAL,
                    actor=None,
                    request=request,
                    public=True,
                    message="Handled as an ordinary request: the justification states no danger of death or "
                    "serious physical injury (18 U.S.C. 2702(b)(8)); the ordinary deadline applies",
                    payload={"emergency_downgraded": True, "due_at": request.due_at},
                    ip=ip,
                    at=received_at,
                )
            _transition_record(request, move, actor=None, reason=reason, payload=payload)
            followups.emit(followups.SUBMITTED, request_id=request.pk)
    except BaseException:
        for document in stored:
            if document.file:
                document.file.delete(save=False)
        raise
    return Submitted(request=request, targets=targets, documents=stored)


def _record_submitted(
    request: LegalRequest,
    *,
    actor: User,
    documents: list[Document],
    targets: list[Target],
    ip: str | None = None,
    at: datetime | None = None,
) -> None:
    event_record(
        event_type=EventType.SUBMITTED,
        actor=actor,
        request=request,
        public=True,
        to_status=Status.SUBMITTED,
        message=f"{request.reference} submitted",
        payload={"documents": [d.sha256 for d in documents], "targets": len(targets)},
        ip=ip,
        at=at,
    )


def request_create_backdated(
    *,
    agency: Agency,
    actor: User,
    data: SubmissionData,
    findings: list[rules.Finding],
    documents: Callable[[LegalRequest], Sequence[DocumentInput]],
    received_at: datetime,
) -> LegalRequest:
    """A request as it was submitted at `received_at`, findings as given (not refused): the demo data's
    history. Its rows, its documents (`documents(request)`: they may name its reference) and its
    submitted event, in the caller's transaction; no follow-up is emitted."""
    request, targets = _create_request(
        agency=agency, actor=actor, data=data, findings=findings, received_at=received_at
    )
    stored = [_store_document(request=request, doc=doc, actor=actor) for doc in documents(request)]
    _record_submitted(request, actor=actor, documents=stored, targets=targets, at=received_at)
    return request


def _create_request(
    *,
    agency: Agency,
    actor: User,
    data: SubmissionData,
    findings: list[rules.Finding],
    received_at: datetime | None = None,
) -> tuple[LegalRequest, list[Target]]:
    """Insert the request (status submitted, its final reference) and its targets."""
    request = _new_request(
        agency=agency, actor=actor, data=data, findings=findings, received_at=received_at or timezone.now()
    )
    _insert_request(request, pk=None)
    return request, _insert_targets(request, data)


def _new_request(
    *, agency: Agency, actor: User, data: SubmissionData, findings: list[rules.Finding], received_at: datetime
) -> LegalRequest:
    """The request row as submitted (status submitted), not saved yet."""
    emergency = (data.emergency or data.request_type == "emergency") and not emergency_downgraded(findings)
    ex_post = rules.epoc_needs_ex_post_validation(
        data.request_type, data.authority_kind, emergency=emergency, judicial_validation=data.judicial_validation
    )
    return LegalRequest(
        agency=agency,
        submitted_by=actor,
        request_type=data.request_type,
        legal_framework=data.legal_framework,
        country=data.country,
        legal_basis=data.legal_basis,
        issuing_authority=data.issuing_authority,
        authority_kind=data.authority_kind,
        case_number=data.case_number.strip(),
        emergency=emergency,
        emergency_justification=data.emergency_justification,
        emergency_attested=data.emergency_attested,
        ndo_until=data.ndo_until,
        ndo_indefinite=data.ndo_indefinite,
        dsa_category=data.dsa_category if data.dsa_category in dsa_categories.CATEGORIES else "",
        data_categories=list(dict.fromkeys(data.data_categories)),
        date_from=data.date_from,
        date_to=data.date_to,
        findings=[f.as_dict() for f in findings],
        received_at=received_at,
        due_at=_due(data.request_type, received_at, emergency),
        status=Status.SUBMITTED,
        declarations=data.declarations(),
        validation_due_at=received_at + rules.EPOC_EMERGENCY_VALIDATION if ex_post else None,
        enforcing_notification_required=rules.epoc_needs_notification(
            data.request_type,
            data.data_categories,
            identification_only=data.ip_identification_only,
            domestic_exception=data.epoc_domestic_exception,
        ),
    )


def _reference(request: LegalRequest) -> str:
    return f"LR-{request.received_at.year}-{request.pk:06d}"


def _insert_request(request: LegalRequest, *, pk: int | None) -> None:
    """INSERT the new request with its final reference, derived from its id: in one statement when the id was
    reserved (`pk`), else (SQLite) with a temporary reference that one UPDATE replaces."""
    if pk is not None:
        request.pk = pk
        request.reference = _reference(request)
        rows.insert_new([request])
        return
    request.reference = f"TMP-{uuid.uuid4().hex[:16]}"
    request.save(force_insert=True)
    request.reference = _reference(request)
    request.save(update_fields=["reference"])


def _insert_targets(request: LegalRequest, data: SubmissionData) -> list[Target]:
    targets = [
        Target(request=request, identifier_type=t.identifier_type, raw_value=raw.strip(), kind=t.kind, value=t.value)
        for t, raw in _normalised_targets(data)
    ]
    rows.insert_new(targets)
    return targets


_SEQUENCES: dict[str, str] = {}  # table -> the sequence of its id column (PostgreSQL), looked up once


def _reserve_ids(*, documents: int) -> tuple[int, list[int]] | None:
    """On PostgreSQL, the ids of a new request and of its `documents` new documents, in one statement, so that
    their rows can be inserted complete (the reference and the files' encryption are bound to the ids);
    None elsewhere (SQLite has no sequences)."""
    if connection.vendor != "postgresql":
        return None
    tables = (LegalRequest._meta.db_table, Document._meta.db_table)
    with connection.cursor() as cursor:
        if not all(t in _SEQUENCES for t in tables):
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')", tables)
            _SEQUENCES.update(zip(tables, cursor.fetchone(), strict=True))
        cursor.execute(
            "SELECT nextval(%s::regclass), ARRAY(SELECT nextval(%s::regclass) FROM generate_series(1, %s))",
            [_SEQUENCES[tables[0]], _SEQUENCES[tables[1]], documents],
        )
        request_id, document_ids = cursor.fetchone()
    return request_id, list(document_ids)


def _normalised_targets(data: SubmissionData) -> list[tuple[rules.NormalisedTarget, str]]:
    out, seen = [], set()
    for id_type, raw in data.targets:
        target = rules.normalise_target(id_type, raw, data.country)  # already validated
        if target.key not in seen:
            seen.add(target.key)
            out.append((target, raw))
    return out


def _document_row(*, request: LegalRequest, doc: DocumentInput, actor: User, pk: int | None = None) -> Document:
    return Document(
        pk=pk,
        request=request,
        kind=doc.kind,
        filename=doc.filename[:255] or "document.pdf",
        size=len(doc.content),
        sha256=doc.sha256,
        uploaded_by=actor,
    )


def _store_document(*, request: LegalRequest, doc: DocumentInput, actor: User) -> Document:
    document = _document_row(request=request, doc=doc, actor=actor)
    document.save()
    try:
        store_encrypted(document, doc.content)
        # Scanned for malware once this commits (requests_app/scanning.py); until then "Not scanned".
        followups.emit(followups.DOCUMENT_STORED, document_id=document.pk)
    except BaseException:
        # The file must not outlive a row that rolls back (requests_app.files sweeps what a crash leaves).
        if document.file:
            document.file.delete(save=False)
        raise
    return document


def _store_new_documents(
    *, request: LegalRequest, docs: Sequence[DocumentInput], ids: list[int], actor: User, stored: list[Document]
) -> None:
    """The documents of a new request whose ids were reserved: each file encrypted (bound to its row's id) and
    written, then every row inserted complete in one statement (no UPDATE for the file). Appends each document
    to `stored` as soon as its file exists, so the caller can delete the files if the transaction fails."""
    for doc, pk in zip(docs, ids, strict=True):
        document = _document_row(request=request, doc=doc, actor=actor, pk=pk)
        write_encrypted(document, doc.content)
        stored.append(document)
    rows.insert_new(stored)
    for document in stored:
        # Scanned for malware once this commits (requests_app/scanning.py); until then "Not scanned".
        followups.emit(followups.DOCUMENT_STORED, document_id=document.pk)


def _validation_outcome(request: LegalRequest) -> tuple[Status, str, dict[str, Any] | None]:
    """Where automatic validation takes a submitted request: (status, reason, event payload)."""
    findings = [
        rules.Finding(f["code"], rules.Severity(f["severity"]), f["field"], f["message"]) for f in request.findings
    ]
    errors = [f for f in findings if f.severity is rules.Severity.ERROR]
    if errors:
        return Status.INVALID, "; ".join(f.message for f in errors), None
    target = Status.AWAITING_VERIFICATION if request.emergency else Status.VALIDATED
    return target, "", {"findings": request.findings}


def request_validate(*, request: LegalRequest) -> LegalRequest:
    """Automatic validation: submitted -> validated / awaiting verification / invalid."""
    to, reason, payload = _validation_outcome(request)
    return request_transition(request=request, to=to, actor=None, reason=reason, payload=payload)


def document_add(*, request: LegalRequest, actor: User, doc: DocumentInput, ip: str | None = None) -> Document:
    """Add a document to an open request (e.g. when the legal team asked for more)."""
    if not request.is_open:
        raise PermissionDenied("Documents can only be added to an open request.")
    check_once(doc)
    document = None
    try:
        with transaction.atomic():
            LegalRequest.objects.select_for_update().get(pk=request.pk)
            document = _store_document(request=request, doc=doc, actor=actor)
            event_record(
                event_type=EventType.DOCUMENT_ADDED,
                actor=actor,
                request=request,
                public=True,
                message=f"Document added: {document.filename}",
                payload={"document": document.pk, "sha256": document.sha256, "kind": document.kind},
                ip=ip,
            )
    except BaseException:
        if document is not None and document.file:
            document.file.delete(save=False)
        raise
    return document


# ---------------------------------------------------------------------------------
# Transitions
# ---------------------------------------------------------------------------------


def request_transition(
    *,
    request: LegalRequest,
    to: Status | str,
    actor: User | None,
    reason: str = "",
    payload: dict[str, Any] | None = None,
    ip: str | None = None,
    at: datetime | None = None,
    **changes: Any,
) -> LegalRequest:
    """Move a request to `to`, or raise TransitionError / PermissionDenied.

    Locks the row, checks the source state and the actor, applies the clock
    rules, writes the event and the follow-ups (requests_app.followups) in the same transaction.
    Extra keyword arguments are field values set in the same save
    (e.g. rejection_reason).
    """
    role = actor_role(actor)
    if actor is not None:
        officer = _require_active(actor)
        if role is Actor.AGENCY and officer.agency_id != request.agency_id:
            raise PermissionDenied("This request belongs to another agency.")
    with transaction.atomic():
        locked = LegalRequest.objects.select_for_update().get(pk=request.pk)
        _apply_transition(
            locked, to=to, actor=actor, reason=reason, payload=payload, ip=ip, at=at, role=role, **changes
        )
    return request_keep_current(request, locked)


def request_keep_current(request: LegalRequest, locked: LegalRequest) -> LegalRequest:
    """Copy the fields of the row a service locked and changed onto the caller's instance of it,
    so that the caller sees the change without reading it again."""
    for f in locked._meta.concrete_fields:
        setattr(request, f.attname, getattr(locked, f.attname))
    return request


@dataclass(frozen=True)
class _Move:
    """A transition applied to a row's fields (by _transition_apply), not yet saved or recorded."""

    source: str
    target: Status
    public: bool
    at: datetime
    changed: frozenset[str]


def _apply_transition(
    locked: LegalRequest,
    *,
    to: Status | str,
    actor: User | None,
    reason: str = "",
    payload: dict[str, Any] | None = None,
    ip: str | None = None,
    at: datetime | None = None,
    role: Actor | None = None,
    also_save: Sequence[str] = (),
    **changes: Any,
) -> None:
    """The transition itself, on a row this transaction has locked: check, clock rules, one UPDATE of the
    changed columns, the event, the follow-ups."""
    move = _transition_apply(locked, to=to, actor=actor, reason=reason, at=at, role=role, **changes)
    locked.save(update_fields=sorted(move.changed | set(also_save)))
    _transition_record(locked, move, actor=actor, reason=reason, payload=payload, ip=ip)


def _transition_apply(
    locked: LegalRequest,
    *,
    to: Status | str,
    actor: User | None,
    reason: str = "",
    at: datetime | None = None,
    role: Actor | None = None,
    **changes: Any,
) -> _Move:
    """Check the transition and set its fields (status, clock rules, `changes`) on the instance; saves nothing.
    A new request (request_submit_rows) is inserted after this, so its row is written once."""
    source = locked.status
    transition = lifecycle.check(source, str(to), role or actor_role(actor), reason)
    now = at or timezone.now()
    target = transition.target
    changed = {"status", "updated_at", *changes}

    # The clock stops while waiting on the agency and restarts, extended, when it answers.
    if target in lifecycle.PAUSED_STATES and locked.clock_paused_at is None:
        locked.clock_paused_at = now
        changed.add("clock_paused_at")
    if source in lifecycle.PAUSED_STATES and target not in lifecycle.PAUSED_STATES and locked.clock_paused_at:
        if locked.due_at:
            locked.due_at += now - locked.clock_paused_at
            changed.add("due_at")
        locked.clock_paused_at = None
        changed.add("clock_paused_at")
    if target in lifecycle.DECIDED_STATES and locked.decided_at is None:
        locked.decided_at = now
        changed.add("decided_at")
    if target == Status.DELIVERED and locked.produced_at is None:
        locked.produced_at = now
        changed.add("produced_at")
    if target in lifecycle.FINAL_STATES:
        locked.closed_at = now
        locked.clock_paused_at = None
        changed.update(("closed_at", "clock_paused_at"))
        if target == Status.WITHDRAWN:
            locked.outcome = LegalRequest.Outcome.WITHDRAWN
        elif target == Status.INVALID:
            locked.outcome = LegalRequest.Outcome.INVALID
        elif target == Status.REJECTED:
            locked.outcome = LegalRequest.Outcome.REJECTED
        changed.add("outcome")
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.status = target
    return _Move(source=source, target=target, public=transition.public, at=now, changed=frozenset(changed))


def _transition_record(
    locked: LegalRequest,
    move: _Move,
    *,
    actor: User | None,
    reason: str = "",
    payload: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    """The event and the follow-ups of a transition applied by _transition_apply (and saved, or about to be)."""
    event_record(
        event_type=EventType.TRANSITION,
        actor=actor,
        request=locked,
        public=move.public,
        from_status=move.source,
        to_status=move.target,
        message=reason[:500] if reason else _transition_message(move.source, move.target),
        payload=payload,
        ip=ip,
        at=move.at,
    )
    followups.emit_transition(request_id=locked.pk, target=str(move.target))


def request_withdraw(*, request: LegalRequest, actor: User, reason: str = "", ip: str | None = None) -> LegalRequest:
    return request_transition(request=request, to=Status.WITHDRAWN, actor=actor, reason=reason, ip=ip)


# ---------------------------------------------------------------------------------
# Serving documents, and scanning them for malware (requests_app/scanning.py)
# ---------------------------------------------------------------------------------


class DocumentUnavailable(PermissionDenied):
    """A document that may not be served (quarantined, not scanned yet, or altered); the message is for the reader."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code=code)


def document_refusal(document: Document) -> tuple[str, str] | None:
    """(message, code) if `document` may not be served to anyone now, else None.

    Only a `clean` document is served. A `pending` one is served only where no scanner is
    configured at all outside production (make run), and the page says it was not scanned."""
    from requests_app import scanning

    if document.scan_status == Document.Scan.INFECTED:
        return (
            f"{document.filename} was found to contain malware and is quarantined: it cannot be opened. "
            "A clean copy has to be uploaded in its place.",
            "infected",
        )
    if document.scan_status == Document.Scan.PENDING and (scanning.configured() or settings.PRODUCTION):
        return (
            f"{document.filename} has not been checked for malware yet, so it cannot be opened. "
            "It is checked automatically as soon as the virus scanner is available; try again in a few minutes.",
            "not_scanned",
        )
    return None


def _refuse_document(
    document: Document, *, actor: User, message: str, code: str, ip: str | None
) -> DocumentUnavailable:
    with transaction.atomic():
        event_record(
            event_type=EventType.DOCUMENT_REFUSED,
            actor=actor,
            request=document.request,
            message=f"Document not served ({code}): {document.filename}"[:500],
            payload={"document": document.pk, "sha256": document.sha256, "reason": code},
            ip=ip,
        )
    return DocumentUnavailable(message, code)


def document_plaintext(*, document: Document, actor: User, ip: str | None = None) -> bytes:
    """The decrypted, checked bytes of a document, for a caller who checked access and then
    records the opening. Raises DocumentUnavailable (and audits the refusal) when the document
    is quarantined or not scanned, or when the stored file is not the one recorded for this
    document (another record's file, altered, or its SHA-256 differs)."""
    from requests_app.crypto import DecryptionError
    from requests_app.documents import open_plaintext

    refusal = document_refusal(document)
    if refusal is not None:
        raise _refuse_document(document, actor=actor, message=refusal[0], code=refusal[1], ip=ip)
    try:
        return open_plaintext(document)
    except (DecryptionError, OSError) as exc:
        logger.error("document %s: stored file refused (%s)", document.pk, type(exc).__name__)
        raise _refuse_document(
            document,
            actor=actor,
            message=f"{document.filename} cannot be opened: the stored file is not the one that was uploaded "
            "(it was changed or replaced). This has been recorded for the legal team.",
            code="integrity",
            ip=ip,
        ) from exc


def document_open(*, document: Document, actor: User, ip: str | None = None) -> bytes:
    """Decrypt a document for a user who may see its request (staff: any; an officer: their agency's;
    anyone else: 404); every opening is audited. Read and checked first (quarantine, scan, record
    binding, SHA-256; a refusal is audited and raises DocumentUnavailable), then recorded."""
    from requests_app import permissions

    permissions.get_visible_request(actor, pk=document.request_id)
    content = document_plaintext(document=document, actor=actor, ip=ip)
    with transaction.atomic():
        event_record(
            event_type=EventType.DOCUMENT_VIEWED,
            actor=actor,
            request=document.request,
            message=f"Opened {document.filename}"[:500],
            payload={"document": document.pk, "sha256": document.sha256},
            ip=ip,
        )
    return content


def document_scan(*, document_id: int) -> str:
    """Scan one pending document with clamd and record the outcome (idempotent).

    clean -> openable; infected -> quarantined and the agency told in its timeline;
    scanner unavailable -> stays pending (documents_rescan_pending_task tries again). Returns the
    document's status, or "unreadable" when its stored file cannot be read back (it stays pending,
    is refused when opened, and the error is logged every time it is tried)."""
    from requests_app import scanning
    from requests_app.documents import open_plaintext

    # The document alone: its request (for the timeline event) is read only when there is an outcome to record
    # (the join of the wide request row cost more than the rest of this follow-up when no scanner is set up).
    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.scan_status != Document.Scan.PENDING:
        return document.scan_status if document is not None else "gone"
    if not scanning.configured():
        return document.scan_status
    try:
        content = open_plaintext(document)
    except Exception as exc:  # altered on storage: not scanned, and refused when opened (document_plaintext)
        logger.error("document %s: cannot be read for scanning (%s)", document.pk, type(exc).__name__)
        return "unreadable"
    result = scanning.scan_bytes(content)
    if result.outcome == scanning.UNAVAILABLE:
        return document.scan_status
    now = timezone.now()
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.scan_status != Document.Scan.PENDING:
            return locked.scan_status  # another scan finished first
        locked.scan_status = Document.Scan.CLEAN if result.outcome == scanning.CLEAN else Document.Scan.INFECTED
        locked.scan_signature = result.signature
        locked.scanned_at = now
        locked.save(update_fields=["scan_status", "scan_signature", "scanned_at"])
        if locked.scan_status == Document.Scan.CLEAN:
            event_record(
                event_type=EventType.DOCUMENT_SCANNED,
                request=document.request,
                message=f"No malware found in {document.filename}"[:500],
                payload={"document": document.pk, "sha256": document.sha256, "result": "clean"},
                at=now,
            )
        else:
            # Told to the agency in plain words in its timeline (public); the file is never served.
            event_record(
                event_type=EventType.DOCUMENT_SCANNED,
                request=document.request,
                public=True,
                message=f"{document.filename} contains malware and was quarantined: nobody can open it. "
                "Please upload a clean copy of the document."[:500],
                payload={
                    "document": document.pk,
                    "sha256": document.sha256,
                    "result": "infected",
                    "signature": result.signature,
                },
                at=now,
            )
            followups.emit(followups.DOCUMENT_QUARANTINED, document_id=document.pk)
    if locked.scan_status == Document.Scan.INFECTED:
        logger.warning("document %s quarantined: malware found", document.pk)
    return locked.scan_status


def documents_rescan_pending(*, limit: int = 200) -> dict[str, int]:
    """Scan documents still pending (the scanner was down, or the follow-up was lost); beat runs it.

    Stops at the first document the scanner could not take (it is down), to try again next time."""
    from requests_app import scanning

    counts = {"clean": 0, "infected": 0, "pending": 0, "unreadable": 0}
    if not scanning.configured():
        return counts
    ids = list(
        Document.objects.filter(scan_status=Document.Scan.PENDING).order_by("pk").values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        outcome = document_scan(document_id=pk)
        if outcome in counts:
            counts[outcome] += 1
        if outcome == Document.Scan.PENDING:  # the scanner did not answer: the rest waits for the next run
            break
    return counts


# ---------------------------------------------------------------------------------
# Deadlines
# ---------------------------------------------------------------------------------


def deadlines_sweep(*, now: datetime | None = None) -> list[int]:
    """Record one `overdue` event for each request that passed its due time.

    Idempotent: a request already marked overdue for its current due time is
    skipped, so running the sweep twice records nothing new.
    """
    now = now or timezone.now()
    already = RequestEvent.objects.filter(
        request=OuterRef("pk"), event_type=EventType.OVERDUE, created_at__gte=OuterRef("due_at")
    )
    candidates = list(LegalRequest.objects.overdue(now).filter(~Exists(already)).values_list("pk", flat=True)[:1000])
    marked: list[int] = []
    for pk in candidates:
        with transaction.atomic():
            request = LegalRequest.objects.select_for_update().get(pk=pk)
            if (
                not request.is_overdue(now)
                or RequestEvent.objects.filter(
                    request=request, event_type=EventType.OVERDUE, created_at__gte=request.due_at
                ).exists()
            ):
                continue
            event_record(
                event_type=EventType.OVERDUE,
                request=request,
                message=f"Overdue since {request.due_at:%Y-%m-%d %H:%M} UTC",
                payload={"due_at": request.due_at},
                at=now,
            )
            marked.append(pk)
            followups.emit(followups.OVERDUE, request_id=pk)
    if marked:
        logger.info("deadline sweep marked %d requests overdue", len(marked))
    return marked


__all__ = [
    "DocumentError",
    "DocumentUnavailable",
    "PermissionDenied",
    "SubmissionData",
    "SubmissionRefused",
    "TransitionError",
    "deadlines_sweep",
    "document_add",
    "document_open",
    "document_plaintext",
    "document_refusal",
    "document_scan",
    "documents_rescan_pending",
    "request_create_backdated",
    "request_findings",
    "request_keep_current",
    "request_submit",
    "request_transition",
    "request_validate",
    "request_withdraw",
    "request_submit_rows",
    "Submitted",
]


def _transition_message(source: str, target: str) -> str:
    """The audit log's wording is English, whatever language the actor's page was in."""
    with translation.override("en"):
        return f"{Status(source).label} → {Status(target).label}"
