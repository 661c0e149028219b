"""Drafts of the new-request form, and "start from an earlier request".

A draft is the officer's own: only they open it (another officer's, or another agency's, is a 404),
and only while they belong to the agency they saved it for. It keeps the form's fields, never its
files: PDFs are attached again when the draft is resumed (a signed legal process should live on
the platform only as part of a submitted request). Saving and discarding are audited, without any
of the draft's content in the event; drafts are deleted DRAFT_TTL_DAYS after their last save.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from requests_app.audit import event_record
from requests_app.intake.models import Draft
from requests_app.models import EventType, LegalRequest
from requests_app.services import DECLARATION_FIELDS

# What a draft keeps: the request form's own fields (not its files, not the acknowledgement of
# warnings, which is given at the moment of sending) and the rows of accounts.
KEPT_FIELDS = frozenset(
    {
        "request_type",
        "emergency",
        "legal_framework",
        "country",
        "issuing_authority",
        "authority_kind",
        "legal_basis",
        "case_number",
        "data_categories",
        "date_from",
        "date_to",
        "emergency_justification",
        "emergency_attested",
        *DECLARATION_FIELDS,  # the officer's declarations, as the submission reads them
        "ndo",
        "ndo_until",
        "ndo_indefinite",
        "dsa_category",
    }
)
_TARGET_KEY = re.compile(
    r"^targets-(TOTAL_FORMS|INITIAL_FORMS|MIN_NUM_FORMS|MAX_NUM_FORMS|\d{1,2}-(identifier_type|value))$"
)
MAX_VALUES = 60  # per field (data categories are the longest list)
MAX_CHARS = 5000  # per value (the longest field is the emergency justification)


def form_values(data: QueryDict) -> dict[str, list[str]]:
    """The part of a posted request form a draft keeps, bounded in size."""
    out: dict[str, list[str]] = {}
    for key in data:
        if key in KEPT_FIELDS or _TARGET_KEY.match(key):
            out[key] = [v[:MAX_CHARS] for v in data.getlist(key)[:MAX_VALUES]]
    return out


def as_querydict(values: dict[str, list[str]]) -> QueryDict:
    """Form data for a bound form, with the accounts' management form filled in when missing."""
    data = QueryDict(mutable=True)
    for key, items in values.items():
        data.setlist(key, [str(v) for v in items])
    if "targets-TOTAL_FORMS" not in data:
        rows = [k for k in data if re.match(r"^targets-\d+-value$", k)]
        data["targets-TOTAL_FORMS"] = str(max(3, len(rows) + 1))
        data["targets-INITIAL_FORMS"] = "0"
        data["targets-MIN_NUM_FORMS"] = "0"
        data["targets-MAX_NUM_FORMS"] = "50"
    return data


def expiry() -> timedelta:
    return timedelta(days=settings.DRAFT_TTL_DAYS)


def draft_save(*, user, data: QueryDict, draft: Draft | None = None, ip: str | None = None) -> Draft:
    """Save the form as a draft of the officer's (a new one, or the one being resumed), audited."""
    officer = user.officer
    values = form_values(data)
    now = timezone.now()
    with transaction.atomic():
        if draft is None:
            draft = Draft(user=user, agency=officer.agency, created_at=now)
            created = True
        else:
            draft = Draft.objects.select_for_update().get(pk=draft.pk)
            created = False
        draft.data = values
        draft.request_type = (values.get("request_type") or [""])[0][:40]
        draft.case_number = (values.get("case_number") or [""])[0][:100]
        draft.updated_at = now
        draft.expires_at = now + expiry()
        draft.save()
        event_record(
            event_type=EventType.DRAFT,
            actor=user,
            agency=officer.agency,
            message="Draft request saved" if created else "Draft request saved again",
            # Which draft, never what it says: the case data stay in the draft and go with it.
            payload={"draft": draft.pk, "created": created},
            ip=ip,
        )
    return draft


def draft_discard(*, user, draft: Draft, reason: str = "discarded", ip: str | None = None) -> None:
    """Delete one of the officer's drafts (discarded, or sent as a request), audited."""
    with transaction.atomic():
        deleted, _ = Draft.objects.filter(pk=draft.pk, user=user).delete()
        if deleted:
            event_record(
                event_type=EventType.DRAFT,
                actor=user,
                agency=draft.agency,
                message="Draft request submitted" if reason == "submitted" else "Draft request discarded",
                payload={"draft": draft.pk, "reason": reason},
                ip=ip,
            )


def drafts_purge() -> int:
    """Delete drafts past their expiry (beat, hourly; idempotent); audited when it deletes any."""
    with transaction.atomic():
        ids = list(Draft.objects.expired().select_for_update().values_list("pk", flat=True))
        if not ids:
            return 0
        Draft.objects.filter(pk__in=ids).delete()
        event_record(
            event_type=EventType.PURGED,
            message=f"{len(ids)} expired draft request(s) deleted",
            payload={"drafts": ids},
        )
    return len(ids)


def values_from_request(lr: LegalRequest) -> dict[str, list[str]]:
    """A new form prefilled from an earlier request of the officer's agency: the process, the
    authority, the case, the data and the accounts. Not copied: documents (the new request needs
    its own legal process), the emergency's facts and attestation, the nondisclosure order, and
    the declarations (each is made afresh for the new process)."""
    values: dict[str, list[str]] = {
        "request_type": [lr.request_type],
        "legal_framework": [lr.legal_framework],
        "country": [str(lr.country or "")],
        "issuing_authority": [lr.issuing_authority],
        "authority_kind": [lr.authority_kind],
        "legal_basis": [lr.legal_basis],
        "case_number": [lr.case_number],
        "data_categories": list(lr.data_categories or []),
        "date_from": [lr.date_from.isoformat() if lr.date_from else ""],
        "date_to": [lr.date_to.isoformat() if lr.date_to else ""],
        "dsa_category": [lr.dsa_category],
    }
    targets = list(lr.targets.order_by("pk").values_list("identifier_type", "raw_value"))[:49]
    for i, (id_type, raw) in enumerate(targets):
        values[f"targets-{i}-identifier_type"] = [id_type]
        values[f"targets-{i}-value"] = [raw]
    return values
