"""The domain: agencies, their officers, legal requests, targets, documents,
decisions, messages, and the hash-chained event table that is the audit log.

Models hold data and small derived properties; every write that matters goes
through requests_app.services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

from requests_app import dsa_categories, rules
from requests_app.lifecycle import DEADLINE_STATES, FINAL_STATES, OPEN_STATES, Status


class Agency(models.Model):
    class Kind(models.TextChoices):
        POLICE = "police", "Police"
        PROSECUTOR = "prosecutor", "Prosecutor"
        COURT = "court", "Court"
        NATIONAL_SECURITY = "national_security", "National security"
        OTHER = "other", "Other"

    class Verification(models.TextChoices):
        PENDING = "pending", "Pending verification"
        VERIFIED = "verified", "Verified"
        SUSPENDED = "suspended", "Suspended"

    class VerificationMethod(models.TextChoices):
        CALL_BACK = "call_back", "Call-back to a number from an official directory"
        OFFICIAL_DIRECTORY = "official_directory", "Listed in an official government directory"
        OFFICIAL_DOMAIN = "official_domain", "Official government e-mail domain checked"
        IN_PERSON = "in_person", "Met in person or known liaison"
        OTHER = "other", "Other (described in the evidence)"

    name = models.CharField(max_length=200)
    country = CountryField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Lower-case domains, e.g. ["met.police.uk"]; an officer whose e-mail is on one joins at once.
    email_domains = models.JSONField(default=list, blank=True)
    verification_status = models.CharField(max_length=10, choices=Verification.choices, default=Verification.PENDING)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # Issue 16: how the supervisor checked the agency is real, recorded at verification.
    verification_method = models.CharField(max_length=20, choices=VerificationMethod.choices, blank=True)
    verification_evidence = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "country"], name="agency_unique_name_country")]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})"

    @property
    def is_verified(self) -> bool:
        return self.verification_status == self.Verification.VERIFIED


class Officer(models.Model):
    """A portal user's profile: agency staff (role officer) or platform staff."""

    class Role(models.TextChoices):
        OFFICER = "officer", "Law-enforcement officer"
        REVIEWER = "reviewer", "Legal reviewer"
        SUPERVISOR = "supervisor", "Legal supervisor"
        ADMIN = "admin", "Administrator"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for verification"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="officers")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.OFFICER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    full_name = models.CharField(max_length=200)
    rank = models.CharField("role or rank", max_length=100, blank=True)
    phone = PhoneNumberField(blank=True)
    # Set when staff want a second look at this account (e.g. a failed emergency check).
    flagged_at = models.DateTimeField(null=True, blank=True)
    flag_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The language the officer last used the portal in (switcher or Accept-Language); their
    # e-mails are written in it (issue 16). Blank: the portal's default, English.
    language = models.CharField(max_length=10, blank=True, default="", choices=settings.LANGUAGES)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="officer") | Q(agency__isnull=False), name="officer_role_needs_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_role_display()})"

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_supervisor(self) -> bool:
        return self.role in {self.Role.SUPERVISOR, self.Role.ADMIN}

    @property
    def can_act(self) -> bool:
        """May log in and work: active, and (for agency officers) in a verified agency."""
        if self.status != self.Status.ACTIVE:
            return False
        if self.role == self.Role.OFFICER:
            return self.agency is not None and self.agency.is_verified
        return True


STAFF_ROLES = frozenset({Officer.Role.REVIEWER, Officer.Role.SUPERVISOR, Officer.Role.ADMIN})


class LegalRequestQuerySet(models.QuerySet["LegalRequest"]):
    def open(self) -> LegalRequestQuerySet:
        return self.filter(status__in=OPEN_STATES)

    def overdue(self, now=None) -> LegalRequestQuerySet:
        """Not yet delivered or ended, clock running, past its due time. Computed, never stored."""
        now = now or timezone.now()
        return self.filter(status__in=DEADLINE_STATES, due_at__lt=now, clock_paused_at__isnull=True)

    def queue_order(self) -> LegalRequestQuerySet:
        return self.order_by("-emergency", "due_at", "pk")


class LegalRequest(models.Model):
    class AuthorityKind(models.TextChoices):
        JUDGE = "judge", "Judge"
        COURT = "court", "Court"
        PROSECUTOR = "prosecutor", "Prosecutor"
        POLICE = "police", "Police"
        NATIONAL_SECURITY = "national_security", "National-security agency"
        OTHER = "other", "Other authority"

    class Outcome(models.TextChoices):
        PENDING = "", "Not decided"
        DATA_PRODUCED = "data_produced", "Some data produced"
        NO_DATA = "no_data", "No data found"
        PRESERVED = "preserved", "Data preserved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        INVALID = "invalid", "Invalid"

    class RejectionReason(models.TextChoices):
        INSUFFICIENT_PROCESS = "insufficient_process", "Insufficient legal process"
        OVERBROAD = "overbroad", "Overbroad"
        WRONG_JURISDICTION = "wrong_jurisdiction", "Wrong jurisdiction or entity"
        NO_SUCH_ACCOUNT = "no_such_account", "No such account"
        E2EE = "e2ee", "Data is end-to-end encrypted"
        INVALID_AGENCY = "invalid_agency", "Not a valid agency"
        VERIFICATION_FAILED = "verification_failed", "Emergency could not be verified"
        OTHER = "other", "Other"

    # Unique by the constraints below, not `unique=True`: on PostgreSQL that adds a second, pattern-ops index
    # for LIKE 'prefix%' searches, which nothing runs on these columns, and every insert pays for it (#14).
    reference = models.CharField(max_length=20, editable=False)
    external_id = models.CharField(max_length=100, null=True, blank=True)  # bulk imports
    # No index of its own: lr_agency_received (agency, -received_at) serves every look-up by agency.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="requests", db_index=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="submitted_requests"
    )
    request_type = models.CharField(max_length=30, choices=rules.choices(rules.REQUEST_TYPES))
    legal_framework = models.CharField(max_length=20, choices=rules.choices(rules.FRAMEWORKS))
    country = CountryField(help_text="Jurisdiction whose law the process is issued under.")
    legal_basis = models.CharField(max_length=300, blank=True, help_text="Statute or article relied on.")
    issuing_authority = models.CharField(max_length=200, blank=True)
    authority_kind = models.CharField(max_length=20, choices=AuthorityKind.choices, blank=True)
    case_number = models.CharField(max_length=100, blank=True)
    emergency = models.BooleanField(default=False)
    emergency_justification = models.TextField(blank=True)
    emergency_attested = models.BooleanField(default=False)
    ndo_until = models.DateField("nondisclosure order until", null=True, blank=True)
    ndo_indefinite = models.BooleanField("nondisclosure order is indefinite", default=False)
    ndo_lifted_at = models.DateTimeField(null=True, blank=True)
    data_categories = models.JSONField(default=list)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    findings = models.JSONField(default=list, blank=True)  # rule findings at submission
    # The officer's declarations the rules rely on (rules.Draft): judicial_validation,
    # ip_identification_only (+ _times, Reg. 2023/1543 Art. 3(10)), doj_warrant (18 U.S.C. 3512),
    # cloud_act_non_us_person / _outside_us / _independent_review (18 U.S.C. 2523(b)(4)),
    # epoc_domestic_exception (Reg. 2023/1543 Art. 8(2): no notification of the enforcing State).
    declarations = models.JSONField(default=dict, blank=True)
    # Reg. 2023/1543 Art. 4(5): an emergency order awaiting ex-post validation (48 hours).
    validation_due_at = models.DateTimeField(null=True, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    validated_by_name = models.CharField("validating judge, court or prosecutor", max_length=200, blank=True)
    validation_refused_at = models.DateTimeField(null=True, blank=True)
    # Reg. 2023/1543 Art. 8(1), 10(2), 12: notification of the enforcing State and its answer.
    enforcing_notification_required = models.BooleanField(default=False)
    enforcing_notified_at = models.DateTimeField(null=True, blank=True)
    enforcing_confirmed_at = models.DateTimeField(null=True, blank=True)
    enforcing_refused_at = models.DateTimeField(null=True, blank=True)
    # User notice per process (rules.notice_policy): emergencies wait for the danger to end,
    # MLAT/CLOUD Act wait for an explicit reviewer decision ("notify" or "withhold").
    danger_over_at = models.DateTimeField(null=True, blank=True)
    notice_decision = models.CharField(max_length=10, blank=True)
    ndo_extension_pending = models.BooleanField(default=False)  # 18 U.S.C. 2705(b): no notice meanwhile

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    due_at = models.DateTimeField(null=True, blank=True)
    clock_paused_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    produced_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(max_length=24, choices=Status.choices, default=Status.SUBMITTED)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING, blank=True)
    rejection_reason = models.CharField(max_length=30, choices=RejectionReason.choices, blank=True)
    # What was actually delivered, by category code; filled by production.
    produced_categories = models.JSONField(default=list, blank=True)
    # When the acknowledgement of receipt was actually sent to the issuing authority (DSA Art. 10(1)).
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # DSA illegal-content category of the order (requests_app.dsa_categories, "CATEGORY" or "CATEGORY/KEYWORD"): the officer's choice,
    # correctable by the reviewer; blank = not an order about illegal content / not categorised.
    dsa_category = models.CharField(max_length=100, blank=True, choices=dsa_categories.choices())
    # Reviewer-set: an order under national law that meets Reg. 2022/2065 Art. 10(2), so it is
    # reported as an Art. 10 order to provide information even though its type is not dsa_art10.
    dsa_art10_2 = models.BooleanField("meets DSA Art. 10(2)", default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_requests"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LegalRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            # The legal queue: open requests, emergencies first, then by due time.
            models.Index(
                fields=["-emergency", "due_at", "id"],
                name="lr_queue_open",
                condition=Q(status__in=sorted(s.value for s in OPEN_STATES)),
            ),
            models.Index(fields=["agency", "-received_at"], name="lr_agency_received"),
            models.Index(fields=["status", "due_at"], name="lr_status_due"),
            models.Index(fields=["case_number"], name="lr_case_number"),
            # The duplicate check on every submission: the agency's open requests with this case number
            # (case-insensitive), one index probe however many requests the agency has.
            models.Index(
                Upper("case_number"),
                "agency",
                name="lr_open_case_agency",
                condition=Q(status__in=sorted(s.value for s in OPEN_STATES)),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="lr_reference_unique"),
            models.UniqueConstraint(fields=["external_id"], name="lr_external_id_unique"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def type_info(self) -> rules.RequestType:
        return rules.REQUEST_TYPES[self.request_type]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATES

    @property
    def is_preservation(self) -> bool:
        return self.type_info.preservation

    @property
    def has_ndo(self) -> bool:
        return self.ndo_indefinite or self.ndo_until is not None

    def ndo_active(self, today=None) -> bool:
        if self.ndo_lifted_at:
            return False
        if self.ndo_indefinite:
            return True
        today = today or timezone.now().date()
        return self.ndo_until is not None and self.ndo_until >= today

    @property
    def deadline_running(self) -> bool:
        """The answer clock runs: not delivered, closed or ended (lifecycle.DEADLINE_STATES)."""
        return self.status in DEADLINE_STATES

    def is_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(
            self.status in DEADLINE_STATES and self.clock_paused_at is None and self.due_at and self.due_at < now
        )

    def category_labels(self) -> list[str]:
        return [rules.CATEGORIES[c].label for c in self.data_categories if c in rules.CATEGORIES]


class Target(models.Model):
    class IdentifierType(models.TextChoices):
        PHONE = "phone", "Phone number"
        USERNAME = "username", "Username"
        USER_ID = "user_id", "Numeric user ID"
        LINK = "link", "t.me link"

    class Lookup(models.TextChoices):
        PENDING = "pending", "Not looked up yet"
        FOUND = "found", "Account found"
        NOT_FOUND = "not_found", "No such account"
        E2EE_ONLY = "e2ee_only", "Only end-to-end encrypted data"

    request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="targets")
    identifier_type = models.CharField(max_length=10, choices=IdentifierType.choices)
    raw_value = models.CharField(max_length=300)
    kind = models.CharField(max_length=10)  # what it resolves to: phone, username, user_id, invite
    value = models.CharField(max_length=300, db_index=True)  # normalised
    lookup = models.CharField(max_length=10, choices=Lookup.choices, default=Lookup.PENDING)
    # The platform account the target resolved to (the record source's opaque account_id), so two
    # identifiers of one account count once in the report's distinct-account figures.
    account_ref = models.CharField(max_length=100, blank=True)
    looked_up_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)  # user notice sent

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["request", "kind", "value"], name="target_unique_per_request")]

    def __str__(self) -> str:
        return f"{self.get_identifier_type_display()}: {self.value}"


def document_path(instance: Document, filename: str) -> str:
    return f"documents/{instance.request_id}/{instance.sha256[:16]}.bin"


class Document(models.Model):
    class Kind(models.TextChoices):
        LEGAL_PROCESS = "legal_process", "Legal process"
        NDO = "ndo", "Nondisclosure order"
        VALIDATION = "validation", "Judicial validation"
        SUPPLEMENT = "supplement", "Additional information"
        LETTER = "letter", "Letter from the legal team"

    class Scan(models.TextChoices):
        PENDING = "pending", "Not scanned"
        CLEAN = "clean", "Clean"
        INFECTED = "infected", "Infected"

    request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.LEGAL_PROCESS)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/pdf")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=document_path, max_length=300)  # ciphertext (requests_app.crypto)
    scan_status = models.CharField(
        max_length=10, choices=Scan.choices, default=Scan.PENDING
    )  # requests_app/scanning.py
    scan_signature = models.CharField(max_length=200, blank=True)  # what clamd found (infected)
    scanned_at = models.DateTimeField(null=True, blank=True)
    # Hex id of the master key that wraps the file's key (requests_app/crypto.py); "" for files from before
    # key ids (version 1), which rotate_file_keys rewrites.
    key_id = models.CharField(max_length=16, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.filename

    @property
    def openable(self) -> bool:
        """Whether it may be served now (clean; see requests_app.services.document_refusal)."""
        from requests_app.services import document_refusal

        return document_refusal(self) is None


class Decision(models.Model):
    """The legal team's decision on one data category of one request."""

    class Verdict(models.TextChoices):
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"

    request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="decisions")
    category = models.CharField(max_length=30, choices=rules.choices(rules.CATEGORIES))
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    reason_code = models.CharField(max_length=30, choices=LegalRequest.RejectionReason.choices, blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    # Four eyes: content and emergency disclosures take effect only once a supervisor
    # other than the decider approves them.
    needs_second_approval = models.BooleanField(default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["request", "category"], name="decision_one_per_category")]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.category}={self.verdict}"

    @property
    def in_effect(self) -> bool:
        return not self.needs_second_approval or self.approved_at is not None


class Message(models.Model):
    request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_agency = models.BooleanField()
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"message {self.pk} on {self.request_id}"


class EventType(models.TextChoices):
    # Each value is stored in the event table; the comment says what it records.
    SUBMITTED = "submitted", "Submitted"  # an agency submitted the request
    TRANSITION = "transition", "Status changed"  # any lifecycle transition
    VALIDATION = "validation", "Validated"  # automatic rule check ran; payload holds the findings
    ASSIGNED = "assigned", "Assigned"  # the request got a (new) assignee
    DOCUMENT_ADDED = "document_added", "Document added"  # a file was uploaded
    DOCUMENT_VIEWED = "document_viewed", "Document opened"  # someone decrypted and read a document
    DOCUMENT_SCANNED = "document_scanned", "Malware scan"  # clamd's verdict on a document (clean / infected)
    # A document was not served: quarantined, not scanned yet, or its stored file is not the recorded one.
    DOCUMENT_REFUSED = "document_refused", "Document refused"
    FILE_KEYS = "file_keys", "File keys rotated"  # rotate_file_keys re-wrapped file keys under a new master key
    MESSAGE = "message", "Message"  # a message was posted in the thread
    DECISION = "decision", "Decision recorded"  # a per-category decision was made
    DECISION_APPROVED = "decision_approved", "Decision approved"  # second pair of eyes approved
    CLASSIFIED = "classified", "DSA classification"  # a reviewer set the DSA category / Art. 10(2) flag
    VERIFICATION = "verification", "Emergency verified"  # out-of-band emergency check recorded
    LETTER = "letter", "Letter sent"  # a PDF letter was generated and sent
    REMINDER = "reminder", "Reminder"  # the assignee was reminded of a coming due time
    OVERDUE = "overdue", "Overdue"  # the request passed its due time (recorded once)
    ESCALATED = "escalated", "Escalated"  # supervisors were told of an overdue request
    PRODUCTION = "production", "Production"  # a production package changed state
    DOWNLOAD = "download", "Downloaded"  # an officer downloaded a package
    PURGED = "purged", "Purged"  # an expired package was deleted
    HOLD = "hold", "Preservation hold"  # a hold was created, extended, released
    NOTICE = "notice", "User notice"  # a user notice changed state
    SENSITIVE_VIEW = "sensitive_view", "Viewed"  # staff viewed sensitive request data
    AGENCY = "agency", "Agency"  # an agency was verified or suspended
    ACCOUNT = "account", "Account"  # an officer account was activated, suspended, flagged
    API_TOKEN = "api_token", "API token"  # an API token was created or revoked
    IMPORTED = "imported", "Imported"  # created by a bulk import of historical requests
    REPORT = "report", "Transparency report"  # a transparency report was built, published or corrected
    CYBERTIPLINE = "cybertipline", "CyberTipline report"  # a report to NCMEC changed, was viewed or sent
    # A legal safeguard: emergency downgraded, ex-post validation recorded or refused, enforcing
    # State notified / confirmed / refused, nondisclosure order recorded or extended, notice decided.
    LEGAL = "legal", "Legal safeguard"
    NOTE = "note", "Internal note"  # the legal team wrote an internal note (never shown to the agency)
    DRAFT = "draft", "Draft"  # an officer saved or discarded a draft request (no case data in the payload)


class RequestEvent(models.Model):
    """Append-only log of everything that happened; each event is a leaf of the audit Merkle tree.

    An event is inserted with its change (same transaction) without a position; the sequencer
    (requests_app.audit.sequence_pending) later gives it `seq` (leaf index + 1) and `leaf_hash`
    = SHA-256(0x00 || canonical JSON with `salt`), and signs a checkpoint over the tree.
    """

    seq = models.PositiveBigIntegerField(unique=True, null=True, blank=True)  # None while pending
    # No index of its own: event_request_seq (request, seq) serves every lookup by request, and each index
    # costs every event twice (its INSERT, and the sequencer's UPDATE, which writes a new row version).
    request = models.ForeignKey(
        LegalRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    event_type = models.CharField(max_length=20, choices=EventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    public = models.BooleanField(default=False)  # shown to the agency in its timeline
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    message = models.CharField(max_length=500, blank=True)  # one line for humans
    payload = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Random per event, so a published leaf or proof hash reveals nothing about a private event.
    salt = models.CharField(max_length=32)
    leaf_hash = models.CharField(max_length=64, blank=True)  # hex; set with seq
    sequenced_at = models.DateTimeField(null=True, blank=True)  # when seq was given (delay = this - commit)

    class Meta:
        ordering = ["id"]  # insertion order; seq (the log position) follows it, and is None while pending
        indexes = [
            models.Index(fields=["request", "seq"], name="event_request_seq"),
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="event_pending"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event_type}"


class LogNode(models.Model):
    """A complete subtree of the audit tree: leaves [index * 2**level, (index + 1) * 2**level).

    Level 0 are the leaves. Stored once when complete and never changed, so a proof reads O(log n) rows.
    """

    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="log_node_position")]

    def __str__(self) -> str:
        return f"node {self.level}/{self.index}"


class LogCheckpoint(models.Model):
    """A signed checkpoint (C2SP tlog-checkpoint in a signed note) of the tree at one size."""

    size = models.PositiveBigIntegerField(unique=True)
    root = models.CharField(max_length=64)  # hex
    note = models.TextField()  # the signed note as published
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class FollowUp(models.Model):
    """One follow-up task of a change, written in the change's transaction (the outbox).

    requests_app.outbox publishes it after commit and marks it done once the task has
    finished; a periodic sweep republishes rows that were never published or never finished.
    requests_app.followups declares which tasks each event causes.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # committed, not yet handed to the broker
        SENT = "sent", "Sent"  # handed to the broker, its task has not finished yet
        DONE = "done", "Done"  # its task finished
        FAILED = "failed", "Failed"  # its task gave up after its retries: needs an operator

    event = models.CharField(max_length=60)
    task = models.CharField(max_length=120)  # the registered Celery task name
    kwargs = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)  # times the task started
    publishes = models.PositiveIntegerField(default=0)  # times it was handed to the broker
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["status", "created_at"],
                name="followup_open",
                condition=Q(status__in=["pending", "sent", "failed"]),
            )
        ]

    def __str__(self) -> str:
        return f"follow-up #{self.pk} {self.task} ({self.status})"
