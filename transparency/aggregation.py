"""Compute a report's numbers in the database: a few GROUP BY queries with
conditional aggregates over `RequestFacts`, identical on SQLite and PostgreSQL.

Nothing here loops over requests in Python: Python only adds up the per-group
rows the database returns (a few hundred at most) and averages the one or two
middle values each median query returns per group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django_countries import countries

from requests_app import rules
from requests_app.models import LegalRequest
from transparency.models import RequestFacts
from transparency.periods import Period

SCHEMA_VERSION = 1
# 50 U.S.C. 1874(a): national-security process may be reported in bands of 500, starting at 0.
NS_BAND = 500
# EU Member States (Reg. 2022/2065 applies to orders from their authorities).
EU_MEMBER_STATES = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)

# Mutually exclusive outcome buckets, in the order the charts show them.
OUTCOMES = ("content", "non_content", "no_data", "rejected", "withdrawn", "invalid", "pending")
OUTCOME_LABELS = {
    "content": "Content produced",
    "non_content": "Only non-content produced",
    "no_data": "No data produced",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
    "invalid": "Invalid",
    "pending": "Still open",
}
EXACT_MEASURES = (
    "requests",
    "accounts",
    "with_data",
    "accounts_with_data",
    *OUTCOMES,
    "emergency",
    "ndo",
    "users_notified",
)

_FINISHED_WITHOUT_DATA = ["rejected", "withdrawn", "invalid"]


def _measures() -> dict[str, Any]:
    Oc = LegalRequest.Outcome
    return {
        "requests": Count("pk"),
        "accounts": Coalesce(Sum("accounts"), Value(0)),
        "with_data": Count("pk", filter=Q(produced_any=True)),
        "accounts_with_data": Coalesce(Sum("accounts_with_data"), Value(0)),
        "content": Count("pk", filter=Q(produced_content=True)),
        "non_content": Count("pk", filter=Q(produced_noncontent=True, produced_content=False)),
        "no_data": Count(
            "pk", filter=Q(final=True, produced_any=False) & ~Q(outcome__in=_FINISHED_WITHOUT_DATA)
        ),
        "rejected": Count("pk", filter=Q(produced_any=False, outcome=Oc.REJECTED)),
        "withdrawn": Count("pk", filter=Q(produced_any=False, outcome=Oc.WITHDRAWN)),
        "invalid": Count("pk", filter=Q(produced_any=False, outcome=Oc.INVALID)),
        "pending": Count("pk", filter=Q(final=False, produced_any=False)),
        "emergency": Count("pk", filter=Q(emergency=True)),
        "ndo": Count("pk", filter=Q(ndo=True)),
        "users_notified": Coalesce(Sum("users_notified"), Value(0)),
    }


def percent(part: int, whole: int) -> int | None:
    """Whole percent, rounded half up (e.g. 2 of 8 = 25, 1 of 8 = 12.5 -> 13); None when whole is 0."""
    if not whole:
        return None
    return (200 * part + whole) // (2 * whole)


def band(n: int) -> str:
    """The band of 500 that n falls in: 0-499, 500-999, ..."""
    low = (n // NS_BAND) * NS_BAND
    return f"{low}-{low + NS_BAND - 1}"


# CLDR user-assigned codes that public statistics use but ISO 3166-1 (and django-countries) lack.
EXTRA_COUNTRIES = {"XK": "Kosovo"}


_CODES: frozenset[str] = frozenset()


def is_country(code: str) -> bool:
    global _CODES
    if not _CODES:
        _CODES = frozenset(code for code, _ in countries) | frozenset(EXTRA_COUNTRIES)
    return code in _CODES


def country_name(code: str) -> str:
    return EXTRA_COUNTRIES.get(code) or str(countries.name(code)) or code


def type_label(code: str) -> str:
    t = rules.REQUEST_TYPES.get(code)
    return t.label if t else code


def _zero() -> dict[str, int]:
    return {m: 0 for m in EXACT_MEASURES}


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    row["pct_with_data"] = percent(row["with_data"], row["requests"])
    return row


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 86400, 1)


def medians(qs: QuerySet, field: str, group: str | None = None) -> dict[str | None, float]:
    """Median of `field` per `group` (or overall under key None), computed with window functions.

    Each group's rows are numbered in order; only the one or two middle rows come back.
    """
    qs = qs.filter(**{f"{field}__isnull": False})
    partition = [F(group)] if group else []
    ranked = qs.annotate(
        _rn=Window(RowNumber(), partition_by=partition, order_by=[F(field).asc(), F("pk").asc()]),
        _cnt=Window(Count("pk"), partition_by=partition),
    ).filter(_rn__gte=(F("_cnt") + 1) / 2, _rn__lte=(F("_cnt") + 2) / 2)
    values: dict[str | None, list[int]] = defaultdict(list)
    for row in ranked.values(*([group] if group else []), field):
        values[row.get(group) if group else None].append(row[field])
    return {k: sum(v) / len(v) for k, v in values.items()}


def build_snapshot(period: Period, *, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """All the numbers of one period's report, as a JSON-ready dict (schema in docs/report-schema.md)."""
    step = progress or (lambda pct: None)
    base = RequestFacts.objects.filter(received_at__gte=period.start, received_at__lt=period.end)
    exact = base.filter(national_security=False)

    # 1. country x request type: every exact measure.
    rows = []
    for r in exact.values("country", "request_type").annotate(**_measures()).order_by("country", "request_type"):
        r = dict(r)
        r["preservation"] = r["request_type"] in rules.PRESERVATION_TYPES
        _finish(r)
        if r["preservation"]:
            r["pct_with_data"] = None
        rows.append(r)
    step(30)

    totals = _zero()
    preservation = {"requests": 0, "accounts": 0}
    by_country: dict[str, dict[str, Any]] = {}
    by_type: dict[str, dict[str, Any]] = {}
    emergency = {"requests": 0, "accounts": 0, "with_data": 0}
    for r in rows:
        c = by_country.setdefault(
            r["country"], {**_zero(), "preservation_requests": 0, "preservation_accounts": 0}
        )
        t = by_type.setdefault(r["request_type"], _zero())
        for m in EXACT_MEASURES:
            t[m] += r[m]
        if r["preservation"]:
            # Reported apart: never added to the totals.
            preservation["requests"] += r["requests"]
            preservation["accounts"] += r["accounts"]
            c["preservation_requests"] += r["requests"]
            c["preservation_accounts"] += r["accounts"]
            continue
        for m in EXACT_MEASURES:
            totals[m] += r[m]
            c[m] += r[m]
    counted = exact.filter(preservation=False)
    # Emergency requests are reported apart too (and stay in the totals, as they are answered requests).
    em = counted.filter(emergency=True).aggregate(
        requests=Count("pk"),
        accounts=Coalesce(Sum("accounts"), Value(0)),
        with_data=Count("pk", filter=Q(produced_any=True)),
    )
    emergency.update(em)
    emergency["pct_with_data"] = percent(emergency["with_data"], emergency["requests"])
    step(45)

    # 2. rejected, by reason.
    reasons = list(
        counted.filter(outcome=LegalRequest.Outcome.REJECTED, produced_any=False)
        .values("rejection_reason")
        .annotate(requests=Count("pk"))
        .order_by("-requests", "rejection_reason")
    )
    reason_labels = dict(LegalRequest.RejectionReason.choices)
    step(55)

    # 3. national security: bands only, never an exact number anywhere.
    ns_counts = {
        r["request_type"]: r
        for r in base.filter(national_security=True)
        .values("request_type")
        .annotate(requests=Count("pk"), accounts=Coalesce(Sum("accounts"), Value(0)))
    }
    national_security = [
        {
            "request_type": code,
            "label": type_label(code),
            "requests": band(ns_counts.get(code, {}).get("requests", 0)),
            "accounts": band(ns_counts.get(code, {}).get("accounts", 0)),
        }
        for code in sorted(rules.NATIONAL_SECURITY_TYPES)
    ]
    step(65)

    # 4. medians: received -> decision, received -> production; overall and per country.
    overall_decision = medians(counted, "seconds_to_decision").get(None)
    overall_produce = medians(counted, "seconds_to_produce").get(None)
    country_decision = medians(counted, "seconds_to_decision", "country")
    country_produce = medians(counted, "seconds_to_produce", "country")
    step(80)
    totals["pct_with_data"] = percent(totals["with_data"], totals["requests"])
    totals["median_days_to_respond"] = _days(overall_decision)
    totals["median_days_to_produce"] = _days(overall_produce)

    countries_out = []
    for code, c in sorted(by_country.items(), key=lambda kv: (-kv[1]["requests"], kv[0])):
        _finish(c)
        c.update(
            country=code,
            name=country_name(code),
            median_days_to_respond=_days(country_decision.get(code)),
            median_days_to_produce=_days(country_produce.get(code)),
        )
        countries_out.append(c)
    types_out = []
    for code, t in sorted(by_type.items(), key=lambda kv: (-kv[1]["requests"], kv[0])):
        _finish(t)
        t.update(request_type=code, label=type_label(code), preservation=code in rules.PRESERVATION_TYPES)
        if t["preservation"]:
            t["pct_with_data"] = None
        types_out.append(t)

    # 5. EU DSA Art. 10 orders to provide information, per Member State.
    dsa_qs = exact.filter(request_type="dsa_art10", country__in=EU_MEMBER_STATES)
    dsa_counts = dict(dsa_qs.values("country").annotate(n=Count("pk")).values_list("country", "n"))
    ack = medians(dsa_qs, "seconds_to_ack", "country")
    effect = medians(dsa_qs, "seconds_to_produce", "country")
    dsa = [
        {
            "member_state": ms,
            "orders": dsa_counts.get(ms, 0),
            "median_hours_to_acknowledge": None if ack.get(ms) is None else round(ack[ms] / 3600, 1),
            "median_hours_to_give_effect": None if effect.get(ms) is None else round(effect[ms] / 3600, 1),
        }
        for ms in EU_MEMBER_STATES
    ]
    step(95)

    return {
        "schema_version": SCHEMA_VERSION,
        "period": {
            "code": period.code,
            "start": period.first_day.isoformat(),
            "end": period.last_day.isoformat(),
            "label": period.label,
        },
        "version": None,
        "published_at": None,
        "change_note": "",
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "country_basis": "requesting agency",
        "totals": totals,
        "preservation": preservation,
        "emergency": emergency,
        "rejected_by_reason": [
            {
                "reason": r["rejection_reason"] or "unspecified",
                "label": reason_labels.get(r["rejection_reason"], "Unspecified"),
                "requests": r["requests"],
            }
            for r in reasons
        ],
        "national_security": national_security,
        "countries": countries_out,
        "request_types": types_out,
        "rows": [
            {**r, "name": country_name(r["country"]), "label": type_label(r["request_type"])} for r in rows
        ],
        "dsa_art10": dsa,
    }
