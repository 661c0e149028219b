"""Public transparency pages (no login) and the supervisors' draft review pages.

Public pages read only frozen snapshots of published reports: no aggregation
happens at page view, and each page runs a fixed number of queries.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_countries import countries

from requests_app.permissions import is_supervisor, session_mfa_verified
from transparency import charts, downloads, dsa, periods, selectors, services, signing, trends
from transparency.aggregation import OUTCOME_LABELS, OUTCOMES, country_name, is_country
from transparency.models import Report

SORTABLE = {
    "country": lambda r: r["name"],
    "type": lambda r: r["label"],
    "requests": lambda r: r["requests"],
    "accounts": lambda r: r["accounts"],
    "pct": lambda r: -1 if r["pct_with_data"] is None else r["pct_with_data"],
    "accounts_with_data": lambda r: r["accounts_with_data"],
    "distinct_accounts": lambda r: r.get("distinct_accounts", 0),
    "distinct_accounts_with_data": lambda r: r.get("distinct_accounts_with_data", 0),
}


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Anyone: the list of published reports and requests per period."""
    reports = selectors.latest_per_period(
        list(selectors.published().order_by("-period", "-version").defer(*selectors.HEAVY))
    )
    reports.sort(key=lambda r: periods.sort_key(r.period), reverse=True)
    hist = sorted(((r.period, r.snapshot["totals"]["requests"]) for r in reports), key=lambda x: periods.sort_key(x[0]))
    oldest_first = sorted(reports, key=lambda r: periods.sort_key(r.period))
    return render(
        request,
        "transparency/index.html",
        {
            "reports": reports,
            "history_chart": charts.vertical_bars(hist, "Requests per period") if hist else None,
            "trends": trends.overall(oldest_first),
            "all_countries": list(countries),
        },
    )


@require_GET
def country_pick(request: HttpRequest) -> HttpResponse:
    """Anyone: the country picker's target (a plain GET form, no JavaScript needed)."""
    code = request.GET.get("code", "").upper()
    if not is_country(code):
        raise Http404("No such country")
    return redirect("transparency:country", code=code)


def _latest_oldest_first() -> list[Report]:
    reports = selectors.latest_per_period(
        list(selectors.published().order_by("-period", "-version").defer(*selectors.HEAVY))
    )
    reports.sort(key=lambda r: periods.sort_key(r.period))
    return reports


@require_GET
def country_csv(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone: one country's figures over every published period, as CSV."""
    code = code.upper()
    if not is_country(code):
        raise Http404("No such country")
    resp = HttpResponse(trends.country_csv(_latest_oldest_first(), code), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="transparency-{code}.csv"'
    return resp


# The rendered body of a published report page is cached: its numbers are frozen, and everything else
# it shows (versions, the history chart) changes only when something is published, which changes the
# publication generation in the key. Timeout: a day (a safety net; the key never goes stale).
PAGE_CACHE_SECONDS = 24 * 3600


@require_GET
def report_page(request: HttpRequest, period: str, version: int | None = None) -> HttpResponse:
    """Anyone: one published report (latest version, or an older one), from its frozen snapshot.

    Two queries on a cache hit (generation + nothing else: the key is period, version asked for,
    generation, language, sort); on a miss the page is built as before and its body kept."""
    try:
        code = periods.parse(period).code
    except periods.PeriodError:
        raise Http404("No such period") from None
    sort = request.GET.get("sort", "requests")
    if sort not in SORTABLE:
        sort = "requests"
    descending = request.GET.get("dir", "desc" if sort not in {"country", "type"} else "asc") == "desc"
    key = ":".join(
        (
            "tr-page",
            str(selectors.generation()),
            code,
            str(version or "latest"),
            translation.get_language() or "",
            sort,
            "d" if descending else "a",
        )
    )
    body = cache.get(key)
    if body is None:
        body = render_to_string("transparency/_report_body.html", _report_context(code, version, sort, descending))
        cache.set(key, body, PAGE_CACHE_SECONDS)
    return render(request, "transparency/report.html", {"period": code, "body": mark_safe(body)})  # noqa: S308


def _report_context(period: str, version: int | None, sort: str, descending: bool) -> dict:
    report = selectors.report_for(period, version)
    snap = report.snapshot
    versions = list(
        selectors.published()
        .filter(period=report.period)
        .order_by("-version")
        .values("version", "published_at", "change_note")
    )
    rows = sorted(snap["rows"], key=SORTABLE[sort], reverse=descending)
    distinct = "distinct_accounts" in snap["totals"]  # schema 2 and later
    headers = [
        (key, label, key == sort, "asc" if (key == sort and descending) else "desc")
        for key, label in (
            ("country", "Country"),
            ("type", "Request type"),
            ("requests", "Requests"),
            ("accounts", "Accounts specified"),
            ("pct", "% with some data produced"),
            ("accounts_with_data", "Accounts with data produced"),
            *(
                (
                    ("distinct_accounts", "Distinct accounts"),
                    ("distinct_accounts_with_data", "Distinct accounts with data"),
                )
                if distinct
                else ()
            ),
        )
    ]
    return {
        "report": report,
        "snap": snap,
        "charts": charts.report_charts(snap, selectors.history()),
        "rows": rows,
        "headers": headers,
        "sort": sort,
        "descending": descending,
        "distinct": distinct,
        "versions": versions,
        "latest": versions[0]["version"] if versions else report.version,
        "outcomes": [(OUTCOME_LABELS[o], snap["totals"][o]) for o in OUTCOMES],
        "dsa_summary": dsa.summary(snap),
    }


@require_GET
def country_page(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone: one country's figures across every published period (latest versions)."""
    code = code.upper()
    if not is_country(code):
        raise Http404("No such country")
    reports = _latest_oldest_first()
    history = []
    for r in reports:
        entry = next((c for c in r.snapshot["countries"] if c["country"] == code), None)
        rows = [row for row in r.snapshot["rows"] if row["country"] == code]
        history.append({"report": r, "entry": entry, "rows": rows})
    chart = charts.vertical_bars(
        [(h["report"].period, h["entry"]["requests"] if h["entry"] else 0) for h in history],
        f"Requests from {country_name(code)} per period",
    )
    return render(
        request,
        "transparency/country.html",
        {
            "code": code,
            "name": country_name(code),
            "history": list(reversed(history)),
            "chart": chart,
            "trends": trends.for_country(reports, code),
            "all_countries": list(countries),
            "selected": code,
        },
    )


@require_GET
def methodology(request: HttpRequest) -> HttpResponse:
    """Anyone: how the numbers are defined and computed."""
    return render(request, "transparency/methodology.html", {})


@require_GET
def public_key(request: HttpRequest) -> HttpResponse:
    """Anyone: the public key, and how to verify a report with it step by step."""
    return render(
        request,
        "transparency/key.html",
        {"pem": signing.public_key_pem(), "raw": signing.public_key_raw_b64(), **selectors.publisher()},
    )


@require_GET
def public_key_pem(request: HttpRequest) -> HttpResponse:
    """Anyone: the Ed25519 public key that verifies published reports (PEM)."""
    return HttpResponse(signing.public_key_pem(), content_type="text/plain; charset=utf-8")


@require_GET
def index_json(request: HttpRequest) -> JsonResponse:
    """Anyone: every published period and version, with hashes and full download links. One query."""
    return JsonResponse(selectors.index_document(), json_dumps_params={"indent": 1})


def _download(report: Report, body: str | bytes, ext: str, content_type: str, name: str = "report") -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    filename = f"transparency-{report.period}-v{report.version}-{name}.{ext}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def download_json(request: HttpRequest, period: str, version: int) -> HttpResponse:
    """Anyone: the signed JSON of a published report version."""
    report = selectors.report_for(period, version)
    body = json.dumps(services.signed_document(report), ensure_ascii=False, indent=1)
    return _download(report, body, "json", "application/json")


@require_GET
def download_csv(request: HttpRequest, period: str, version: int) -> HttpResponse:
    """Anyone: the country x request type table of a published report version."""
    report = selectors.report_for(period, version)
    return _download(report, downloads.report_csv(report.snapshot), "csv", "text/csv; charset=utf-8")


@require_GET
def download_dsa(request: HttpRequest, period: str, version: int) -> HttpResponse:
    """Anyone: the EU DSA export (Reg. 2024/2835 template) of a published report version."""
    report = selectors.report_for(period, version)
    if report.snapshot.get("dsa") is None and not report.snapshot.get("dsa_art10"):
        # Reg. 2024/2835 sets calendar-year (half-year for very large platforms) periods, not quarters.
        raise Http404(report.snapshot.get("dsa_note") or "The EU DSA export is published for annual reports only.")
    return _download(report, dsa.dsa_csv(report.snapshot), "csv", "text/csv; charset=utf-8", "dsa-art10")


@require_GET
def download_pdf(request: HttpRequest, period: str, version: int) -> HttpResponse:
    """Anyone: the PDF of a published report version (rendered once, then kept)."""
    report = selectors.report_for(period, version, with_heavy=True)
    return _download(report, services.report_render_pdf(report=report), "pdf", "application/pdf")


# ------------------------------------------------------------------ supervisors


def _supervisor_or_404(request: HttpRequest) -> None:
    # 404, not 403: the review pages do not advertise themselves. /transparency/ is exempt from the
    # middleware's forced 2FA enrolment (it is public), so the second factor is checked here.
    if not (is_supervisor(request.user) and session_mfa_verified(request)):
        raise Http404("Not found")


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """Legal supervisors only: build a draft for a period and see every report version."""
    _supervisor_or_404(request)
    if request.method == "POST":
        try:
            report = services.report_build(
                period=request.POST.get("period", ""),
                actor=request.user,
                change_note=request.POST.get("change_note", ""),
                background=True,
            )
        except (periods.PeriodError, services.ReportError) as exc:
            messages.error(request, str(exc))
            return redirect("transparency:manage")
        messages.success(request, f"Building the draft for {report.period}; this page shows its progress.")
        return redirect("transparency:draft", pk=report.pk)
    reports = Report.objects.defer(*selectors.HEAVY).order_by("-created_at")[:50]
    return render(request, "transparency/manage.html", {"reports": reports})


@require_GET
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Legal supervisors only: review a draft (progress while it builds, then its numbers)."""
    _supervisor_or_404(request)
    report = get_object_or_404(Report.objects.defer(*selectors.HEAVY), pk=pk)
    snap = report.snapshot
    ctx = {"report": report, "snap": snap}
    if snap:
        ctx["charts"] = charts.report_charts(snap, selectors.history())
        ctx["outcomes"] = [(OUTCOME_LABELS[o], snap["totals"][o]) for o in OUTCOMES]
        previous = selectors.published().filter(period=report.period).order_by("-version").first()
        ctx["has_published"] = previous is not None
        ctx["previous"] = previous
        ctx["changes"] = services.snapshot_changes(previous.snapshot if previous else None, snap)
        ctx["unfinished"] = services.unfinished_count(period=report.period) if report.status == "draft" else 0
        ctx["may_approve"] = report.created_by_id != request.user.pk
    return render(request, "transparency/draft.html", ctx)


@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Legal supervisors only: publish a reviewed draft (a correction needs a change note)."""
    _supervisor_or_404(request)
    report = get_object_or_404(Report, pk=pk)
    try:
        services.report_publish(
            report=report,
            actor=request.user,
            change_note=request.POST.get("change_note"),
            acknowledge_open=request.POST.get("acknowledge_open") == "1",
        )
    except services.ReportError as exc:
        messages.error(request, str(exc))
        return redirect("transparency:draft", pk=pk)
    messages.success(request, f"Published {report.period} version {report.version}.")
    return redirect(reverse("transparency:report_version", args=[report.period, report.version]))
