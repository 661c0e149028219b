"""The legal queue as a working tool (issue 16): sorting, saved views, an approximate total,
bulk assignment and internal notes.

Writes are keyword-only, atomic and audited through requests_app.audit.event_record, like
requests_app.review.services. Nothing here issues a COUNT over the request table: the queue's
total is exact when small (a bounded fetch of ids) and otherwise PostgreSQL's planner estimate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet

from requests_app.audit import event_record
from requests_app.exceptions import Refused
from requests_app.lifecycle import Status, TransitionError
from requests_app.models import EventType, LegalRequest
from requests_app.permissions import is_staff_member
from requests_app.review.models import InternalNote, SavedView
from requests_app.services import PermissionDenied

# ---------------------------------------------------------------------------------
# Sorting: ?sort=<key> or ?sort=-<key>; anything else falls back to the queue order.
# ---------------------------------------------------------------------------------

SORTS: dict[str, str] = {
    "reference": "reference",
    "agency": "agency__name",
    "type": "request_type",
    "status": "status",
    "due": "due_at",
    "received": "received_at",
    "assignee": "assignee__officer__full_name",
}

SORT_LABELS = {
    "reference": "Reference",
    "agency": "Agency",
    "type": "Type",
    "status": "Status",
    "due": "Due",
    "assignee": "Assignee",
}


def parse_sort(value: str | None) -> tuple[str, bool] | None:
    """("due", False) for "due", ("due", True) for "-due"; None when not on the whitelist."""
    value = (value or "").strip()
    descending = value.startswith("-")
    key = value[1:] if descending else value
    return (key, descending) if key in SORTS else None


def apply_sort(qs: QuerySet, sort: tuple[str, bool] | None) -> QuerySet:
    if sort is None:
        return qs.queue_order()
    key, descending = sort
    # The tie-breaker follows the direction, so one (column, id) index serves both (review.0004).
    return qs.order_by(f"-{SORTS[key]}", "-pk") if descending else qs.order_by(SORTS[key], "pk")


# ---------------------------------------------------------------------------------
# Saved views: three built in, plus each staff member's own.
# ---------------------------------------------------------------------------------

# The queue's GET parameters a saved view may hold (the filters and the sort, never a page number).
VIEW_KEYS = ("q", "status", "request_type", "country", "agency", "assignee", "overdue", "emergency", "sort")


@dataclass(frozen=True)
class BuiltinView:
    slug: str
    name: str
    params: dict[str, str] = field(default_factory=dict)
    mine: bool = False  # "assignee" is the person looking


BUILTIN_VIEWS = [
    BuiltinView("mine", "Mine", mine=True),
    BuiltinView("emergencies", "Emergencies", {"emergency": "true"}),
    BuiltinView("waiting", "Waiting on agency", {"status": Status.NEEDS_INFO.value}),
]
BUILTIN_BY_SLUG = {v.slug: v for v in BUILTIN_VIEWS}


def builtin_params(slug: str, user) -> dict[str, str] | None:
    view = BUILTIN_BY_SLUG.get(slug)
    if view is None:
        return None
    params = dict(view.params)
    if view.mine:
        params["assignee"] = str(user.pk)
    return params


def clean_query(query: str) -> str:
    """Keep only the whitelisted keys of a queue query string, in a stable order."""
    pairs = [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=False) if k in VIEW_KEYS and v.strip()]
    pairs.sort(key=lambda kv: VIEW_KEYS.index(kv[0]))
    return urlencode(pairs)


class SavedViewError(Refused):
    """The view cannot be saved this way; the message says why."""


def saved_view_save(*, owner, name: str, query: str) -> SavedView:
    """Save (or overwrite, by name) one of the staff member's own queue views."""
    if not is_staff_member(owner):
        raise PermissionDenied("Only the legal team has a queue.")
    name = " ".join((name or "").split())
    if not name:
        raise SavedViewError("Give the view a name.")
    if len(name) > 60:
        raise SavedViewError("Keep the name under 60 characters.")
    if name.lower() in {v.name.lower() for v in BUILTIN_VIEWS}:
        raise SavedViewError(f"“{name}” is already a built-in view; choose another name.")
    query = clean_query(query)
    if not query:
        raise SavedViewError("Set at least one filter or a sort before saving a view.")
    try:
        with transaction.atomic():
            view, _ = SavedView.objects.update_or_create(owner=owner, name=name, defaults={"query": query})
    except IntegrityError as exc:  # a concurrent save of the same name
        raise SavedViewError("A view with this name was saved at the same moment; try again.") from exc
    return view


def saved_view_delete(*, owner, pk: int) -> bool:
    """Delete one of the owner's views; another person's view is never touched."""
    deleted, _ = SavedView.objects.filter(owner=owner, pk=pk).delete()
    return bool(deleted)


# ---------------------------------------------------------------------------------
# The total: "12 open" when small, "about 1,200 open" otherwise, without COUNT(*).
# ---------------------------------------------------------------------------------

EXACT_UP_TO = 500


@dataclass(frozen=True)
class Total:
    value: int | None  # None: unknown (no estimate on this database)
    exact: bool

    def __str__(self) -> str:
        if self.value is None:
            return f"more than {EXACT_UP_TO:,}"
        if self.exact:
            return f"{self.value:,}"
        return f"about {round_estimate(self.value):,}"


def round_estimate(n: int) -> int:
    """Two significant figures: 1,234 -> 1,200; 87,654 -> 88,000."""
    if n < 100:
        return n
    digits = len(str(n)) - 2
    return int(round(n, -digits))


def planner_estimate(qs: QuerySet) -> int | None:
    """PostgreSQL's estimate of how many rows the query returns (EXPLAIN, no execution); None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def queue_total(qs: QuerySet, estimate_qs: QuerySet | None = None) -> Total:
    """Exact when at most EXACT_UP_TO rows match (one bounded fetch of ids), else the planner's estimate
    (of `estimate_qs` if given: the same rows written so the planner guesses better)."""
    ids = list(qs.order_by().values_list("pk", flat=True)[: EXACT_UP_TO + 1])
    if len(ids) <= EXACT_UP_TO:
        return Total(len(ids), exact=True)
    estimate = planner_estimate(estimate_qs if estimate_qs is not None else qs)
    if estimate is None:
        return Total(None, exact=False)
    return Total(max(estimate, EXACT_UP_TO + 1), exact=False)


# ---------------------------------------------------------------------------------
# Bulk assignment: all or nothing.
# ---------------------------------------------------------------------------------

BULK_LIMIT = 200


@dataclass
class BulkResult:
    assigned: list[str]
    refused: list[tuple[str, str]]  # (reference, why), in plain words

    @property
    def ok(self) -> bool:
        return not self.refused


class _Refused(Exception):
    pass


def bulk_assign(*, references: list[str], assignee, actor, ip: str | None = None) -> BulkResult:
    """Assign (or unassign, assignee=None) several requests in one go, all or nothing.

    Each request goes through requests_app.review.services.request_assign, so the same rules apply
    (only supervisors move someone else's request) and each gets its own audit event. If any one is
    refused, nothing is changed and every refusal is reported.
    """
    from requests_app.review.services import request_assign

    if not is_staff_member(actor):
        raise PermissionDenied("Only the legal team can assign requests.")
    refs = list(dict.fromkeys(r.strip().upper() for r in references if r and r.strip()))
    if not refs:
        return BulkResult([], [("", "Select at least one request.")])
    if len(refs) > BULK_LIMIT:
        return BulkResult([], [("", f"Select at most {BULK_LIMIT} requests at a time.")])
    found = {lr.reference: lr for lr in LegalRequest.objects.filter(reference__in=refs)}
    result = BulkResult([], [])
    for ref in refs:
        if ref not in found:
            result.refused.append((ref, "No such request."))
    try:
        with transaction.atomic():
            for ref in refs:
                lr = found.get(ref)
                if lr is None:
                    continue
                try:
                    with transaction.atomic():
                        request_assign(request=lr, assignee=assignee, actor=actor, ip=ip)
                except (TransitionError, PermissionDenied) as exc:
                    result.refused.append((ref, str(exc)))
                else:
                    result.assigned.append(ref)
            if result.refused:
                raise _Refused
    except _Refused:
        result.assigned = []
    result.refused.sort(key=lambda item: refs.index(item[0]) if item[0] in refs else -1)
    return result


# ---------------------------------------------------------------------------------
# Internal notes: the legal team only.
# ---------------------------------------------------------------------------------

NOTE_MAX = 5000


class NoteError(Refused):
    """The note cannot be saved; the message says why."""


def note_add(*, request: LegalRequest, actor, body: str, ip: str | None = None) -> InternalNote:
    """Add an internal note to a request. Audited without its text (the event log is not a second copy)."""
    if not is_staff_member(actor):
        raise PermissionDenied("Only the legal team can write internal notes.")
    body = (body or "").strip()
    if not body:
        raise NoteError("Write something in the note.")
    if len(body) > NOTE_MAX:
        raise NoteError(f"Keep the note under {NOTE_MAX:,} characters (it has {len(body):,}).")
    with transaction.atomic():
        note = InternalNote.objects.create(request=request, author=actor, body=body)
        event_record(
            event_type=EventType.NOTE,
            actor=actor,
            request=request,
            public=False,  # never in the agency's timeline
            message="Internal note added",
            payload={"note": note.pk, "length": len(body)},
            ip=ip,
        )
    return note


def notes_for(*, request: LegalRequest, viewer) -> list[InternalNote]:
    """The request's internal notes for a staff member; nobody else gets any."""
    if not is_staff_member(viewer):
        return []
    return list(InternalNote.objects.filter(request=request).select_related("author__officer"))
