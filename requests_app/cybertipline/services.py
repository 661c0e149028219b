"""Every write of the CyberTipline register: create, review, submit (resumable), acknowledge
(with its one-year hold), supplement, retract, extend a hold, link follow-ups, the deadline sweep.

Each service is keyword-only, runs in one transaction with its audit event, and checks the
dedicated permission itself (requests_app.cybertipline.access), whoever calls it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from requests_app import followups
from requests_app import rules as core_rules
from requests_app.audit import event_record
from requests_app.crypto import DecryptionError
from requests_app.cybertipline import reportxml, rules
from requests_app.cybertipline.access import can_access
from requests_app.cybertipline.client import NcmecClient, NcmecRefused, NcmecUnavailable
from requests_app.cybertipline.models import CyberTipReport, ReportedAccount, ReportFile
from requests_app.documents import open_plaintext, store_encrypted
from requests_app.exceptions import Refused
from requests_app.models import EventType, LegalRequest
from requests_app.production.models import PreservationHold
from requests_app.production.services import hold_create_for_account, hold_extend_voluntary
from requests_app.services import PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)
Status = CyberTipReport.Status
CLAIM = timedelta(minutes=10)


class SubmissionBusy(NcmecUnavailable):
    """Another attempt holds the report's claim (a live worker, or one killed less than CLAIM ago).

    Raised, not returned, so that the follow-up stays open and is retried: the attempt holding the
    claim may have died with its worker, and a follow-up marked done here would leave the report
    in "submitting" for good.
    """


class CyberTipError(Refused):
    """The change cannot be made as asked; the message says why, in words a reviewer can act on."""


@dataclass
class AccountInput:
    user_id: str
    username: str = ""
    phone: str = ""
    signup_ip: str | None = None
    upload_ip: str | None = None
    upload_port: int | None = None
    upload_at: datetime | None = None


@dataclass
class FileInput:
    name: str
    content: bytes
    chat_type: str
    perceptual_hash: str = ""
    publicly_available: bool = False


@dataclass
class ReportData:
    incident_type: str
    knowledge_at: datetime
    detection_source: str
    accounts: list[AccountInput]
    files: list[FileInput] = field(default_factory=list)
    hash_list: str = ""
    summary: str = ""
    incident_at: datetime | None = None
    withheld_fields: list[str] = field(default_factory=list)
    withheld_reason: str = ""
    eu_nexus: bool = False
    eu_legal_basis: str = "none"


def _require(actor: User) -> None:
    if not can_access(actor):
        raise PermissionDenied("Only staff holding the CyberTipline role can work the register.")


def _audit(
    report: CyberTipReport | None,
    *,
    actor: User | None,
    message: str,
    payload: dict[str, Any] | None = None,
    ip: str | None = None,
    at: datetime | None = None,
) -> None:
    event_record(
        event_type=EventType.CYBERTIPLINE,
        actor=actor,
        message=message,
        payload={"cybertip": getattr(report, "reference", None), **(payload or {})},
        ip=ip,
        at=at,
    )


def _check(data: ReportData, now: datetime) -> None:
    """All the reasons a report cannot be recorded, before anything is saved."""
    problems: list[str] = []
    if data.incident_type not in rules.INCIDENT_TYPES:
        problems.append("Choose the incident type.")
    if data.detection_source not in rules.DETECTION_SOURCES:
        problems.append("Choose how the material was detected.")
    if data.detection_source == "hash_match" and not data.hash_list.strip():
        problems.append("A hash match needs the name of the hash list it matched.")
    if timezone.is_naive(data.knowledge_at):
        problems.append("The time of actual knowledge needs a time zone.")
    elif data.knowledge_at > now + timedelta(minutes=5):
        problems.append("The time of actual knowledge cannot be in the future.")
    if len(data.accounts) != 1:
        problems.append("Name exactly one reported account: NCMEC takes one reported user per report.")
    for a in data.accounts:
        if not a.user_id.strip():
            problems.append("Every reported account needs its numeric user id.")
        if a.upload_at is not None and timezone.is_naive(a.upload_at):
            problems.append("The upload time needs a time zone.")
        if a.phone and not a.phone.startswith("+"):
            problems.append("Write the phone number in international form (+ and country code).")
    for f in data.files:
        error = rules.chat_type_error(f.chat_type)
        if error:
            problems.append(error)
        if not f.content:
            problems.append(f"The file {f.name!r} is empty.")
    unknown = set(data.withheld_fields) - set(rules.SENDABLE_FIELDS)
    if unknown:
        problems.append(f"Unknown fields to withhold: {', '.join(sorted(unknown))}.")
    if data.withheld_fields and not data.withheld_reason.strip():
        problems.append("Say why the withheld fields are not sent.")
    if data.eu_legal_basis not in rules.EU_LEGAL_BASES:
        problems.append("Choose the EU legal basis.")
    if data.eu_nexus and data.eu_legal_basis == "none":
        problems.append("A report with an EU nexus needs its legal basis under Regulation (EU) 2021/1232.")
    if problems:
        raise CyberTipError(" ".join(problems))


def _next_reference(now: datetime) -> str:
    prefix = f"CT-{now:%Y}-"
    last = CyberTipReport.objects.filter(reference__startswith=prefix).aggregate(m=Max("reference"))["m"]
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:06d}"


def report_create(
    *, actor: User, data: ReportData, supplements: CyberTipReport | None = None, now: datetime | None = None
) -> CyberTipReport:
    """Record a report (a draft until a person reviews it): accounts, files encrypted, hashes computed."""
    _require(actor)
    now = now or timezone.now()
    _check(data, now)
    for attempt in range(3):
        try:
            with transaction.atomic():
                report = CyberTipReport.objects.create(
                    reference=_next_reference(now),
                    incident_type=data.incident_type,
                    summary=data.summary.strip(),
                    incident_at=data.incident_at,
                    knowledge_at=data.knowledge_at,
                    detection_source=data.detection_source,
                    hash_list=data.hash_list.strip(),
                    withheld_fields=sorted(set(data.withheld_fields)),
                    withheld_reason=data.withheld_reason.strip(),
                    supplements=supplements,
                    eu_nexus=data.eu_nexus,
                    eu_legal_basis=data.eu_legal_basis,
                    created_by=actor,
                    created_at=now,
                )
                accounts = [
                    ReportedAccount.objects.create(
                        report=report,
                        user_id=a.user_id.strip(),
                        username=a.username.strip(),
                        phone=a.phone.strip(),
                        signup_ip=a.signup_ip or None,
                        upload_ip=a.upload_ip or None,
                        upload_port=a.upload_port,
                        upload_at=a.upload_at,
                    )
                    for a in data.accounts
                ]
                for f in data.files:
                    rf = ReportFile(
                        report=report,
                        account=accounts[0],
                        original_name=f.name[:200],
                        size=len(f.content),
                        sha256=hashlib.sha256(f.content).hexdigest(),
                        md5=hashlib.md5(f.content).hexdigest(),  # noqa: S324 - an identifier NCMEC asks for
                        perceptual_hash=f.perceptual_hash.strip(),
                        publicly_available=f.publicly_available,
                        chat_type=f.chat_type,
                    )
                    rf.save()
                    store_encrypted(rf, f.content, name="evidence.bin", field="content")
                _audit(
                    report,
                    actor=actor,
                    message="Supplement recorded" if supplements else "CyberTipline report recorded",
                    payload={"files": len(data.files), "supplements": getattr(supplements, "reference", None)},
                    at=now,
                )
            return report
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def report_review(
    *,
    report: CyberTipReport,
    actor: User,
    note: str = "",
    viewed_file_ids: list[int] | None = None,
    now: datetime | None = None,
) -> CyberTipReport:
    """A person at the platform looked: who and when, and which files they viewed (fileViewedByEsp)."""
    _require(actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = CyberTipReport.objects.select_for_update().get(pk=report.pk)
        if locked.status not in (Status.DRAFT, Status.REVIEWED):
            raise CyberTipError("This report was already sent; its review cannot change.")
        viewed = set(viewed_file_ids or [])
        unknown = viewed - set(locked.files.values_list("pk", flat=True))
        if unknown:
            raise CyberTipError("A file marked as viewed is not part of this report.")
        if viewed:
            locked.files.filter(pk__in=viewed).update(viewed_by_platform=True)
        locked.reviewed_by = actor
        locked.reviewed_at = now
        locked.review_note = note.strip()[:500]
        locked.status = Status.REVIEWED
        locked.save()
        _audit(locked, actor=actor, message="Human review recorded", payload={"viewed_files": sorted(viewed)}, at=now)
    return locked


def report_submit(*, report: CyberTipReport, actor: User, now: datetime | None = None) -> CyberTipReport:
    """Queue the submission to NCMEC. The XML is checked against the schema first: an invalid
    report is refused here, before anything is sent."""
    _require(actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = CyberTipReport.objects.select_for_update().get(pk=report.pk)
        if locked.status == Status.SUBMITTING:
            return locked  # already queued: submitting twice queues nothing more
        if locked.status != Status.REVIEWED or locked.reviewed_at is None:
            raise CyberTipError("A person must review the report before it is sent to NCMEC.")
        if locked.supplements is not None and not locked.supplements.ncmec_report_id:
            raise CyberTipError("The report this supplements has not been acknowledged by NCMEC yet.")
        try:
            reportxml.validate(reportxml.report_document(locked))
        except reportxml.ReportInvalid as exc:
            raise CyberTipError(str(exc)) from None
        locked.status = Status.SUBMITTING
        locked.last_error = ""
        locked.save(update_fields=["status", "last_error"])
        _audit(locked, actor=actor, message="Submission to NCMEC queued", at=now)
        report_submission_queue(locked.pk)
    return locked


def report_submission_queue(report_id: int) -> None:
    """The one place a submission is queued: its `cybertip_submit` outbox row, in the caller's
    transaction (requests_app.followups); the task is idempotent."""
    followups.emit(followups.CYBERTIP_SUBMIT, report_id=report_id)


def _claim(report_id: int, now: datetime) -> bool:
    return bool(
        CyberTipReport.objects.filter(pk=report_id, status=Status.SUBMITTING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM)
    )


def report_send(*, report_id: int, client: NcmecClient | None = None, now: datetime | None = None) -> CyberTipReport:
    """Send one queued report, resuming where an earlier attempt stopped. Safe to call again.

    Each step's result is committed as soon as NCMEC answers (report id, then each file id, then
    each file's details), so a retry never opens a second report for the same row, never uploads
    a file twice, and /finish (the step that makes it a report at NCMEC) is only ever asked for the
    one report id stored. Raises NcmecUnavailable for the retry policy; NcmecRefused is recorded.
    """
    now = now or timezone.now()
    report = CyberTipReport.objects.get(pk=report_id)
    if report.status != Status.SUBMITTING:
        return report  # already sent, retracted, or never queued: nothing to do
    if not _claim(report_id, now):
        raise SubmissionBusy(f"report {report.reference} is being sent by another attempt; retried later")
    client = client or NcmecClient()
    try:
        CyberTipReport.objects.filter(pk=report_id).update(submit_attempts=report.submit_attempts + 1)
        if not report.ncmec_report_id:
            document = reportxml.report_document(report)
            reportxml.validate(document)  # never send what the schema refuses
            answer = client.submit(document)
            report.ncmec_report_id, report.sent_xml = answer.report_id, document.decode("utf-8")
            report.sent_fields = reportxml.sent_fields(report)
            report.save(update_fields=["ncmec_report_id", "sent_xml", "sent_fields"])
        send_files = "files" not in report.withheld_fields
        for f in report.files.select_related("account"):
            if send_files and not f.ncmec_file_id:
                content = open_plaintext(f, field="content")  # bound to this row, SHA-256 checked: never the wrong file
                answer = client.upload(report.ncmec_report_id, f.original_name, content)
                f.ncmec_file_id = answer.file_id
                f.save(update_fields=["ncmec_file_id"])
            if f.ncmec_file_id and f.fileinfo_sent_at is None:
                details = reportxml.file_document(report_id=report.ncmec_report_id, file=f)
                reportxml.validate(details)
                client.fileinfo(details)
                f.fileinfo_sent_at = timezone.now()
                f.save(update_fields=["fileinfo_sent_at"])
        answer = client.finish(report.ncmec_report_id)
        return _acknowledge(report_id=report_id, response=answer.raw, now=timezone.now())
    except NcmecUnavailable as exc:
        CyberTipReport.objects.filter(pk=report_id).update(last_error=str(exc)[:500], claimed_until=None)
        raise
    except (NcmecRefused, reportxml.ReportInvalid) as exc:
        # A refusal is not retried: a person must fix the report. It goes back to "reviewed".
        with transaction.atomic():
            CyberTipReport.objects.filter(pk=report_id).update(
                status=Status.REVIEWED, last_error=str(exc)[:500], claimed_until=None
            )
            _audit(report, actor=None, message="NCMEC refused the submission", payload={"error": str(exc)[:300]})
        followups.emit(followups.MAIL_CYBERTIP_REFUSED, report_id=report_id)
        return CyberTipReport.objects.get(pk=report_id)


def _acknowledge(*, report_id: int, response: str, now: datetime) -> CyberTipReport:
    """NCMEC acknowledged: the report is submitted, and its accounts' data is held for a year."""
    with transaction.atomic():
        report = CyberTipReport.objects.select_for_update().get(pk=report_id)
        if report.status != Status.SUBMITTING:
            return report
        report.status = Status.SUBMITTED
        report.acknowledged_at = now
        report.ncmec_response = response
        report.claimed_until = None
        report.last_error = ""
        report.save()
        start = timezone.localdate(now)
        for account in report.accounts.all():
            hold = hold_create_for_account(
                account_key=account.key,
                categories=sorted(core_rules.PRODUCIBLE_CATEGORIES),
                starts_on=start,
                # 18 U.S.C. 2258A(h)(1) (REPORT Act 2024): one year from NCMEC's acknowledgement.
                until=start + rules.PRESERVATION_PERIOD,
                basis=PreservationHold.Basis.CYBERTIPLINE,
            )
            report.holds.add(hold)
        _audit(
            report,
            actor=None,
            message=f"NCMEC acknowledged report {report.ncmec_report_id}; data held for one year",
            payload={"ncmec_report_id": report.ncmec_report_id},
            at=now,
        )
    return report


def report_retract(
    *, report: CyberTipReport, actor: User, reason: str, client: NcmecClient | None = None, now: datetime | None = None
) -> CyberTipReport:
    """Withdraw a report at NCMEC (/retract) and in the register. The holds stay (they end on their date)."""
    _require(actor)
    reason = reason.strip()
    if not reason:
        raise CyberTipError("Say why the report is retracted.")
    now = now or timezone.now()
    report = CyberTipReport.objects.get(pk=report.pk)
    if report.status == Status.RETRACTED:
        raise CyberTipError("This report was already retracted.")
    if report.status == Status.SUBMITTING:
        raise CyberTipError("The report is being sent; retract it once NCMEC has acknowledged it.")
    if report.ncmec_report_id:
        try:
            (client or NcmecClient()).retract(report.ncmec_report_id)
        except (NcmecUnavailable, NcmecRefused) as exc:
            raise CyberTipError(f"NCMEC did not take the retraction: {exc}") from None
    with transaction.atomic():
        CyberTipReport.objects.filter(pk=report.pk).update(
            status=Status.RETRACTED, retracted_at=now, retracted_by=actor, retraction_reason=reason[:500]
        )
        _audit(report, actor=actor, message="Report retracted", payload={"reason": reason[:300]}, at=now)
    return CyberTipReport.objects.get(pk=report.pk)


def report_supplement(*, report: CyberTipReport, actor: User, data: ReportData) -> CyberTipReport:
    """A new report adding to one NCMEC already has (sent with priorCTReports)."""
    _require(actor)
    if report.status != Status.SUBMITTED:
        raise CyberTipError("Only a report NCMEC has acknowledged can be supplemented.")
    return report_create(actor=actor, data=data, supplements=report)


def report_hold_extend(
    *, report: CyberTipReport, hold: PreservationHold, actor: User, until: date, reason: str
) -> PreservationHold:
    """Keep the reported data longer than a year, voluntarily, with the reason recorded."""
    _require(actor)
    if not report.holds.filter(pk=hold.pk).exists():
        raise CyberTipError("That hold does not belong to this report.")
    try:
        return hold_extend_voluntary(hold=hold, actor=actor, until=until, reason=reason)
    except Exception as exc:  # HoldError: its message is already for people
        if type(exc).__name__ == "HoldError":
            raise CyberTipError(str(exc)) from None
        raise


def followup_link(*, report: CyberTipReport, request: LegalRequest, actor: User | None = None) -> bool:
    """Link a law-enforcement request to the report it follows up, and to the report's holds
    (so they are never released by themselves while the request is open)."""
    if actor is not None:
        _require(actor)
    with transaction.atomic():
        if report.followups.filter(pk=request.pk).exists():
            return False
        report.followups.add(request)
        for hold in report.holds.all():
            hold.followups.add(request)
        _audit(
            report,
            actor=actor,
            message=f"Follow-up request {request.reference} linked",
            payload={"request": request.reference},
        )
    return True


def followups_link_cited(*, request_id: int) -> int:
    """Link a request to every acknowledged report whose NCMEC id its text cites."""
    # The three texts first (most requests cite no report): the whole row only when there is something to link.
    texts = LegalRequest.objects.values_list("case_number", "legal_basis", "emergency_justification").get(pk=request_id)
    ids = rules.cited_report_ids(*texts)
    if not ids:
        return 0
    lr = LegalRequest.objects.get(pk=request_id)
    return sum(
        followup_link(report=r, request=lr)
        for r in CyberTipReport.objects.filter(ncmec_report_id__in=ids).exclude(ncmec_report_id="")
    )


def deadlines_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Beat: remind at 75 % of the clock, escalate once overdue (each recorded once per report)."""
    now = now or timezone.now()
    sla = CyberTipReport.sla()
    remind_before = now - sla * rules.REMIND_AT_FRACTION
    reminded = escalated = 0
    open_reports = CyberTipReport.objects.filter(status__in=CyberTipReport.OPEN)
    for pk in open_reports.filter(reminded_at__isnull=True, knowledge_at__lte=remind_before).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            r = CyberTipReport.objects.select_for_update().get(pk=pk)
            if r.reminded_at or r.status not in CyberTipReport.OPEN:
                continue
            r.reminded_at = now
            r.save(update_fields=["reminded_at"])
            _audit(r, actor=None, message=f"Reminder: due at {r.due_at:%Y-%m-%d %H:%M} UTC", at=now)
            followups.emit(followups.MAIL_CYBERTIP_REMINDER, report_id=pk)
            reminded += 1
    for pk in open_reports.filter(escalated_at__isnull=True, knowledge_at__lt=now - sla).values_list("pk", flat=True):
        with transaction.atomic():
            r = CyberTipReport.objects.select_for_update().get(pk=pk)
            if r.escalated_at or not r.is_overdue(now):
                continue
            r.escalated_at = now
            r.save(update_fields=["escalated_at"])
            _audit(r, actor=None, message="Overdue: escalated to supervisors", at=now)
            followups.emit(followups.MAIL_CYBERTIP_ESCALATION, report_id=pk)
            escalated += 1
    return {"reminded": reminded, "escalated": escalated}


def report_viewed(*, report: CyberTipReport, actor: User, ip: str | None = None) -> None:
    """Every look at a report is an audit event."""
    _require(actor)
    with transaction.atomic():
        _audit(report, actor=actor, message="Report viewed", ip=ip)


def file_open(*, file: ReportFile, actor: User, ip: str | None = None) -> bytes:
    """Decrypt one file for a person, recording that they opened it (and that a person viewed it)."""
    _require(actor)
    try:
        content = open_plaintext(file, field="content")  # bound to this row, SHA-256 checked
    except (DecryptionError, OSError) as exc:
        log.error("cybertipline file %s: stored file refused (%s)", file.pk, type(exc).__name__)
        with transaction.atomic():
            _audit(
                file.report,
                actor=actor,
                message="File not served: the stored file is not the one recorded",
                payload={"file": file.pk, "sha256": file.sha256, "reason": "integrity"},
                ip=ip,
            )
        raise PermissionDenied(
            "This file cannot be opened: the stored file is not the one that was recorded (it was changed or "
            "replaced). This has been recorded."
        ) from exc
    with transaction.atomic():
        _audit(file.report, actor=actor, message="File opened", payload={"file": file.pk, "sha256": file.sha256}, ip=ip)
    return content


def register_viewed(*, actor: User, ip: str | None = None, what: str = "Register viewed") -> None:
    _require(actor)
    with transaction.atomic():
        _audit(None, actor=actor, message=what, ip=ip)
