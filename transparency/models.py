"""Transparency reports and the per-request facts they are aggregated from.

`RequestFacts` is a flat, denormalised row per legal request holding exactly the
booleans and counts the report needs, so aggregation is a plain GROUP BY with
conditional aggregates on one table, identical on SQLite and PostgreSQL
(see docs/methodology.md, "How the numbers are computed").
`Report` is one version of one period's report: a draft while under review,
frozen (snapshot + SHA-256 + Ed25519 signature) once published.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class RequestFacts(models.Model):
    """What the report needs to know about one request, kept in step with it.

    Filled by the importer for historical requests and by the `transitioned` follow-up
    (requests_app.followups; plus a back-fill before every build) for live ones.
    """

    request = models.OneToOneField(
        "requests_app.LegalRequest", on_delete=models.CASCADE, primary_key=True, related_name="report_facts"
    )
    received_at = models.DateTimeField()
    country = models.CharField(max_length=2)  # the requesting agency's country
    request_type = models.CharField(max_length=30)
    emergency = models.BooleanField(default=False)
    preservation = models.BooleanField(default=False)
    national_security = models.BooleanField(default=False)
    final = models.BooleanField(default=False)  # in a final state (closed/rejected/withdrawn/invalid)
    outcome = models.CharField(max_length=20, blank=True)
    rejection_reason = models.CharField(max_length=30, blank=True)
    accounts = models.PositiveIntegerField(default=0)  # distinct targets named
    accounts_found = models.PositiveIntegerField(default=0)
    accounts_with_data = models.PositiveIntegerField(default=0)  # found targets of a request with data produced
    users_notified = models.PositiveIntegerField(default=0)
    produced_any = models.BooleanField(default=False)
    produced_content = models.BooleanField(default=False)
    produced_noncontent = models.BooleanField(default=False)
    ndo = models.BooleanField(default=False)  # under a nondisclosure order (dated or indefinite)
    seconds_to_ack = models.BigIntegerField(null=True, blank=True)  # received -> first status change
    seconds_to_decision = models.BigIntegerField(null=True, blank=True)  # received -> decided
    seconds_to_produce = models.BigIntegerField(null=True, blank=True)  # received -> produced
    # EU DSA (Reg. 2022/2065 Art. 10, reported under Art. 15(1)(a) in the 2024/2835 template):
    dsa_order = models.BooleanField(default=False)  # an order to provide information (dsa_art10 or Art. 10(2) flag)
    dsa_category = models.CharField(max_length=60, blank=True)  # requests_app.dsa_categories category code
    dsa_keyword = models.CharField(max_length=60, blank=True)  # its sub-category, if the reviewer recorded one
    seconds_to_inform = models.BigIntegerField(null=True, blank=True)  # received -> acknowledgement sent
    seconds_to_final = models.BigIntegerField(null=True, blank=True)  # received -> final outcome, whatever it is
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["received_at", "country", "request_type"], name="facts_period_cty_type")]
        verbose_name_plural = "request facts"

    def __str__(self) -> str:
        return f"facts of request {self.request_id}"


class TargetFacts(models.Model):
    """One named target of one request, for the distinct-account figures (COUNT(DISTINCT account_key)).

    Kept in step with `RequestFacts` (same refresh): the grouping columns are copied from the
    request so each level of the report is one GROUP BY on this table alone.
    """

    target = models.OneToOneField(
        "requests_app.Target", on_delete=models.CASCADE, primary_key=True, related_name="report_facts"
    )
    request = models.ForeignKey(RequestFacts, on_delete=models.CASCADE, related_name="targets")
    received_at = models.DateTimeField()
    country = models.CharField(max_length=2)
    request_type = models.CharField(max_length=30)
    national_security = models.BooleanField(default=False)
    preservation = models.BooleanField(default=False)
    # The platform account the target resolved to ("acct:<id>"), else its normalised identifier ("<kind>:<value>").
    account_key = models.CharField(max_length=320)
    # At least one record of this account was delivered (not: found with E2EE data only, or no records in range).
    with_data = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["received_at", "country", "request_type"], name="tfacts_period_cty_type")]
        verbose_name_plural = "target facts"

    def __str__(self) -> str:
        return f"facts of target {self.target_id}"


class Report(models.Model):
    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        DRAFT = "draft", "Draft, waiting for review"
        FAILED = "failed", "Build failed"
        PUBLISHED = "published", "Published"

    period = models.CharField(max_length=7)  # 2025-H1, 2025-Q3
    version = models.PositiveIntegerField(null=True, blank=True)  # 1, 2, ... given at publication
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent, for the build page
    error = models.CharField(max_length=500, blank=True)
    snapshot = models.JSONField(null=True, blank=True)  # the numbers (the "report" object of the JSON download)
    canonical = models.TextField(blank=True)  # exact canonical JSON that was hashed and signed
    sha256 = models.CharField(max_length=64, blank=True)
    signature = models.CharField(max_length=200, blank=True)  # base64 Ed25519 signature of `canonical`
    change_note = models.TextField(blank=True)
    pdf = models.BinaryField(null=True, blank=True)  # rendered once from the frozen snapshot
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    built_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Requests of the period not yet final when it was published; the publisher acknowledged them.
    open_acknowledged = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-period", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "version"], name="report_unique_published_version", condition=Q(status="published")
            ),
        ]
        indexes = [
            models.Index(fields=["period", "-version"], name="report_published_lookup", condition=Q(status="published"))
        ]

    def __str__(self) -> str:
        return f"{self.period} v{self.version} ({self.status})"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED
