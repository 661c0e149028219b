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

from django.db import connection
from django.db.models import Aggregate, Case, Count, F, FloatField, Q, QuerySet, Sum, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone, translation
from django_countries import countries

from requests_app import dsa_categories, rules
from requests_app.cybertipline.selectors import public_counts as cybertip_public_counts
from requests_app.models import LegalRequest
from transparency.models import RequestFacts, TargetFacts
from transparency.periods import Period

# 2: distinct-account figures, the compliance rate over requests with an outcome (open_requests beside
#    it), national-security bands only in half-year and annual reports, the DSA block per category.
# 3: the DSA block in the cells of the Reg. 2024/2835 template (Annex I taxonomy with sub-categories,
#    Scope TOTAL and each Member State); DSA only in annual reports (and half-years for a very large
#    online platform, settings.TRANSPARENCY_DSA_VLOP), with `dsa_note` saying where it is otherwise.
SCHEMA_VERSION = 3
# 50 U.S.C. 1874(a): national-security process may be reported in bands of 500, starting at 0.
NS_BAND = 500
# EU Member States (Reg. 2022/2065 applies to orders from their authorities).
EU_MEMBER_STATES = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()

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
# Period kinds whose reports carry national-security bands (50 U.S.C. 1874: semiannual reports).
NS_PERIOD_KINDS = frozenset({"H", "Y"})


def dsa_period_kinds() -> frozenset[str]:
    """Period kinds the DSA template is reported for (Reg. 2024/2835 Art. 2): the calendar year; also the
    half-year for a very large online platform or search engine (settings.TRANSPARENCY_DSA_VLOP)."""
    from django.conf import settings

    return frozenset({"Y", "H"}) if settings.TRANSPARENCY_DSA_VLOP else frozenset({"Y"})


def _measures() -> dict[str, Any]:
    Oc = LegalRequest.Outcome
    return {
        "requests": Count("pk"),
        "accounts": Coalesce(Sum("accounts"), Value(0)),
        "with_data": Count("pk", filter=Q(produced_any=True)),
        "accounts_with_data": Coalesce(Sum("accounts_with_data"), Value(0)),
        "content": Count("pk", filter=Q(produced_content=True)),
        "non_content": Count("pk", filter=Q(produced_noncontent=True, produced_content=False)),
        "no_data": Count("pk", filter=Q(final=True, produced_any=False) & ~Q(outcome__in=_FINISHED_WITHOUT_DATA)),
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
    if not t:
        return code
    # Reports are signed snapshots: their labels are English whatever language the page is in.
    with translation.override("en"):
        return str(t.label)


def _zero() -> dict[str, int]:
    return {m: 0 for m in EXACT_MEASURES}


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    # The compliance rate is over requests that reached an outcome (final, or data delivered);
    # those still open are published beside it as `open_requests`, never in the denominator.
    row["requests_with_outcome"] = row["requests"] - row["pending"]
    row["open_requests"] = row["pending"]
    row["pct_with_data"] = percent(row["with_data"], row["requests_with_outcome"])
    return row


# Distinct accounts (schema 2): each level is its own COUNT(DISTINCT) in the database, as distinct
# counts cannot be added up from the cells.
DISTINCT_MEASURES = ("distinct_accounts", "distinct_accounts_with_data")


def _distinct() -> dict[str, Any]:
    return {
        "distinct_accounts": Count("account_key", distinct=True),
        "distinct_accounts_with_data": Count("account_key", distinct=True, filter=Q(with_data=True)),
    }


def distinct_accounts(period: Period) -> dict[str, Any]:
    """{"cells": {(country, type): {...}}, "types": {type: {...}}, "countries": {cc: {...}}, "total": {...}}.

    Four GROUP BY queries on TargetFacts. National-security targets are never counted here (bands
    only); preservation targets count in their cells and types but not in countries or the total,
    like every other measure.
    """
    qs = TargetFacts.objects.filter(received_at__gte=period.start, received_at__lt=period.end, national_security=False)
    answered = qs.filter(preservation=False)
    cells = {
        (r["country"], r["request_type"]): r
        for r in qs.values("country", "request_type").annotate(**_distinct()).order_by()
    }
    types = {r["request_type"]: r for r in qs.values("request_type").annotate(**_distinct()).order_by()}
    by_country = {r["country"]: r for r in answered.values("country").annotate(**_distinct()).order_by()}
    total = answered.aggregate(**_distinct())
    return {"cells": cells, "types": types, "countries": by_country, "total": total}


def _put_distinct(row: dict[str, Any], found: dict[str, Any] | None) -> None:
    for m in DISTINCT_MEASURES:
        row[m] = (found or {}).get(m, 0) or 0


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 86400, 1)


class Median(Aggregate):
    """PostgreSQL's exact median (average of the two middle values, like `medians` below)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def medians(qs: QuerySet, field: str, group: str | tuple[str, ...] | None = None) -> dict[Any, float]:
    """Median of `field` per `group` (or overall under key None), portable: window functions.

    `group` is one field (keys are its values) or a tuple of fields (keys are tuples).
    Each group's rows are numbered in order; only the one or two middle rows come back.
    """
    qs = qs.filter(**{f"{field}__isnull": False})
    fields = (group,) if isinstance(group, str) else tuple(group or ())
    partition = [F(g) for g in fields]
    ranked = qs.annotate(
        _rn=Window(RowNumber(), partition_by=partition, order_by=[F(field).asc(), F("pk").asc()]),
        _cnt=Window(Count("pk"), partition_by=partition),
    ).filter(_rn__gte=(F("_cnt") + 1) / 2, _rn__lte=(F("_cnt") + 2) / 2)
    values: dict[Any, list[int]] = defaultdict(list)
    for row in ranked.values(*fields, field):
        if not fields:
            key = None
        elif isinstance(group, str):
            key = row[group]
        else:
            key = tuple(row[g] for g in fields)
        values[key].append(row[field])
    return {k: sum(v) / len(v) for k, v in values.items()}


def group_medians(qs: QuerySet, fields: dict[str, str], group: tuple[str, ...]) -> dict[Any, dict[str, float]]:
    """{group key: {name: median}} for several fields at once (PostgreSQL: one GROUP BY)."""
    out: dict[Any, dict[str, float]] = defaultdict(dict)
    if connection.vendor == "postgresql":
        aggs = {name: Median(field) for name, field in fields.items()}
        if group:
            for r in qs.values(*group).annotate(**aggs).order_by():
                key = tuple(r[g] for g in group)
                out[key].update({n: r[n] for n in fields if r[n] is not None})
        else:
            r = qs.aggregate(**aggs)
            out[()].update({n: r[n] for n in fields if r[n] is not None})
        return out
    for name, field in fields.items():
        for key, v in medians(qs, field, group or None).items():
            out[key if group else ()][name] = v
    return out


# name -> (field, filter): the medians the report needs, per country and overall.
_MEDIANS = {
    "decision": ("seconds_to_decision", None),
    "produce": ("seconds_to_produce", None),
}


def all_medians(counted: QuerySet) -> tuple[dict[str, dict[str, float]], dict[str, float | None]]:
    """({median name: {country: seconds}}, {median name: overall seconds}).

    PostgreSQL: two GROUP BY queries with percentile_cont. Elsewhere (SQLite): the portable
    window-function query per median. Both give the average of the two middle values.
    """
    by_country: dict[str, dict[str, float]] = {}
    overall: dict[str, float | None] = {}
    if connection.vendor == "postgresql":
        aggs = {name: Median(field, filter=flt) for name, (field, flt) in _MEDIANS.items()}
        rows = list(counted.values("country").annotate(**aggs).order_by())
        for name in _MEDIANS:
            by_country[name] = {r["country"]: r[name] for r in rows if r[name] is not None}
        total = counted.aggregate(**{k: v for k, v in aggs.items() if not k.startswith("dsa")})
        overall = {k: total.get(k) for k in _MEDIANS}
        return by_country, overall
    for name, (field, flt) in _MEDIANS.items():
        qs = counted.filter(flt) if flt is not None else counted
        by_country[name] = {k: v for k, v in medians(qs, field, "country").items() if k is not None}
        overall[name] = None if name.startswith("dsa") else medians(qs, field).get(None)
    return by_country, overall


REASONS = tuple(LegalRequest.RejectionReason.values)


def _row_measures() -> dict[str, Any]:
    """Every measure of one country x type cell, plus what the apart-reported blocks need."""
    Oc = LegalRequest.Outcome
    rejected = Q(produced_any=False, outcome=Oc.REJECTED)
    extra: dict[str, Any] = {
        "_em_accounts": Coalesce(Sum("accounts", filter=Q(emergency=True)), Value(0)),
        "_em_with_data": Count("pk", filter=Q(emergency=True, produced_any=True)),
        "_em_pending": Count("pk", filter=Q(emergency=True, final=False, produced_any=False)),
        "_unfinished": Count("pk", filter=Q(final=False)),
        "_rej_": Count("pk", filter=rejected & ~Q(rejection_reason__in=REASONS)),
    }
    for code in REASONS:
        extra[f"_rej_{code}"] = Count("pk", filter=rejected & Q(rejection_reason=code))
    # Extras first: once "accounts" or "emergency" is an annotation, the name no longer means the column.
    return {**extra, **_measures()}


def build_snapshot(period: Period, *, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """All the numbers of one period's report, as a JSON-ready dict (schema in docs/report-schema.md).

    Queries: one GROUP BY country x type over every request of the period (all measures, including
    the national-security cells, which are banded below and never leave this function exactly),
    then the medians (2 queries on PostgreSQL), then nothing else.
    """
    step = progress or (lambda pct: None)
    base = RequestFacts.objects.filter(received_at__gte=period.start, received_at__lt=period.end)
    counted = base.filter(national_security=False, preservation=False)

    # 1. country x request type: every measure, in one scan.
    rows = []
    ns_counts: dict[str, dict[str, int]] = defaultdict(lambda: {"requests": 0, "accounts": 0})
    emergency = {"requests": 0, "accounts": 0, "with_data": 0, "open_requests": 0}
    unfinished = 0
    reasons: dict[str, int] = defaultdict(int)
    grouped = base.values("country", "request_type").annotate(**_row_measures()).order_by("country", "request_type")
    for r in grouped:
        r = dict(r)
        if r["request_type"] in rules.NATIONAL_SECURITY_TYPES:
            # National security: bands only, never an exact number anywhere.
            ns_counts[r["request_type"]]["requests"] += r["requests"]
            ns_counts[r["request_type"]]["accounts"] += r["accounts"]
            continue
        r["preservation"] = r["request_type"] in rules.PRESERVATION_TYPES
        extra = {k: r.pop(k) for k in list(r) if k.startswith("_")}
        unfinished += extra["_unfinished"]
        if not r["preservation"]:
            emergency["requests"] += r["emergency"]
            emergency["accounts"] += extra["_em_accounts"]
            emergency["with_data"] += extra["_em_with_data"]
            emergency["open_requests"] += extra["_em_pending"]
            for k, n in extra.items():
                if k.startswith("_rej_") and n:
                    reasons[k[len("_rej_") :]] += n
        _finish(r)
        if r["preservation"]:
            r["pct_with_data"] = None
        rows.append(r)
    step(40)
    distinct = distinct_accounts(period)
    for r in rows:
        _put_distinct(r, distinct["cells"].get((r["country"], r["request_type"])))

    totals = _zero()
    preservation = {"requests": 0, "accounts": 0}
    by_country: dict[str, dict[str, Any]] = {}
    by_type: dict[str, dict[str, Any]] = {}
    for r in rows:
        c = by_country.setdefault(r["country"], {**_zero(), "preservation_requests": 0, "preservation_accounts": 0})
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
    # Emergency requests are reported apart too (and stay in the totals, as they are answered requests).
    emergency["pct_with_data"] = percent(emergency["with_data"], emergency["requests"] - emergency["open_requests"])
    reason_labels = dict(LegalRequest.RejectionReason.choices)
    # 50 U.S.C. 1874(a) reports are semiannual: bands only in half-year (and annual) reports; a
    # quarterly report publishes none (a quarter's bands could be differenced against its half-year).
    national_security: list[dict[str, Any]] | None = None
    national_security_note = ""
    if period.kind in NS_PERIOD_KINDS:
        national_security = [
            {
                "request_type": code,
                "label": type_label(code),
                "requests": band(ns_counts[code]["requests"]),
                "accounts": band(ns_counts[code]["accounts"]),
            }
            for code in sorted(rules.NATIONAL_SECURITY_TYPES)
        ]
    else:
        half = "H1" if period.n <= 2 else "H2"
        national_security_note = (
            f"National-security process is published only in half-year and annual reports, in bands "
            f"(50 U.S.C. 1874): see the {period.year}-{half} report."
        )

    # 2. medians: received -> decision, received -> production; overall and per country; DSA.
    med_country, med_overall = all_medians(counted)
    step(85)
    _finish(totals)
    _put_distinct(totals, distinct["total"])
    totals["median_days_to_respond"] = _days(med_overall["decision"])
    totals["median_days_to_produce"] = _days(med_overall["produce"])

    countries_out = []
    for code, c in sorted(by_country.items(), key=lambda kv: (-kv[1]["requests"], kv[0])):
        _finish(c)
        _put_distinct(c, distinct["countries"].get(code))
        c.update(
            country=code,
            name=country_name(code),
            median_days_to_respond=_days(med_country["decision"].get(code)),
            median_days_to_produce=_days(med_country["produce"].get(code)),
        )
        countries_out.append(c)
    types_out = []
    for code, t in sorted(by_type.items(), key=lambda kv: (-kv[1]["requests"], kv[0])):
        _finish(t)
        _put_distinct(t, distinct["types"].get(code))
        t.update(request_type=code, label=type_label(code), preservation=code in rules.PRESERVATION_TYPES)
        if t["preservation"]:
            t["pct_with_data"] = None
        types_out.append(t)

    # 3. EU DSA orders to provide information (Art. 10), per category and Member State.
    dsa = dsa_block(base) if period.kind in dsa_period_kinds() else None
    if dsa is not None:
        dsa_note = ""
    elif period.kind == "H":
        dsa_note = (
            f"The EU Digital Services Act report (Reg. 2024/2835) covers the calendar year: see the "
            f"{period.year} report."
        )
    else:
        dsa_note = (
            f"The EU Digital Services Act report (Reg. 2024/2835) is published for "
            f"{'half-years and ' if 'H' in dsa_period_kinds() else ''}calendar years, not quarters: see the "
            f"{period.year} report."
        )
    step(95)
    reasons_out = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))

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
            {"reason": code or "unspecified", "label": reason_labels.get(code, "Unspecified"), "requests": n}
            for code, n in reasons_out
        ],
        "national_security": national_security,
        "national_security_note": national_security_note,
        "unfinished_requests": unfinished,
        "countries": countries_out,
        "request_types": types_out,
        "rows": [{**r, "name": country_name(r["country"]), "label": type_label(r["request_type"])} for r in rows],
        "dsa": dsa,
        "dsa_note": dsa_note,
        # Self-contained section owned by the CyberTipline register; never part of the request totals.
        "cybertipline": cybertip_public_counts(period.start, period.end),
    }


def _hours(v: float | None) -> float | None:
    return None if v is None else round(v / 3600, 1)


DSA_TOTAL = "TOTAL"  # the template's Scope and Category value for the sum over all rows
DSA_KEYWORD_OTHER = "OTHER"  # KEYWORD_OTHER: orders whose sub-category was not recorded


def _dsa_level(qs: QuerySet, group: tuple[str, ...]) -> dict[tuple, dict[str, Any]]:
    """{group key: {orders, median_hours_to_inform, median_hours_to_give_effect}} at one level, in the DB
    (PostgreSQL: one GROUP BY with COUNT and two percentile_cont; SQLite: a count and the window medians)."""
    if connection.vendor == "postgresql":
        aggs = {"n": Count("pk"), "inform": Median("seconds_to_inform"), "effect": Median("seconds_to_final")}
        found = list(qs.values(*group).annotate(**aggs).order_by()) if group else [qs.aggregate(**aggs)]
        return {
            tuple(r[g] for g in group): {
                "orders": r["n"],
                "median_hours_to_inform": _hours(r["inform"]),
                "median_hours_to_give_effect": _hours(r["effect"]),
            }
            for r in found
            if r["n"]
        }
    counts = (
        {tuple(r[g] for g in group): r["n"] for r in qs.values(*group).annotate(n=Count("pk")).order_by()}
        if group
        else {(): qs.count()}
    )
    meds = group_medians(qs, {"inform": "seconds_to_inform", "effect": "seconds_to_final"}, group)
    return {
        key: {
            "orders": n,
            "median_hours_to_inform": _hours(meds.get(key, {}).get("inform")),
            "median_hours_to_give_effect": _hours(meds.get(key, {}).get("effect")),
        }
        for key, n in counts.items()
        if n
    }


def dsa_block(base: QuerySet) -> dict[str, Any]:
    """Orders to provide information (Reg. 2022/2065 Art. 10, and national-law orders the reviewer flagged
    as meeting Art. 10(2)) from EU Member States, at every level of the Reg. 2024/2835 template: Scope
    (TOTAL, each Member State) x Category (TOTAL, each category, each sub-category). Each level is its
    own GROUP BY (counts and medians cannot be added up); only non-empty cells are kept (the export
    writes the zeros). An order without a category counts as "not specified by the authority"."""
    orders = base.filter(dsa_order=True, country__in=EU_MEMBER_STATES).annotate(
        cat=Case(When(dsa_category="", then=Value(dsa_categories.NOT_SPECIFIED)), default=F("dsa_category")),
        kw=Case(When(dsa_keyword="", then=Value(DSA_KEYWORD_OTHER)), default=F("dsa_keyword")),
    )
    cells = []
    levels = (
        ((), lambda k: (DSA_TOTAL, "", "")),
        (("country",), lambda k: (k[0], "", "")),
        (("cat",), lambda k: (DSA_TOTAL, k[0], "")),
        (("cat", "country"), lambda k: (k[1], k[0], "")),
        (("cat", "kw"), lambda k: (DSA_TOTAL, k[0], k[1])),
        (("cat", "kw", "country"), lambda k: (k[2], k[0], k[1])),
    )
    for group, where in levels:
        for key, cell in _dsa_level(orders, group).items():
            scope, category, keyword = where(key)
            if keyword and category == dsa_categories.NOT_SPECIFIED:
                continue  # Category 16 has no sub-categories
            cells.append({"scope": scope, "category": category, "keyword": keyword, **cell})
    order = {ms: i for i, ms in enumerate([DSA_TOTAL, *EU_MEMBER_STATES])}
    cats = {c: i for i, c in enumerate(["", *dsa_categories.CATEGORIES])}
    cells.sort(key=lambda c: (order[c["scope"]], cats.get(c["category"], 99), c["keyword"]))
    total = next((c["orders"] for c in cells if c["scope"] == DSA_TOTAL and not c["category"]), 0)
    return {
        "template": "Reg. (EU) 2024/2835 Annex I, member states orders",
        "orders": total,
        "uncategorised": orders.filter(dsa_category="").count(),
        "with_sub_category": orders.exclude(dsa_keyword="").count(),
        "member_states": [ms for ms in EU_MEMBER_STATES if any(c["scope"] == ms for c in cells)],
        "cells": cells,
    }
