"""Reads for the public pages: everything comes from frozen, published snapshots."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from transparency import periods
from transparency.models import Report

HEAVY = ("pdf", "canonical")


def published() -> QuerySet[Report]:
    return Report.objects.filter(status=Report.Status.PUBLISHED)


def latest_per_period(rows: list) -> list:
    """Keep the highest version of each period from rows ordered by period, then version descending."""
    seen: set[str] = set()
    out = []
    for row in rows:
        period = row["period"] if isinstance(row, dict) else row.period
        if period not in seen:
            seen.add(period)
            out.append(row)
    return out


def history() -> list[tuple[str, int]]:
    """(period, requests) of the latest version of every published period, oldest first. One query."""
    rows = latest_per_period(
        list(published().order_by("-period", "-version").values("period", "snapshot__totals__requests"))
    )
    rows.sort(key=lambda r: periods.sort_key(r["period"]))
    return [(r["period"], int(r["snapshot__totals__requests"] or 0)) for r in rows]


def report_for(period: str, version: int | None = None, *, with_heavy: bool = False) -> Report:
    try:
        code = periods.parse(period).code
    except periods.PeriodError:
        raise Http404("No such period") from None
    qs = published().filter(period=code)
    if not with_heavy:
        qs = qs.defer(*HEAVY)
    if version is not None:
        qs = qs.filter(version=version)
    report = qs.order_by("-version").first()
    if report is None:
        raise Http404("No published report for this period")
    return report
