"""The legal team's own records: out-of-band emergency checks and the letters sent.

Everything else the review touches lives in the core domain (requests_app.models);
writes go through requests_app.review.services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from requests_app.models import Document, LegalRequest


class EmergencyVerification(models.Model):
    """One out-of-band check of an emergency request: who called whom, on which number, with what result."""

    class Result(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed: the agency stands behind the request"
        FAILED = "failed", "Failed: the agency could not confirm it"

    request = models.ForeignKey(LegalRequest, on_delete=models.PROTECT, related_name="verifications")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    contact_name = models.CharField("spoke to", max_length=200)
    directory_number = models.CharField("number called", max_length=40)
    directory_source = models.CharField("official directory the number comes from", max_length=200)
    called_at = models.DateTimeField()
    result = models.CharField(max_length=10, choices=Result.choices)
    note = models.TextField(blank=True)
    # 18 U.S.C. 2702(b)(8), (c)(4): the reviewer's good-faith belief that the emergency is real.
    good_faith_belief = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.result}"


class Letter(models.Model):
    """A PDF letter to the agency; the PDF itself is a Document(kind=letter) on the request."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement of receipt"
        REQUEST_FOR_INFORMATION = "request_for_information", "Request for information"
        REJECTION = "rejection", "Rejection"
        DECISION = "decision", "Decision"

    request = models.ForeignKey(LegalRequest, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    document = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="letter")
    sha256 = models.CharField(max_length=64)
    sent_to = models.EmailField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.kind}"


class InternalNote(models.Model):
    """A note the legal team keeps on a request. Staff only: never in the agency's timeline, pages or API."""

    request = models.ForeignKey(LegalRequest, on_delete=models.PROTECT, related_name="internal_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Note {self.pk} on {self.request_id}"


class SavedView(models.Model):
    """A staff member's own named queue filter (the query string of the queue page, whitelisted keys only)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_queue_views")
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_unique_name")]

    def __str__(self) -> str:
        return self.name
