"""Production packages, their download log, preservation holds and user notices.

Every write goes through requests_app.production.services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from requests_app.models import LegalRequest, Target


def production_path(instance: Production, filename: str) -> str:
    return f"productions/{instance.request_id}/{instance.pk}-{filename}"


class Production(models.Model):
    """One package of produced records for one request (encrypted zip at rest)."""

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        # Built; its certificate of authenticity is a draft until a custodian of records signs it.
        UNSIGNED = "unsigned", "Waiting for the custodian's signature"
        READY = "ready", "Ready for download"
        FAILED = "failed", "Failed"
        PURGED = "purged", "Expired and deleted"

    request = models.ForeignKey(LegalRequest, on_delete=models.PROTECT, related_name="productions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    categories = models.JSONField(default=list)  # what this package may contain (approved, in effect, not E2EE)
    target_ids = models.JSONField(default=list)  # the found targets it covers
    # Progress while building: 0-100 and one line for humans.
    progress = models.PositiveSmallIntegerField(default=0)
    progress_note = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    # Touched while a build runs (start, each file, every PRODUCTION_HEARTBEAT_SECONDS of writing):
    # a building production silent for PRODUCTION_STALL_SECONDS lost its worker and is queued again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The package: ciphertext on storage; the hashes are of the plaintext zip the officer receives.
    file = models.FileField(upload_to=production_path, max_length=300, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)  # of the downloaded zip
    manifest = models.JSONField(default=dict, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)  # of manifest.json, printed on the certificate
    record_count = models.PositiveBigIntegerField(default=0)
    # The certificate of authenticity is signed by a named custodian of records (a staff member with
    # the production.sign_certificate permission) before the package is released (FRE 902(11)).
    certificate_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    certificate_signed_at = models.DateTimeField(null=True, blank=True)
    certificate_receipt = models.JSONField(null=True, blank=True)  # the audit-log receipt printed on it
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("sign_certificate", "Can sign certificates of authenticity as custodian of records")]
        constraints = [
            # At most one live package per request: starting twice never builds two.
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=["building", "unsigned", "ready"]),
                name="production_one_live_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"Production {self.pk} of {self.request_id} ({self.status})"

    def is_downloadable(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.status == self.Status.READY and self.file and self.expires_at and self.expires_at > now)

    @property
    def is_expired(self) -> bool:
        return bool(self.expires_at and self.expires_at <= timezone.now())


class ProductionFile(models.Model):
    """One file inside a package, as listed in its manifest."""

    production = models.ForeignKey(Production, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=300)
    target = models.ForeignKey(Target, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.CharField(max_length=30, blank=True)
    records = models.PositiveBigIntegerField(default=0)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.path


class ProductionDownload(models.Model):
    """Who downloaded a package, when, from which address (also in the audit chain)."""

    production = models.ForeignKey(Production, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Download of {self.production_id} at {self.at:%Y-%m-%d %H:%M}"


class PreservationHold(models.Model):
    """The platform keeps one account's data (the request's categories) until a date.

    18 U.S.C. 2703(f): 90 days, extendable once by 90; Reg. 2023/1543 Art. 11: 60 days, extendable by 30.
    A hold may also come from the platform's own CyberTipline report (18 U.S.C. 2258A(h): NCMEC's
    acknowledgement is a preservation request for one year): then it has no request or target, names
    the account in `account_key`, and `basis` says so (requests_app.cybertipline links it to its report).
    """

    class Basis(models.TextChoices):
        LEGAL_REQUEST = "legal_request", "Law-enforcement request"
        CYBERTIPLINE = "cybertipline", "CyberTipline report (18 U.S.C. 2258A(h))"

    request = models.ForeignKey(LegalRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="holds")
    target = models.ForeignKey(Target, null=True, blank=True, on_delete=models.PROTECT, related_name="holds")
    basis = models.CharField(max_length=20, choices=Basis.choices, default=Basis.LEGAL_REQUEST)
    account_key = models.CharField(max_length=200, blank=True)  # "user_id:123" when there is no target
    extension_reason = models.CharField(max_length=500, blank=True)  # a voluntary extension's recorded reason
    categories = models.JSONField(default=list)
    starts_on = models.DateField()
    until = models.DateField()
    extended_at = models.DateTimeField(null=True, blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    extension_request = models.ForeignKey(
        LegalRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="extended_holds"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    # A hold past its end kept because a confirmed follow-up is open; the supervisor was told.
    kept_for_followup_at = models.DateTimeField(null=True, blank=True)
    # Later requests of the same agency naming the same account (e.g. the warrant that follows).
    followups = models.ManyToManyField(LegalRequest, blank=True, related_name="followed_holds")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["until", "pk"]
        constraints = [models.UniqueConstraint(fields=["request", "target"], name="hold_one_per_target")]

    def __str__(self) -> str:
        return f"Hold {self.pk} on target {self.target_id} until {self.until}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None

    @property
    def can_extend(self) -> bool:
        return self.is_active and self.extended_at is None


class UserNotice(models.Model):
    """Whether and when the account holder is told that their data was disclosed."""

    class Status(models.TextChoices):
        HELD = "held", "Held until the nondisclosure order ends"
        WAITING_LIFT = "waiting_lift", "Held: indefinite nondisclosure order"
        SENT = "sent", "Sent"
        AUTHORITY = "authority", "Left to the issuing authority"
        BY_PROCESS = "by_process", "Not sent: the process carries its own secrecy rule"
        WAITING_DANGER = "waiting_danger", "Held until a reviewer records that the danger is over"
        WAITING_DECISION = "waiting_decision", "Held until a reviewer decides whether the user is told"
        WITHHELD = "withheld", "Not sent: a reviewer decided the user is not told"

    request = models.ForeignKey(LegalRequest, on_delete=models.PROTECT, related_name="notices")
    target = models.OneToOneField(Target, on_delete=models.PROTECT, related_name="notice")
    status = models.CharField(max_length=20, choices=Status.choices)
    send_after = models.DateField(null=True, blank=True)  # for HELD: the first day after the order
    sent_at = models.DateTimeField(null=True, blank=True)
    channel_ref = models.CharField(max_length=100, blank=True)  # the notifier's reference for the sent notice
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "send_after"], name="notice_status_due")]

    def __str__(self) -> str:
        return f"Notice {self.pk} ({self.status})"
