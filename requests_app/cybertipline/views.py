"""The register at /legal/cybertipline/.

Who may see it: active platform staff whose session passed a second factor AND who hold the
dedicated permission `cybertipline.access_register`. Anonymous -> sign in; agency officers and
anyone else outside the legal team -> 404; legal staff without the permission -> 403.
Every page view and every file opening is an audit event. Files are sent as attachments, never inline.
"""

from __future__ import annotations

import csv
import io
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from requests_app.cybertipline import forms, rules, selectors
from requests_app.cybertipline import services as svc
from requests_app.cybertipline.access import can_access
from requests_app.cybertipline.models import CyberTipReport, ReportFile
from requests_app.models import LegalRequest
from requests_app.permissions import client_ip, staff_only
from requests_app.production.models import PreservationHold
from requests_app.services import PermissionDenied


def register_only(view):
    """The legal workspace's gate (permissions.staff_only), and the CyberTipline role on top."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not can_access(request.user):
            return HttpResponseForbidden(
                "The CyberTipline register is open only to staff holding the CyberTipline role. Ask an administrator."
            )
        return view(request, *args, **kwargs)

    return staff_only(wrapper)


def _report(reference: str) -> CyberTipReport:
    try:
        return selectors.report_detail(reference)
    except CyberTipReport.DoesNotExist:
        raise Http404("No such report") from None


def _back(report: CyberTipReport):
    return redirect(reverse("cybertipline:report", args=[report.reference]))


@require_GET
@register_only
def register(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.queue(status=request.GET.get("status") or None)[:200])
    svc.register_viewed(actor=request.user, ip=client_ip(request))
    return render(
        request,
        "cybertipline/register.html",
        {
            "rows": rows,
            "now": timezone.now(),
            "sla_hours": int(CyberTipReport.sla().total_seconds() // 3600),
            "Status": CyberTipReport.Status,
        },
    )


def _data(form: forms.ReportForm) -> svc.ReportData:
    d = form.cleaned_data
    files = []
    if d.get("file"):
        upload = d["file"]
        files.append(
            svc.FileInput(
                name=upload.name,
                content=upload.read(),
                chat_type=d["chat_type"],
                perceptual_hash=d["perceptual_hash"],
                publicly_available=d["publicly_available"],
            )
        )
    return svc.ReportData(
        incident_type=d["incident_type"],
        knowledge_at=d["knowledge_at"],
        detection_source=d["detection_source"],
        hash_list=d["hash_list"],
        summary=d["summary"],
        accounts=[
            svc.AccountInput(
                user_id=d["user_id"],
                username=d["username"],
                phone=d["phone"],
                signup_ip=d["signup_ip"] or None,
                upload_ip=d["upload_ip"] or None,
                upload_port=d["upload_port"],
                upload_at=d["upload_at"],
            )
        ],
        files=files,
        withheld_fields=d["withheld_fields"],
        withheld_reason=d["withheld_reason"],
        eu_nexus=d["eu_nexus"],
        eu_legal_basis=d["eu_legal_basis"],
    )


@require_http_methods(["GET", "POST"])
@register_only
def new(request: HttpRequest) -> HttpResponse:
    supplements = None
    ref = request.GET.get("supplements") or request.POST.get("supplements")
    if ref:
        supplements = get_object_or_404(CyberTipReport, reference=ref)
    form = forms.ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = _data(form)
            if supplements is not None:
                report = svc.report_supplement(report=supplements, actor=request.user, data=data)
            else:
                report = svc.report_create(actor=request.user, data=data)
        except svc.CyberTipError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Report {report.reference} recorded. A person must review it before it is sent.")
            return _back(report)
    return render(request, "cybertipline/new.html", {"form": form, "supplements": supplements})


@require_GET
@register_only
def report_detail(request: HttpRequest, reference: str) -> HttpResponse:
    report = _report(reference)
    svc.report_viewed(report=report, actor=request.user, ip=client_ip(request))
    files = list(report.files.all())
    holds = list(report.holds.all())
    return render(
        request,
        "cybertipline/report.html",
        {
            "report": report,
            "accounts": list(report.accounts.all()),
            "files": files,
            "holds": holds,
            "followups": list(report.followups.all()),
            "supplemented_by": list(report.supplemented_by.all()),
            "review_form": forms.ReviewForm(files_choices=[(f.pk, f.original_name) for f in files]),
            "retract_form": forms.RetractForm(),
            "extend_form": forms.HoldExtendForm(),
            "link_form": forms.LinkForm(),
            "now": timezone.now(),
            "sendable": rules.SENDABLE_FIELDS,
            "Status": CyberTipReport.Status,
        },
    )


def _act(request: HttpRequest, report: CyberTipReport, action, done: str) -> HttpResponse:
    try:
        action()
    except svc.CyberTipError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return _back(report)


@require_POST
@register_only
def review(request: HttpRequest, reference: str) -> HttpResponse:
    report = _report(reference)
    form = forms.ReviewForm(request.POST, files_choices=[(str(f.pk), f.original_name) for f in report.files.all()])
    if not form.is_valid():
        messages.error(request, "Check the review form.")
        return _back(report)
    viewed = [int(v) for v in form.cleaned_data["viewed"]]
    return _act(
        request,
        report,
        lambda: svc.report_review(
            report=report, actor=request.user, note=form.cleaned_data["note"], viewed_file_ids=viewed
        ),
        "Review recorded.",
    )


@require_POST
@register_only
def submit(request: HttpRequest, reference: str) -> HttpResponse:
    report = _report(reference)
    return _act(
        request, report, lambda: svc.report_submit(report=report, actor=request.user), "Submission to NCMEC started."
    )


@require_POST
@register_only
def retract(request: HttpRequest, reference: str) -> HttpResponse:
    report = _report(reference)
    form = forms.RetractForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the report is retracted.")
        return _back(report)
    return _act(
        request,
        report,
        lambda: svc.report_retract(report=report, actor=request.user, reason=form.cleaned_data["reason"]),
        "Report retracted.",
    )


@require_POST
@register_only
def hold_extend(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    report = _report(reference)
    hold = get_object_or_404(PreservationHold, pk=pk)
    form = forms.HoldExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the new end date and the reason.")
        return _back(report)
    return _act(
        request,
        report,
        lambda: svc.report_hold_extend(
            report=report,
            hold=hold,
            actor=request.user,
            until=form.cleaned_data["until"],
            reason=form.cleaned_data["reason"],
        ),
        "Hold extended.",
    )


@require_POST
@register_only
def link(request: HttpRequest, reference: str) -> HttpResponse:
    report = _report(reference)
    form = forms.LinkForm(request.POST)
    lr = LegalRequest.objects.filter(reference=(request.POST.get("reference") or "").strip().upper()).first()
    if not form.is_valid() or lr is None:
        messages.error(request, "No law-enforcement request has that reference.")
        return _back(report)
    return _act(
        request,
        report,
        lambda: svc.followup_link(report=report, request=lr, actor=request.user),
        f"{lr.reference} linked as a follow-up.",
    )


@require_GET
@register_only
def file_download(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Always an attachment with a neutral name and type: the browser never renders it inline."""
    report = _report(reference)
    f = get_object_or_404(ReportFile, pk=pk, report=report)
    try:
        content = svc.file_open(file=f, actor=request.user, ip=client_ip(request))
    except PermissionDenied as exc:  # the stored file is not the recorded one: never served
        messages.error(request, str(exc))
        return redirect(reverse("cybertipline:report", args=[report.reference]))
    resp = HttpResponse(content, content_type="application/octet-stream")
    resp["Content-Disposition"] = f'attachment; filename="{report.reference}-file-{f.pk}.bin"'
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "no-store"
    return resp


@require_GET
@register_only
def eu_annual_csv(request: HttpRequest) -> HttpResponse:
    """Reg. (EU) 2021/1232 Art. 3(1)(g)(vii): the annual report's data, one row per incident type."""
    try:
        year = int(request.GET.get("year") or timezone.now().year - 1)
    except ValueError:
        return HttpResponse("The year must be a number, e.g. ?year=2026.", status=400)
    rows = selectors.eu_annual_rows(year)
    svc.register_viewed(actor=request.user, ip=client_ip(request), what=f"EU annual report data {year}")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    resp = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="eu-2021-1232-annual-{year}.csv"'
    return resp
