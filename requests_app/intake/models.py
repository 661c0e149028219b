"""Models of the law-enforcement face: API tokens, idempotency records and
uploads kept while the officer corrects the request form.

Tokens are stored only as a SHA-256 of the secret; the officer sees the secret
once, when it is created.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self, now: datetime | None = None) -> ApiTokenQuerySet:
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A per-officer API credential. Only the hash of the secret is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the case system's name.")
    # First characters of the secret, safe to show so officers can tell tokens apart.
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class IdempotencyRecord(models.Model):
    """The first answer to a create call made with an Idempotency-Key header.

    A retry with the same key and the same body gets this answer again instead of
    creating a second request; the same key with a different body is refused.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the request body and files
    legal_request = models.ForeignKey(
        "requests_app.LegalRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)  # null while in progress
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


# How long a PDF attached to a refused form is kept for the officer's next try.
PENDING_UPLOAD_TTL = timedelta(hours=1)


def pending_upload_path(instance: PendingUpload, filename: str) -> str:
    # A random name: neither the officer's file name nor its hash appears on disk.
    return f"pending/{uuid.uuid4().hex}.bin"


class PendingUploadQuerySet(models.QuerySet["PendingUpload"]):
    def usable_by(self, user) -> PendingUploadQuerySet:
        """The user's own uploads that have not expired: the only ones a form may refer to."""
        return self.filter(user=user, expires_at__gt=timezone.now())

    def expired(self) -> PendingUploadQuerySet:
        return self.filter(expires_at__lte=timezone.now())


class PendingUpload(models.Model):
    """A checked PDF from a submission form that came back with errors, kept
    (encrypted) so the officer need not attach it again. It becomes a Document
    only through request_submit; unused ones are purged when they expire."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=15, default="legal_process")  # a Document.Kind value
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)  # over the plaintext
    file = models.FileField(upload_to=pending_upload_path, max_length=300)  # ciphertext (requests_app.crypto)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    objects = PendingUploadQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.filename


class DraftQuerySet(models.QuerySet["Draft"]):
    def of_officer(self, user) -> DraftQuerySet:
        """The user's own unexpired drafts, for the agency they belong to now: the only ones they may open.
        Another officer's draft, even of the same agency, is not theirs (404)."""
        officer = getattr(user, "officer", None)
        if officer is None:
            return self.none()
        return self.filter(user=user, agency_id=officer.agency_id, expires_at__gt=timezone.now())

    def expired(self) -> DraftQuerySet:
        return self.filter(expires_at__lte=timezone.now())


class Draft(models.Model):
    """A new-request form saved half-filled by its officer, to resume later (requests_app.intake.drafts).

    It holds the form's fields as posted (no files: the officer attaches the PDFs again when they
    resume). It is never a LegalRequest: the legal team's queue, reports and counts never see it.
    It is deleted when submitted, discarded, or DRAFT_TTL_DAYS after its last save."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("requests_app.Agency", on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)  # field name -> list of posted values
    # Shown in the officer's list of drafts.
    request_type = models.CharField(max_length=40, blank=True)
    case_number = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    objects = DraftQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return f"draft {self.pk} ({self.request_type or 'no type'})"

    @property
    def type_label(self) -> str:
        from requests_app import rules

        rtype = rules.REQUEST_TYPES.get(self.request_type)
        return rtype.label if rtype else ""
