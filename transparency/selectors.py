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


def publisher() -> dict[str, str]:
    """Who publishes the reports, for pages, the PDF and index.json (settings, no query)."""
    from django.conf import settings

    return {
        "platform_name": settings.PLATFORM_NAME,
        "contact": settings.TRANSPARENCY_CONTACT,
        "site_url": settings.SITE_URL.rstrip("/"),
    }


INDEX_SCHEMA = 1  # version of /transparency/index.json (docs/report-schema.md, "index.json")


def index_document() -> dict:
    """Every published period and version with its hashes and full download links. One query."""
    from django.urls import reverse

    who = publisher()
    base = who["site_url"]
    rows = list(
        published()
        .order_by("period", "version")
        .values(
            "period", "version", "sha256", "signature", "published_at", "snapshot__dsa__orders", "snapshot__dsa_art10"
        )
    )
    rows.sort(key=lambda r: (periods.sort_key(r["period"]), r["version"]))
    latest = {r["period"]: r["version"] for r in rows}
    reports = []
    for r in rows:
        args = [r["period"], r["version"]]
        reports.append(
            {
                "period": r["period"],
                "version": r["version"],
                "latest": latest[r["period"]] == r["version"],
                "published_at": r["published_at"].isoformat() if r["published_at"] else None,
                "sha256": r["sha256"],
                "signature": r["signature"],
                "page": base + reverse("transparency:report_version", args=args),
                # The DSA export exists for the periods the Regulation sets (snapshot["dsa"] not null).
                "downloads": {
                    fmt: base + reverse(f"transparency:{fmt}", args=args)
                    for fmt in ("json", "csv", "pdf", "dsa")
                    if fmt != "dsa" or r["snapshot__dsa__orders"] is not None or r["snapshot__dsa_art10"]
                },
            }
        )
    return {
        "schema": INDEX_SCHEMA,
        "publisher": {"name": who["platform_name"], "contact": who["contact"], "site": base},
        "public_key": base + reverse("transparency:key_pem"),
        "verification": base + reverse("transparency:key"),
        "reports": reports,
    }


def generation() -> str:
    """Changes whenever a report is published (count and latest publication time): part of the cache
    key of the public report pages. One indexed query."""
    from django.db.models import Count, Max

    r = published().aggregate(n=Count("pk"), last=Max("published_at"))
    return f"{r['n']}.{r['last'].timestamp() if r['last'] else 0}"
