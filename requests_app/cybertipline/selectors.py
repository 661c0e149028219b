"""Reads of the register: the queue, one report with everything it shows, a request's reports,
the public counts for a transparency period, and the EU annual-report rows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet

from requests_app.cybertipline.access import can_access
from requests_app.cybertipline.models import CyberTipReport, ReportedAccount
from requests_app.models import LegalRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def queue(*, status: str | None = None) -> QuerySet[CyberTipReport]:
    """Open reports first, the soonest due (oldest knowledge) at the top; then the rest, newest first."""
    qs = CyberTipReport.objects.select_related("reviewed_by__officer").annotate(
        account_count=Count("accounts", distinct=True), file_count=Count("files", distinct=True)
    )
    if status:
        return qs.filter(status=status).order_by("knowledge_at", "pk")
    return qs.order_by("knowledge_at", "pk")


def report_detail(reference: str) -> CyberTipReport:
    return (
        CyberTipReport.objects.select_related("reviewed_by__officer", "supplements", "retracted_by", "created_by")
        .prefetch_related(
            "accounts",
            "files",
            Prefetch("followups", queryset=LegalRequest.objects.select_related("agency")),
            "holds__followups",
            "supplemented_by",
        )
        .get(reference=reference)
    )


def for_request(user: User, request: LegalRequest) -> list[CyberTipReport] | None:
    """The reports a law-enforcement request follows up, with their holds; None if the user may not know."""
    if not can_access(user):
        return None
    return list(request.cybertip_reports.prefetch_related("holds").order_by("pk"))


def public_counts(start: datetime, end: datetime) -> dict:
    """The transparency report's CyberTipline section for [start, end) — kept apart from request totals.

    reports_submitted: reports NCMEC acknowledged in the period, supplements included (also given
    apart); retracted reports are not counted. accounts_reported: distinct platform accounts named in
    those reports. followup_requests: law-enforcement requests received in the period linked to any
    CyberTipline report.
    """
    acknowledged = CyberTipReport.objects.filter(
        acknowledged_at__gte=start, acknowledged_at__lt=end, retracted_at__isnull=True
    )
    totals = acknowledged.aggregate(reports=Count("pk"), supplements=Count("pk", filter=Q(supplements__isnull=False)))
    accounts = ReportedAccount.objects.filter(report__in=acknowledged).values("user_id").distinct().count()
    by_type = dict(
        acknowledged.values_list("incident_type").annotate(n=Count("pk")).order_by().values_list("incident_type", "n")
    )
    followups = (
        LegalRequest.objects.filter(received_at__gte=start, received_at__lt=end, cybertip_reports__isnull=False)
        .distinct()
        .count()
    )
    return {
        "reports_submitted": totals["reports"],
        "of_which_supplements": totals["supplements"],
        "accounts_reported": accounts,
        "followup_requests": followups,
        "by_incident_type": {k: by_type.get(k, 0) for k in sorted(by_type)},
        "counted_in_request_totals": False,
    }


def eu_annual_rows(year: int) -> list[dict]:
    """Reg. (EU) 2021/1232 Art. 3(1)(g)(vii): what the operator's annual report needs, per incident type."""
    from requests_app.cybertipline import rules

    reports = CyberTipReport.objects.filter(eu_nexus=True, knowledge_at__year=year)
    rows = []
    for code in rules.INCIDENT_TYPES:
        qs = reports.filter(incident_type=code)
        agg = qs.aggregate(
            cases=Count("pk", distinct=True),
            reported=Count("pk", filter=Q(status="submitted"), distinct=True),
            files=Count("files", distinct=True),
            hash_matches=Count("pk", filter=Q(detection_source="hash_match"), distinct=True),
            classifier=Count("pk", filter=Q(detection_source="classifier"), distinct=True),
            user_reports=Count("pk", filter=Q(detection_source="user_report"), distinct=True),
            complaints=Count("pk", filter=Q(eu_complaint=True), distinct=True),
            retracted=Count("pk", filter=Q(status="retracted"), distinct=True),
        )
        outcomes = sorted(set(qs.exclude(eu_complaint_outcome="").values_list("eu_complaint_outcome", flat=True)))
        rows.append(
            {
                "year": year,
                "incident_type": code,
                "material_or_solicitation": "solicitation" if code == "online_enticement" else "material",
                "cases_identified": agg["cases"],
                "cases_reported_to_ncmec": agg["reported"],
                "files_processed": agg["files"],
                "data_types_processed": "images and videos (hashes and content), account identifiers, IP addresses",
                "detected_by_hash_match": agg["hash_matches"],
                "detected_by_classifier": agg["classifier"],
                "detected_by_user_report": agg["user_reports"],
                "complaints": agg["complaints"],
                "complaint_outcomes": "; ".join(outcomes),
                "retracted_as_error": agg["retracted"],
                "legal_basis": rules.EU_LEGAL_BASES["reg_2021_1232_art3"],
                "retention": "Report data and files kept for one year from NCMEC's acknowledgement "
                "(18 U.S.C. 2258A(h)); longer only by a recorded voluntary extension",
                "derogation_applies_until": rules.EU_DEROGATION_END.isoformat(),
            }
        )
    return rows
