"""The legal workspace at /legal/: the queue, the request page, review actions, the audit trail.

Who may see it: active platform staff (reviewer, supervisor, admin) whose session
passed a second factor. Anonymous users are sent to sign in; everyone else (agency
officers included) gets 404, so the workspace does not reveal what it holds.
Views stay thin: forms check input, services do the work.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from requests_app import dsa_categories, lifecycle, rules
from requests_app.audit import event_intact
from requests_app.cybertipline import selectors as cybertip_selectors
from requests_app.lifecycle import Status, TransitionError
from requests_app.models import Decision, Document, LegalRequest, Message, RequestEvent, Target
from requests_app.permissions import (
    client_ip,
    get_visible_request,
    is_staff_member,
    is_supervisor,
    session_mfa_verified,
)
from requests_app.review import forms
from requests_app.review import services as svc
from requests_app.review.filters import QueueFilter, staff_users
from requests_app.review.models import EmergencyVerification, Letter
from requests_app.services import DocumentUnavailable, PermissionDenied, actor_role

PAGE_SIZE = 50


def staff_only(view):
    """Anonymous -> sign in; not staff -> 404; staff without a second factor this session -> 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(request.user):
            raise Http404("No such page")
        if not session_mfa_verified(request):
            return HttpResponseForbidden(
                "Sign out and sign in again with your authenticator code to use the legal workspace."
            )
        return view(request, *args, **kwargs)

    return wrapper


def _target_count():
    counts = (
        Target.objects.filter(request=OuterRef("pk")).order_by().values("request").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def queue_rows(filterset: QueueFilter, offset: int, limit: int) -> list[LegalRequest]:
    """One query: the page of rows, with agency, assignee and the target count."""
    return list(
        filterset.qs.select_related("agency", "assignee__officer")
        .annotate(target_count=_target_count())
        .queue_order()[offset : offset + limit]
    )


@require_GET
@staff_only
def queue(request: HttpRequest) -> HttpResponse:
    """Staff: the queue of requests, emergencies first, then by due time; filters and search."""
    base = LegalRequest.objects.all() if request.GET.get("status") else LegalRequest.objects.open()
    filterset = QueueFilter(request.GET or None, queryset=base)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    if filterset.is_bound and not filterset.is_valid():
        rows, has_next = [], False
    else:
        if not filterset.is_bound:
            filterset = QueueFilter(None, queryset=base)
        fetched = queue_rows(filterset, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
        rows, has_next = fetched[:PAGE_SIZE], len(fetched) > PAGE_SIZE
    params = request.GET.copy()
    params.pop("page", None)
    # Comprehensions, not list(): list() asks ModelChoiceIterator for len(), which is a COUNT query.
    fields = filterset.form.fields
    return render(
        request,
        "review/queue.html",
        {
            "filter": filterset,
            "rows": rows,
            "page": page,
            "has_next": has_next,
            "querystring": params.urlencode(),
            "country_choices": [c for c in fields["country"].choices],
            "agency_choices": [c for c in fields["agency"].choices],
            "now": timezone.now(),
        },
    )


def _request_for_staff(request: HttpRequest, reference: str) -> LegalRequest:
    return get_visible_request(request.user, reference=reference)


@require_GET
@staff_only
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: everything about one request, the actions its state allows, the timeline and messages."""
    lr = _request_for_staff(request, reference)
    decisions = list(Decision.objects.filter(request=lr).select_related("decided_by__officer", "approved_by__officer"))
    by_category = {d.category: d for d in decisions}
    categories = [
        {"info": rules.CATEGORIES[c], "decision": by_category.get(c)}
        for c in lr.data_categories
        if c in rules.CATEGORIES
    ]
    summary = svc.decisions_summary(lr, decisions)
    events = list(RequestEvent.objects.filter(request=lr).select_related("actor__officer").order_by("id"))
    thread = list(Message.objects.filter(request=lr).select_related("author__officer"))
    me = request.user
    context = {
        "lr": lr,
        "findings": lr.findings,
        "targets": list(lr.targets.all()),
        "documents": list(lr.documents.all()),
        "categories": categories,
        "summary": summary,
        "verifications": list(EmergencyVerification.objects.filter(request=lr).select_related("recorded_by__officer")),
        "letters": list(Letter.objects.filter(request=lr).select_related("document")),
        "events": events,
        "thread": thread,
        "now": timezone.now(),
        "is_supervisor": is_supervisor(me),
        "staff": list(staff_users()),
        "can_message": _message_post() is not None,
        "verification_form": forms.VerificationForm(),
        "info_form": forms.InfoForm(),
        "reject_form": forms.RejectForm(),
        "resume_form": forms.ResumeForm(),
        "approve_form": forms.ApproveForm(),
        "message_form": forms.MessageForm(),
        "reason_choices": [(c.value, c.label) for c in LegalRequest.RejectionReason],
        "e2ee_explanation": rules.E2EE_EXPLANATION,
        "dsa_choices": dsa_categories.choices(),
        "Status": Status,
        # Only staff holding the CyberTipline role see the reports a request follows up.
        "cybertip_reports": cybertip_selectors.for_request(me, lr),
        # What this person may do here comes from the lifecycle's transition table.
        "actions": lifecycle.actions_for(lr.status, actor_role(me)),
    }
    return render(request, "review/request.html", context)


def _back(lr: LegalRequest) -> HttpResponse:
    return redirect(reverse("review:request", args=[lr.reference]))


def _run(request: HttpRequest, lr: LegalRequest, action, success: str) -> HttpResponse:
    """Call a service; a refusal becomes a message on the request page, nothing half-saved."""
    try:
        action()
    except (TransitionError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return _back(lr)


def _form_errors(request: HttpRequest, lr: LegalRequest, form) -> HttpResponse:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
    return _back(lr)


@require_POST
@staff_only
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: take a request ("me"), give it back (""), or (supervisors) give it to someone."""
    lr = _request_for_staff(request, reference)
    value = request.POST.get("assignee", "")
    if value == "me":
        assignee = request.user
    elif value == "":
        assignee = None
    else:
        assignee = get_user_model().objects.filter(pk=value).first() if value.isdigit() else None
        if assignee is None:
            messages.error(request, "Choose someone on the legal team.")
            return _back(lr)
    response = _run(
        request,
        lr,
        lambda: svc.request_assign(request=lr, assignee=assignee, actor=request.user, ip=client_ip(request)),
        "Assignment saved.",
    )
    if request.POST.get("next") == "queue":
        return redirect(reverse("review:queue"))
    return response


@require_POST
@staff_only
def dsa_classify(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: correct the DSA illegal-content category; flag a national-law order meeting Art. 10(2)."""
    lr = _request_for_staff(request, reference)
    return _run(
        request,
        lr,
        lambda: svc.request_dsa_classify(
            request=lr,
            actor=request.user,
            dsa_category=request.POST.get("dsa_category", ""),
            art10_2=request.POST.get("dsa_art10_2") == "1",
            ip=client_ip(request),
        ),
        "DSA classification saved.",
    )


@require_POST
@staff_only
def start(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: start the legal review of a validated request."""
    lr = _request_for_staff(request, reference)
    return _run(
        request, lr, lambda: svc.review_start(request=lr, actor=request.user, ip=client_ip(request)), "Review started."
    )


@require_POST
@staff_only
def verify(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: record the out-of-band check of an emergency request."""
    lr = _request_for_staff(request, reference)
    form = forms.VerificationForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, lr, form)
    check = svc.VerificationInput(**form.cleaned_data)
    return _run(
        request,
        lr,
        lambda: svc.emergency_verify(request=lr, actor=request.user, check=check, ip=client_ip(request)),
        "Verification recorded.",
    )


@require_POST
@staff_only
def request_info(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: ask the agency for information (the clock stops)."""
    lr = _request_for_staff(request, reference)
    form = forms.InfoForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, lr, form)
    question = form.cleaned_data["question"]
    return _run(
        request,
        lr,
        lambda: svc.review_request_info(request=lr, actor=request.user, question=question, ip=client_ip(request)),
        "Question sent; the clock is paused.",
    )


@require_POST
@staff_only
def resume(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: resume the review of a request waiting on the agency."""
    lr = _request_for_staff(request, reference)
    form = forms.ResumeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _run(
        request,
        lr,
        lambda: svc.review_resume(request=lr, actor=request.user, note=note, ip=client_ip(request)),
        "Review resumed.",
    )


@require_POST
@staff_only
def reject(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: reject a request with a reason code and a note."""
    lr = _request_for_staff(request, reference)
    form = forms.RejectForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, lr, form)
    data = form.cleaned_data
    return _run(
        request,
        lr,
        lambda: svc.review_reject(
            request=lr, actor=request.user, reason_code=data["reason_code"], note=data["note"], ip=client_ip(request)
        ),
        "Request rejected.",
    )


@require_POST
@staff_only
def decide(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: approve or deny one requested data category."""
    lr = _request_for_staff(request, reference)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, lr, form)
    data = form.cleaned_data
    return _run(
        request,
        lr,
        lambda: svc.decision_record(
            request=lr,
            actor=request.user,
            category=data["category"],
            verdict=data["verdict"],
            reason_code=data["reason_code"],
            note=data["note"],
            ip=client_ip(request),
        ),
        "Decision recorded.",
    )


@require_POST
@staff_only
def approve_decision(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Supervisors (not the decider): put a decision that needs four eyes into effect."""
    lr = _request_for_staff(request, reference)
    decision = get_object_or_404(Decision, pk=pk, request=lr)
    return _run(
        request,
        lr,
        lambda: svc.decision_approve(decision=decision, actor=request.user, ip=client_ip(request)),
        "Decision approved.",
    )


@require_POST
@staff_only
def approve(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: conclude the review from the decisions in effect (approved, partially approved, or rejected)."""
    lr = _request_for_staff(request, reference)
    form = forms.ApproveForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _run(
        request,
        lr,
        lambda: svc.review_approve(request=lr, actor=request.user, note=note, ip=client_ip(request)),
        "Review concluded.",
    )


def _message_post():
    try:
        from requests_app.intake.services import message_post
    except ImportError:
        return None
    return message_post


@require_POST
@staff_only
def message(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: write to the agency in the request's message thread."""
    lr = _request_for_staff(request, reference)
    post = _message_post()
    if post is None:
        messages.error(request, "Messages are not available yet.")
        return _back(lr)
    form = forms.MessageForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, lr, form)
    body = form.cleaned_data["body"]
    return _run(
        request, lr, lambda: post(request=lr, author=request.user, body=body, ip=client_ip(request)), "Message sent."
    )


@require_GET
@staff_only
def document(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Staff: open one document of the request inline; every opening is recorded."""
    lr = _request_for_staff(request, reference)
    doc: Document = get_object_or_404(Document, pk=pk, request=lr)
    try:
        content = svc.document_open(document=doc, actor=request.user, ip=client_ip(request))
    except DocumentUnavailable as exc:  # quarantined, not scanned, or altered on storage: never served
        messages.error(request, str(exc))
        return _back(lr)
    response = HttpResponse(content, content_type="application/pdf")
    safe_name = "".join(ch for ch in doc.filename if ch.isalnum() or ch in "._-") or "document.pdf"
    response["Content-Disposition"] = f'inline; filename="{safe_name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@staff_only
def audit(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: the request's full audit trail, each event's leaf hash rechecked (pending ones are not yet in the tree)."""
    lr = _request_for_staff(request, reference)
    events = list(
        RequestEvent.objects.filter(request=lr)
        .select_related("actor__officer")
        .order_by(F("seq").asc(nulls_last=True), "id")
    )
    rows = [{"event": e, "intact": event_intact(e)} for e in events]
    all_intact = all(r["intact"] is not False for r in rows)
    return render(request, "review/audit.html", {"lr": lr, "rows": rows, "all_intact": all_intact})
