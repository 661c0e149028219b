"""The register's tables: one CyberTipReport per report to NCMEC, its accounts, its files,
its follow-up law-enforcement requests. Every write goes through cybertipline.services.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from requests_app.cybertipline import rules
from requests_app.models import LegalRequest
from requests_app.production.models import PreservationHold


def _choices(d: dict) -> list[tuple[str, str]]:
    return [(k, v if isinstance(v, str) else v.label) for k, v in d.items()]


class CyberTipReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (not reviewed)"
        REVIEWED = "reviewed", "Reviewed, ready to submit"
        SUBMITTING = "submitting", "Being submitted"
        SUBMITTED = "submitted", "Submitted and acknowledged"
        RETRACTED = "retracted", "Retracted"

    OPEN = (Status.DRAFT, Status.REVIEWED, Status.SUBMITTING)

    reference = models.CharField(max_length=20, unique=True, editable=False)  # CT-2026-000001
    incident_type = models.CharField(max_length=30, choices=_choices(rules.INCIDENT_TYPES))
    summary = models.TextField(blank=True)  # what the reviewer saw, sent as additionalInfo
    incident_at = models.DateTimeField(null=True, blank=True)
    # 2258A(a)(1): the duty runs from actual knowledge, so the clock starts here.
    knowledge_at = models.DateTimeField()
    detection_source = models.CharField(max_length=20, choices=_choices(rules.DETECTION_SOURCES))
    hash_list = models.CharField(max_length=100, blank=True)  # the list's name on a hash match
    # A human look (reviewer and time): sent as fileViewedByEsp and required before submission.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)
    withheld_fields = models.JSONField(default=list, blank=True)  # keys of rules.SENDABLE_FIELDS
    withheld_reason = models.CharField(max_length=500, blank=True)
    sent_fields = models.JSONField(default=list, blank=True)  # what the submission actually carried
    supplements = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supplemented_by"
    )
    eu_nexus = models.BooleanField(default=False)
    eu_legal_basis = models.CharField(max_length=30, choices=_choices(rules.EU_LEGAL_BASES), default="none")
    eu_complaint = models.BooleanField(default=False)  # the user complained (Reg. 2021/1232 Art. 3(1)(g)(iv))
    eu_complaint_outcome = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # NCMEC's side. The report id arrives on /submit (the report is then open, not yet sent);
    # NCMEC has it only once /finish answers, which is the acknowledgement.
    ncmec_report_id = models.CharField(max_length=20, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    submit_attempts = models.PositiveSmallIntegerField(default=0)
    # One sender at a time: a worker claims the report until this time (see services.report_send).
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_xml = models.TextField(blank=True)  # the exact report XML sent (kept: 2258A(h)(1))
    ncmec_response = models.TextField(blank=True)  # /finish's answer, as received
    retracted_at = models.DateTimeField(null=True, blank=True)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retraction_reason = models.CharField(max_length=500, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    holds = models.ManyToManyField(PreservationHold, blank=True, related_name="cybertip_reports")
    followups = models.ManyToManyField(LegalRequest, blank=True, related_name="cybertip_reports")

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("access_register", "Can see and work the CyberTipline register")]
        indexes = [models.Index(fields=["status", "knowledge_at"], name="ct_status_knowledge")]

    def __str__(self) -> str:
        return self.reference

    @property
    def incident(self) -> rules.IncidentType:
        return rules.INCIDENT_TYPES[self.incident_type]

    @staticmethod
    def sla() -> timedelta:
        return timedelta(hours=settings.CYBERTIPLINE_SLA_HOURS)

    @property
    def due_at(self):
        return self.knowledge_at + self.sla()

    def is_overdue(self, now=None) -> bool:
        """Computed, never stored: open and past the internal maximum."""
        return self.status in self.OPEN and (now or timezone.now()) > self.due_at


class ReportedAccount(models.Model):
    report = models.ForeignKey(CyberTipReport, on_delete=models.CASCADE, related_name="accounts")
    user_id = models.CharField(max_length=40)
    username = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=30, blank=True)  # E.164
    signup_ip = models.GenericIPAddressField(null=True, blank=True)
    upload_ip = models.GenericIPAddressField(null=True, blank=True)
    upload_port = models.PositiveIntegerField(null=True, blank=True)
    upload_at = models.DateTimeField(null=True, blank=True)  # aware: sent with its zone (UTC offset)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["report", "user_id"], name="ct_account_once")]

    def __str__(self) -> str:
        return f"account {self.user_id}"

    @property
    def key(self) -> str:
        return f"user_id:{self.user_id}"


def evidence_path(instance: ReportFile, filename: str) -> str:
    return f"cybertipline/{instance.report_id}/{instance.sha256}.bin"


class ReportFile(models.Model):
    """One file of a report: encrypted at rest, hashes in the clear, never shown inline by default."""

    report = models.ForeignKey(CyberTipReport, on_delete=models.CASCADE, related_name="files")
    account = models.ForeignKey(ReportedAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    original_name = models.CharField(max_length=200)
    content = models.FileField(upload_to=evidence_path, max_length=300)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    md5 = models.CharField(max_length=32)  # NCMEC's originalFileHash commonly carries MD5
    perceptual_hash = models.CharField(max_length=300, blank=True)  # e.g. PDQ or PhotoDNA, as detected
    viewed_by_platform = models.BooleanField(default=False)  # fileViewedByEsp
    publicly_available = models.BooleanField(default=False)
    chat_type = models.CharField(max_length=20, choices=_choices(rules.CHAT_TYPES))
    ncmec_file_id = models.CharField(max_length=100, blank=True)  # set by /upload
    fileinfo_sent_at = models.DateTimeField(null=True, blank=True)  # set once /fileinfo answered

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name
