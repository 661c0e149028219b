"""Keep `RequestFacts` in step with live requests.

The facts a report needs (content/non-content produced, accounts with data...)
sit in JSON lists and child rows that are awkward to aggregate portably, so they
are computed once per request here, when a request changes state, and stored
flat. This is per-request bookkeeping, not report aggregation: the report itself
is computed by GROUP BY queries in transparency.aggregation.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from requests_app import dsa_categories, rules
from requests_app.lifecycle import FINAL_STATES
from requests_app.models import EventType, LegalRequest, RequestEvent, Target
from requests_app.production.models import Production, ProductionFile
from transparency.models import RequestFacts, TargetFacts

BATCH = 2000
DELIVERED = (Production.Status.READY, Production.Status.PURGED)  # a package the agency got (or had)
# The request's columns facts_for reads (facts_refresh reads only these; a deferred one would cost a query).
FACT_FIELDS = (
    "pk",
    "agency",
    "request_type",
    "produced_categories",
    "status",
    "dsa_category",
    "received_at",
    "emergency",
    "outcome",
    "rejection_reason",
    "ndo_indefinite",
    "ndo_until",
    "decided_at",
    "produced_at",
    "dsa_art10_2",
    "acknowledged_at",
    "closed_at",
)
DSA_ART10 = "dsa_art10"  # the request type of a DSA Art. 10 order to provide information
logger = logging.getLogger(__name__)


def _seconds(start, end) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def produced_split(codes: Iterable[str]) -> tuple[bool, bool, bool]:
    """(any, content, non-content) for a list of delivered category codes."""
    known = [rules.CATEGORIES[c] for c in codes or [] if c in rules.CATEGORIES]
    content = any(c.content for c in known)
    noncontent = any(not c.content for c in known)
    return bool(known), content, noncontent


def account_key(*, account_ref: str, kind: str, value: str) -> str:
    """What one account is, for distinct counts: the platform account it resolved to, else the identifier."""
    return f"acct:{account_ref}" if account_ref else f"{kind}:{value}"


def facts_for(
    request: LegalRequest, *, accounts: int, found: int, notified: int, ack_at=None, with_data: int | None = None
) -> RequestFacts:
    rtype = rules.REQUEST_TYPES.get(request.request_type)
    produced_any, content, noncontent = produced_split(request.produced_categories)
    final = request.status in FINAL_STATES
    dsa_split = dsa_categories.split(getattr(request, "dsa_category", "") or "")
    return RequestFacts(
        request_id=request.pk,
        received_at=request.received_at,
        country=str(request.agency.country.code if hasattr(request, "agency") else request.country),
        request_type=request.request_type,
        emergency=request.emergency,
        preservation=bool(rtype and rtype.preservation),
        national_security=bool(rtype and rtype.national_security),
        final=final,
        outcome=request.outcome or "",
        rejection_reason=request.rejection_reason or "",
        accounts=accounts,
        accounts_found=found,
        accounts_with_data=(found if produced_any else 0) if with_data is None else with_data,
        users_notified=notified,
        produced_any=produced_any,
        produced_content=content,
        produced_noncontent=noncontent,
        ndo=bool(request.ndo_indefinite or request.ndo_until),
        seconds_to_ack=_seconds(request.received_at, ack_at),
        seconds_to_decision=_seconds(request.received_at, request.decided_at),
        seconds_to_produce=_seconds(request.received_at, request.produced_at),
        dsa_order=request.request_type == DSA_ART10 or bool(getattr(request, "dsa_art10_2", False)),
        dsa_category=dsa_split[0],
        dsa_keyword=dsa_split[1],
        seconds_to_inform=_seconds(request.received_at, getattr(request, "acknowledged_at", None)),
        seconds_to_final=_seconds(request.received_at, request.closed_at) if final else None,
        updated_at=timezone.now(),
    )


def _delivered_targets(with_packages: set[int]) -> set[int]:
    """Targets with at least one record in a delivered package of these requests (the ones that have one)."""
    if not with_packages:  # most refreshes (a new request, a decision): no package, so no file to look at
        return set()
    return set(
        ProductionFile.objects.filter(
            production__request_id__in=with_packages, production__status__in=DELIVERED, records__gt=0
        ).values_list("target_id", flat=True)
    )


def _target_facts(req: LegalRequest, facts: RequestFacts, targets, with_records: set[int], packaged: bool):
    """TargetFacts rows of one request; returns (rows, number with data)."""
    rows = []
    for t in targets:
        if packaged:
            # Live request: only accounts of which a built package holds at least one record.
            has_data = t.pk in with_records
        else:
            # Imported history (no packages): a found account of a request that produced data.
            has_data = facts.produced_any and t.lookup == Target.Lookup.FOUND
        rows.append(
            TargetFacts(
                target_id=t.pk,
                request_id=req.pk,
                received_at=facts.received_at,
                country=facts.country,
                request_type=facts.request_type,
                national_security=facts.national_security,
                preservation=facts.preservation,
                account_key=account_key(account_ref=t.account_ref, kind=t.kind, value=t.value)[:320],
                with_data=has_data,
            )
        )
    return rows, sum(r.with_data for r in rows)


FACTS_UPDATED = [f.name for f in RequestFacts._meta.concrete_fields if not f.primary_key]


def facts_refresh(*, request_ids: Iterable[int]) -> int:
    """Recompute the facts of these requests (a handful of queries and one transaction per batch of 2,000)."""
    ids = list(request_ids)
    done = 0
    for i in range(0, len(ids), BATCH):
        chunk = ids[i : i + BATCH]
        # Only the columns facts_for reads (the row is wide: its whole SELECT cost more to build than to run).
        # In the same query: the first transition (the acknowledgement's time) and whether a package was delivered.
        requests = list(
            LegalRequest.objects.filter(pk__in=chunk)
            .select_related("agency")
            .only(*FACT_FIELDS, "agency__country")
            .annotate(
                first_transition=Subquery(
                    RequestEvent.objects.filter(request_id=OuterRef("pk"), event_type=EventType.TRANSITION)
                    .order_by("created_at")
                    .values("created_at")[:1]
                ),
                delivered=Exists(Production.objects.filter(request_id=OuterRef("pk"), status__in=DELIVERED)),
            )
        )
        # The targets once: their rows for TargetFacts and, counted here, the request's account numbers.
        found_lookups = {Target.Lookup.FOUND, Target.Lookup.E2EE_ONLY}
        by_request: dict[int, list[Target]] = defaultdict(list)
        for t in Target.objects.filter(request_id__in=chunk).only(
            "pk", "request_id", "kind", "value", "lookup", "account_ref", "notified_at"
        ):
            by_request[t.request_id].append(t)
        packaged = {req.pk for req in requests if req.delivered}
        with_records = _delivered_targets(packaged)
        rows, target_rows = [], []
        for req in requests:
            targets = by_request.get(req.pk, [])
            facts = facts_for(
                req,
                accounts=len(targets),
                found=sum(1 for t in targets if t.lookup in found_lookups),
                notified=sum(1 for t in targets if t.notified_at is not None),
                ack_at=req.first_transition,
            )
            t_rows, facts.accounts_with_data = _target_facts(req, facts, targets, with_records, req.pk in packaged)
            rows.append(facts)
            target_rows.extend(t_rows)
        # Replaced in one transaction: a reader never sees a request without facts, nor half its target rows.
        # The request's row is written over in place (an upsert: one statement, where deleting it first made
        # Django read the rows to cascade), its target rows deleted (one statement: nothing refers to them)
        # and inserted anew (a target may have gone).
        with transaction.atomic():
            TargetFacts.objects.filter(request_id__in=[r.request_id for r in rows]).delete()
            RequestFacts.objects.bulk_create(
                rows, batch_size=500, update_conflicts=True, unique_fields=["request"], update_fields=FACTS_UPDATED
            )
            TargetFacts.objects.bulk_create(target_rows, batch_size=2000)
        done += len(rows)
    return done


def facts_backfill(*, start=None, end=None) -> int:
    """Create facts for requests that have none yet (e.g. made before this app existed)."""
    qs = LegalRequest.objects.filter(report_facts__isnull=True)
    if start is not None:
        qs = qs.filter(received_at__gte=start)
    if end is not None:
        qs = qs.filter(received_at__lt=end)
    return facts_refresh(request_ids=qs.values_list("pk", flat=True))
