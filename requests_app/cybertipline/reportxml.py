"""The XML documents sent to NCMEC (<report>, <fileDetails>), built with lxml and validated
against the schema before anything leaves the portal; and the answers NCMEC gives, parsed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from lxml import etree

if TYPE_CHECKING:
    from requests_app.cybertipline.models import CyberTipReport, ReportFile

SUBSET_XSD = Path(__file__).parent / "schema" / "ncmec-subset.xsd"
PLATFORM = "Messenger"


class ReportInvalid(Exception):
    """The XML does not satisfy the schema; nothing was sent. The message says which element."""


@cache
def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


def schema() -> etree.XMLSchema:
    return _schema(str(settings.NCMEC_XSD_PATH or SUBSET_XSD))


def validate(document: bytes) -> None:
    """Raise ReportInvalid with a sentence naming the first problem."""
    try:
        tree = etree.fromstring(document)
    except etree.XMLSyntaxError as exc:
        raise ReportInvalid(f"The report is not well-formed XML: {exc}") from None
    xsd = schema()
    if not xsd.validate(tree):
        err = xsd.error_log.last_error
        raise ReportInvalid(f"The report does not match NCMEC's schema (line {err.line}): {err.message}")


def _iso(dt: datetime) -> str:
    # xs:dateTime with the zone, as NCMEC asks ("2026-04-15T11:55:00+00:00").
    return dt.isoformat(timespec="seconds")


def _el(parent, tag: str, text: str | None = None, **attrs):
    el = etree.SubElement(parent, tag, **attrs)
    if text is not None:
        el.text = text
    return el


def _ip_event(parent, ip: str, event: str, at: datetime | None, port: int | None) -> None:
    ev = _el(parent, "ipCaptureEvent")
    _el(ev, "ipAddress", ip)
    _el(ev, "eventName", event)
    if at is not None:
        _el(ev, "dateTime", _iso(at))
    if port is not None:
        _el(ev, "port", str(port))


def sent_fields(report: CyberTipReport) -> list[str]:
    from requests_app.cybertipline import rules

    return [k for k in rules.SENDABLE_FIELDS if k not in set(report.withheld_fields)]


def report_document(report: CyberTipReport) -> bytes:
    """<report> for /submit, leaving out what the reviewer withheld."""
    send = set(sent_fields(report))
    root = etree.Element("report")
    summary = _el(root, "incidentSummary")
    _el(summary, "incidentType", report.incident.ncmec)
    _el(summary, "platform", PLATFORM)
    _el(summary, "incidentDateTime", _iso(report.incident_at or report.knowledge_at))
    if report.incident_type == "planned_violation":
        _el(summary, "incidentDateTimeDescription", "Facts indicate a planned or imminent violation.")
    chats = sorted({f.get_chat_type_display() for f in report.files.all()})
    if chats:
        chat = _el(_el(root, "internetDetails"), "chatImIncident")
        _el(chat, "chatClient", PLATFORM)
        _el(chat, "additionalInfo", "Found in: " + ", ".join(chats))
    reporter = _el(root, "reporter")
    person = _el(reporter, "reportingPerson")
    _el(person, "firstName", settings.NCMEC_REPORTER_FIRST_NAME)
    _el(person, "lastName", settings.NCMEC_REPORTER_LAST_NAME)
    _el(person, "email", settings.NCMEC_REPORTER_EMAIL)
    account = report.accounts.first()
    if account is not None:
        user = _el(root, "personOrUserReported")
        if "phone" in send and account.phone:
            _el(_el(user, "personOrUserReportedPerson"), "phone", account.phone)
        _el(user, "espIdentifier", account.user_id)
        _el(user, "espService", PLATFORM)
        if "username" in send and account.username:
            _el(user, "screenName", account.username)
        if "signup_ip" in send and account.signup_ip:
            _ip_event(user, account.signup_ip, "Registration", None, None)
        if "upload_ip" in send and account.upload_ip:
            _ip_event(user, account.upload_ip, "Upload", account.upload_at, account.upload_port)
        if report.supplements_id and report.supplements.ncmec_report_id:
            _el(user, "priorCTReports", report.supplements.ncmec_report_id)
    info = [report.summary.strip()] if report.summary.strip() else []
    info.append(
        f"Detected by: {report.get_detection_source_display()}" + (f" ({report.hash_list})" if report.hash_list else "")
    )
    if report.supplements_id:
        info.append(f"Supplements CyberTipline report {report.supplements.ncmec_report_id or report.supplements}.")
    _el(root, "additionalInfo", "\n".join(info))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def file_document(*, report_id: str, file: ReportFile) -> bytes:
    """<fileDetails> for /fileinfo: whether a person at the platform viewed it, public or not, hashes."""
    root = etree.Element("fileDetails")
    _el(root, "reportId", report_id)
    _el(root, "fileId", file.ncmec_file_id)
    _el(root, "originalFileName", file.original_name)
    account = file.account
    if account is not None and account.upload_at is not None:
        _el(root, "uploadedToEspTimestamp", _iso(account.upload_at))
    _el(root, "fileViewedByEsp", "true" if file.viewed_by_platform else "false")
    _el(root, "publiclyAvailable", "true" if file.publicly_available else "false")
    _el(root, "originalFileHash", file.md5, hashType="MD5")
    _el(root, "originalFileHash", file.sha256, hashType="SHA256")
    info = [f"Found in: {file.get_chat_type_display()}."]
    if file.perceptual_hash:
        info.append(f"Perceptual hash: {file.perceptual_hash}")
    _el(root, "additionalInfo", " ".join(info))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass
class Answer:
    """NCMEC's answer to any call: responseCode 0 is success."""

    code: int
    description: str
    report_id: str = ""
    file_id: str = ""
    hash: str = ""
    files: list[str] = field(default_factory=list)
    raw: str = ""

    @property
    def ok(self) -> bool:
        return self.code == 0


def parse_answer(body: bytes) -> Answer:
    """<reportResponse> or <reportDoneResponse>; anything else is a protocol error."""
    try:
        root = etree.fromstring(body)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"NCMEC answered something that is not XML: {exc}") from None
    if root.tag not in ("reportResponse", "reportDoneResponse"):
        raise ValueError(f"NCMEC answered an unexpected document <{root.tag}>.")
    code = root.findtext("responseCode")
    if code is None or not code.strip().lstrip("-").isdigit():
        raise ValueError("NCMEC's answer has no responseCode.")
    return Answer(
        code=int(code),
        description=(root.findtext("responseDescription") or "").strip(),
        report_id=(root.findtext("reportId") or "").strip(),
        file_id=(root.findtext("fileId") or "").strip(),
        hash=(root.findtext("hash") or "").strip(),
        files=[(e.text or "").strip() for e in root.findall("files/fileId")],
        raw=body.decode("utf-8", "replace"),
    )
