"""Pages of the production app: start a build, watch it, download it, holds, notices, orders lifted.

Every view says who may see it. Requests of another agency answer 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from requests_app import rules
from requests_app.errors import action_run
from requests_app.exceptions import PortalError
from requests_app.permissions import (
    client_ip,
    get_visible_request,
    is_agency_officer,
    is_custodian,
    is_staff_member,
    is_supervisor,
    second_factor_required,
    session_mfa_verified,
    visible_requests,
)
from requests_app.production import selectors, services
from requests_app.production.models import PreservationHold, Production, UserNotice


def _back(request: HttpRequest, lr) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("production:request", reference=lr.reference)


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    response = render(request, "production/refused.html", {"message": message}, status=403)
    return response


@second_factor_required
@require_GET
def request_page(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff (all requests) and officers of the requesting agency: the request's packages, holds and notices."""
    lr = get_visible_request(request.user, reference=reference)
    staff = is_staff_member(request.user)
    panel = selectors.staff_panel(request, lr) if staff else selectors.officer_panel(request, lr)
    return render(request, "production/request_page.html", {"lr": lr, "staff": staff, "production_panel": panel})


@second_factor_required
@require_POST
def production_start(request: HttpRequest, reference: str) -> HttpResponse:
    """Legal staff only: start (or re-queue) the production of an approved request."""
    lr = get_visible_request(request.user, reference=reference)
    if not is_staff_member(request.user):
        return _forbidden(request, "Only the legal team can start a production.")
    try:
        production = services.production_start(request=lr, actor=request.user, ip=client_ip(request))
    except PortalError as exc:
        messages.error(request, str(exc))
    else:
        if production is None:
            messages.info(
                request, "No account was found for any target; the request was closed with nothing to produce."
            )
        else:
            messages.success(request, "Production started.")
    return _back(request, lr)


def _visible_production(request: HttpRequest, pk: int) -> Production:
    production = get_object_or_404(Production.objects.select_related("request__agency"), pk=pk)
    if not visible_requests(request.user).filter(pk=production.request_id).exists():
        raise Http404("No such package")
    return production


@second_factor_required
@require_GET
def production_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Legal staff and officers of the requesting agency: the progress fragment (polled while building)."""
    production = _visible_production(request, pk)
    response = TemplateResponse(
        request,
        "production/_progress.html",
        {"p": production, "officer": is_agency_officer(request.user)},
    )
    response["Vary"] = "HX-Request"
    response["Cache-Control"] = "no-store"
    return response


@second_factor_required
@require_GET
def production_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Officers of the requesting agency, in a session verified with a second factor, until the link expires."""
    production = _visible_production(request, pk)
    if not is_agency_officer(request.user) or request.user.officer.agency_id != production.request.agency_id:
        raise Http404("No such package")
    if not session_mfa_verified(request):
        return _forbidden(request, "Sign in again with your authenticator app to download records.")
    if production.status == Production.Status.UNSIGNED:
        return _forbidden(
            request,
            "This package is not released yet: the platform's custodian of records must first sign its "
            "certificate of authenticity. You will get an e-mail when it is ready.",
        )
    try:
        chunks = services.production_download(production=production, user=request.user, ip=client_ip(request))
    except services.NotVisible:
        raise Http404("No such package") from None
    except services.PackageGone:
        return render(
            request,
            "production/refused.html",
            {
                "message": "This download link has expired and the package was deleted. Ask the legal team if you still need it."
            },
            status=410,
        )
    except services.PackageDamaged:
        return render(
            request,
            "production/refused.html",
            {
                "message": "This package cannot be served: the stored file is not the one that was built for you. "
                "This has been recorded; ask the legal team to build it again."
            },
            status=409,
        )
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{production.request.reference}-records-{production.pk}.zip"'
    )
    response["Content-Length"] = str(production.size)
    response["Cache-Control"] = "no-store"
    response["X-Content-SHA256"] = production.sha256
    return response


@second_factor_required
@require_POST
def certificate_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """Custodians of records only (staff with production.sign_certificate), in a session verified with a
    second factor: sign a package's certificate of authenticity, which releases the package."""
    production = _visible_production(request, pk)
    lr = production.request
    if not is_custodian(request.user):
        return _forbidden(request, "Only a custodian of records can sign a certificate of authenticity.")
    if not session_mfa_verified(request):
        return _forbidden(request, "Sign in again with your authenticator app to sign a certificate.")
    action_run(
        request,
        lambda: services.certificate_sign(production=production, actor=request.user, ip=client_ip(request)),
        "Certificate signed: the package is released to the agency.",
    )
    return _back(request, lr)


@second_factor_required
@require_POST
def hold_extend(request: HttpRequest, pk: int) -> HttpResponse:
    """Legal staff only: extend a preservation hold once."""
    hold = get_object_or_404(PreservationHold.objects.select_related("request"), pk=pk)
    lr = get_visible_request(request.user, pk=hold.request_id)
    if not is_staff_member(request.user):
        return _forbidden(request, "Only the legal team can extend a hold.")
    action_run(
        request,
        lambda: services.hold_extend(hold=hold, actor=request.user),
        lambda: f"Preservation extended until {hold.until:%Y-%m-%d}.",
    )
    return _back(request, lr)


@second_factor_required
@require_POST
def hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Legal supervisors only: end a preservation hold before its date, with a reason (audited)."""
    hold = get_object_or_404(PreservationHold.objects.select_related("request"), pk=pk)
    lr = get_visible_request(request.user, pk=hold.request_id)
    if not is_supervisor(request.user):
        return _forbidden(request, "Only a legal supervisor can release a preservation hold early.")
    action_run(
        request,
        lambda: services.hold_release(hold=hold, actor=request.user, reason=request.POST.get("reason", "")[:500]),
        f"Preservation on {hold.target} released; the data is no longer held for this request.",
    )
    return _back(request, lr)


@second_factor_required
@require_POST
def ndo_lift(request: HttpRequest, reference: str) -> HttpResponse:
    """Legal supervisors only: record that the request's nondisclosure order was lifted."""
    lr = get_visible_request(request.user, reference=reference)
    if not is_supervisor(request.user):
        return _forbidden(request, "Only a supervisor can record that a nondisclosure order was lifted.")
    action_run(
        request,
        lambda: services.ndo_lift(
            request=lr, actor=request.user, reason=request.POST.get("reason", "")[:300], ip=client_ip(request)
        ),
        "Recorded: the nondisclosure order was lifted. Held user notices will be sent.",
    )
    return _back(request, lr)


@second_factor_required
@require_POST
def ndo_record(request: HttpRequest, reference: str) -> HttpResponse:
    """Officers of the requesting agency (uploading the signed order) and legal supervisors: record,
    extend (18 U.S.C. 2705(b)) or replace a nondisclosure order after submission. Other agencies: 404."""
    from requests_app.production.forms import NdoForm

    lr = get_visible_request(request.user, reference=reference)
    own_agency = is_agency_officer(request.user) and request.user.officer.agency_id == lr.agency_id
    if not (own_agency or is_supervisor(request.user)):
        return _forbidden(request, "Only the requesting agency or a legal supervisor can record a nondisclosure order.")
    form = NdoForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request, lr)
    data = form.cleaned_data
    action_run(
        request,
        lambda: services.ndo_record(request=lr, actor=request.user, ip=client_ip(request), **data),
        "The nondisclosure order was recorded; the legal team can see it.",
    )
    return _back(request, lr)


@second_factor_required
@require_GET
def holds_list(request: HttpRequest) -> HttpResponse:
    """Legal staff: every active hold. Officers: their agency's holds. Others: nothing."""
    holds = (
        PreservationHold.objects.filter(request__in=visible_requests(request.user), released_at__isnull=True)
        .select_related("request__agency", "target")
        .order_by("until", "pk")[:500]
    )
    today = timezone.localdate()
    holds = list(holds)
    for hold in holds:
        hold.days_left = (hold.until - today).days
        hold.days_over = -hold.days_left
        hold.extendable = hold.can_extend and rules.hold_extension(hold.request.request_type) is not None
    staff = is_staff_member(request.user)
    return render(
        request,
        "production/holds.html",
        {"holds": holds, "staff": staff, "supervisor": is_supervisor(request.user), "here": request.path},
    )


@second_factor_required
@require_GET
def notices_list(request: HttpRequest) -> HttpResponse:
    """Legal staff only: user notices still held back (by an order) and recently sent."""
    if not is_staff_member(request.user):
        return _forbidden(request, "Only the legal team can see the user notice queue.")
    notices = UserNotice.objects.select_related("request__agency", "target").order_by("status", "send_after", "pk")[
        :500
    ]
    return render(request, "production/notices.html", {"notices": notices, "back": reverse("home")})
