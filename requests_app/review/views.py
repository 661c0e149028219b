"""The legal workspace at /legal/: the queue, the request page, review actions, the audit trail.

Who may see it: active platform staff (reviewer, supervisor, admin) whose session
passed a second factor. Anonymous users are sent to sign in; everyone else (agency
officers included) gets 404, so the workspace does not reveal what it holds.
Views stay thin: forms check input, services do the work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from requests_app import dsa_categories, lifecycle, rules
from requests_app.audit import event_intact
from requests_app.cybertipline import selectors as cybertip_selectors
from requests_app.errors import action_run
from requests_app.exceptions import PortalError
from requests_app.lifecycle import Status
from requests_app.models import Decision, Document, LegalRequest, Message, RequestEvent, Target
from requests_app.permissions import (
    client_ip,
    get_visible_request,
    is_supervisor,
    staff_only,
)
from requests_app.production import selectors as production_selectors
from requests_app.production.forms import NdoForm
from requests_app.production.services import ndo_record as production_ndo_record
from requests_app.production.services import notice_danger_over, notice_decide
from requests_app.review import forms, workspace
from requests_app.review import selectors as review_selectors
from requests_app.review import services as svc
from requests_app.review.filters import QueueFilter, staff_users
from requests_app.review.models import EmergencyVerification, Letter, SavedView
from requests_app.services import DocumentUnavailable, actor_role

PAGE_SIZE = 50


def queue_rows(filterset: QueueFilter, offset: int, limit: int, sort=None) -> list[LegalRequest]:
    """Two queries, however many rows: the page (with agency and assignee), then its targets' request ids,
    counted here. No COUNT in SQL: the queue never asks the database to count (issue 16)."""
    qs = filterset.qs.select_related("agency", "assignee__officer")
    rows = list(workspace.apply_sort(qs, sort)[offset : offset + limit])
    counts = Counter(Target.objects.filter(request__in=[r.pk for r in rows]).values_list("request_id", flat=True))
    for row in rows:
        row.target_count = counts.get(row.pk, 0)
    return rows


def _queue_params(request: HttpRequest):
    """The GET parameters the queue works from: a built-in view (?view=mine) expands to its filters."""
    params = request.GET.copy()
    slug = params.get("view", "")
    builtin = workspace.builtin_params(slug, request.user) if slug else None
    if builtin is not None:
        sort = params.get("sort")
        params = QueryDict(mutable=True)
        params.update(builtin)
        if sort:
            params["sort"] = sort
    params.pop("view", None)
    return params, (slug if builtin is not None else "")


@require_GET
@staff_only
def queue(request: HttpRequest) -> HttpResponse:
    """Staff: the queue of requests, emergencies first, then by due time; filters, search, sortable
    columns (?sort=, whitelisted), saved views, bulk assignment and an approximate total."""
    params, active_view = _queue_params(request)
    filters = {k: v for k, v in params.items() if k not in ("page", "sort")}
    base = LegalRequest.objects.all() if params.get("status") else LegalRequest.objects.open()
    filterset = QueueFilter(params if filters else None, queryset=base)
    sort = workspace.parse_sort(params.get("sort"))
    try:
        page = max(1, int(params.get("page", "1")))
    except ValueError:
        page = 1
    total = None
    if filterset.is_bound and not filterset.is_valid():
        rows, has_next = [], False
    else:
        if not filterset.is_bound:
            filterset = QueueFilter(None, queryset=base)
        fetched = queue_rows(filterset, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1, sort)
        rows, has_next = fetched[:PAGE_SIZE], len(fetched) > PAGE_SIZE
        if page == 1 and not has_next:
            total = workspace.Total(len(rows), exact=True)  # the page holds them all: no second query
        else:
            estimate_qs = None
            if params.get("overdue") == "true" and not params.get("status"):
                # Same rows (overdue states are all open), but one status list instead of two: PostgreSQL
                # multiplies the two lists' selectivities and guesses ten times too few otherwise.
                estimate_qs = QueueFilter(params, queryset=LegalRequest.objects.all()).qs
            total = workspace.queue_total(filterset.qs, estimate_qs=estimate_qs)
    params.pop("page", None)
    current_query = workspace.clean_query(params.urlencode())
    without_sort = params.copy()
    without_sort.pop("sort", None)
    sort_key, sort_desc = sort if sort else ("", False)
    columns = []
    for key, label in workspace.SORT_LABELS.items():
        descending_next = key == sort_key and not sort_desc
        link = without_sort.copy()
        link["sort"] = f"-{key}" if descending_next else key
        columns.append(
            {
                "key": key,
                "label": label,
                "href": "?" + link.urlencode(),
                "aria_sort": ("descending" if sort_desc else "ascending") if key == sort_key else "",
            }
        )
    saved = list(SavedView.objects.filter(owner=request.user))
    supervisor = is_supervisor(request.user)
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
            "current_query": current_query,
            "country_choices": [c for c in fields["country"].choices],
            "agency_choices": [c for c in fields["agency"].choices],
            "now": timezone.now(),
            "total": total,
            "showing_open": not params.get("status"),
            "columns": columns,
            "sort": params.get("sort", "") if sort else "",
            "builtin_views": workspace.BUILTIN_VIEWS,
            "active_view": active_view,
            "saved_views": saved,
            # Only supervisors may give requests to a colleague: nobody else needs the list (or its query).
            "staff": [u for u in staff_users()] if supervisor else [],
            "is_supervisor": supervisor,
            "save_view_form": forms.SavedViewForm(),
        },
    )


def _queue_back(request: HttpRequest) -> HttpResponse:
    """Back to the queue with the filters the form came from (only the whitelisted keys)."""
    query = workspace.clean_query(request.POST.get("back", ""))
    return redirect(reverse("review:queue") + (f"?{query}" if query else ""))


@require_POST
@staff_only
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Staff: assign the selected requests (to me, to nobody, or, for supervisors, to someone), all or nothing."""
    refs = request.POST.getlist("ref")
    value = request.POST.get("assignee", "")
    if value == "me":
        assignee = request.user
    elif value == "nobody":
        assignee = None
    else:
        assignee = get_user_model().objects.filter(pk=value).first() if value.isdigit() else None
        if assignee is None:
            messages.error(request, "Choose whom to assign the selected requests to.")
            return _queue_back(request)
    result = workspace.bulk_assign(references=refs, assignee=assignee, actor=request.user, ip=client_ip(request))
    if result.ok:
        who = "you" if assignee == request.user else (svc._name(assignee) if assignee else "nobody")
        n = len(result.assigned)
        messages.success(
            request, f"{n} request{'s' if n != 1 else ''} assigned to {who}: {', '.join(result.assigned)}."
        )
    else:
        n = len(result.refused)
        messages.error(
            request,
            "Nothing was changed. "
            + (
                f"{n} of the selected requests cannot be assigned that way: "
                if any(ref for ref, _ in result.refused)
                else ""
            )
            + " ".join(f"{ref}: {why}" if ref else why for ref, why in result.refused),
        )
    return _queue_back(request)


@require_POST
@staff_only
def saved_view_create(request: HttpRequest) -> HttpResponse:
    """Staff: save the queue's current filters and sort under a name (their own, nobody else sees it)."""
    try:
        view = workspace.saved_view_save(
            owner=request.user, name=request.POST.get("name", ""), query=request.POST.get("back", "")
        )
    except PortalError as exc:
        messages.error(request, str(exc))
        return _queue_back(request)
    messages.success(request, f"View “{view.name}” saved.")
    return redirect(reverse("review:queue") + f"?{view.query}")


@require_POST
@staff_only
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: delete one of their own saved views (someone else's: 404)."""
    if not workspace.saved_view_delete(owner=request.user, pk=pk):
        raise Http404("No such view")
    messages.success(request, "View deleted.")
    return redirect(reverse("review:queue"))


@require_POST
@staff_only
def note(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: add an internal note to the request (the agency never sees it)."""
    lr = _request_for_staff(request, reference)
    try:
        workspace.note_add(request=lr, actor=request.user, body=request.POST.get("body", ""), ip=client_ip(request))
    except PortalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Internal note saved.")
    return redirect(reverse("review:request", args=[lr.reference]) + "#notes")


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
    summary = review_selectors.decisions_summary(lr, decisions)
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
        "dsa_choices": dsa_categories.reviewer_choices(),
        "Status": Status,
        # Only staff holding the CyberTipline role see the reports a request follows up.
        "cybertip_reports": cybertip_selectors.for_request(me, lr),
        # Issue 16: the legal team's internal notes (staff only; never on officer pages or the API).
        "notes": workspace.notes_for(request=lr, viewer=me),
        # What this person may do here comes from the lifecycle's transition table.
        "actions": lifecycle.actions_for(lr.status, actor_role(me)),
        **_safeguards(lr, timezone.now(), me),
        "production_panel": production_selectors.staff_panel(request, lr),
    }
    return render(request, "review/request.html", context)


def _hours_minutes(delta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _safeguards(lr: LegalRequest, now, me) -> dict:
    """What the review page shows of the EU e-Evidence safeguards and the user-notice policy."""
    blocked = rules.transfer_blocked(
        now=now,
        received_at=lr.received_at,
        validation_due_at=lr.validation_due_at,
        validated_at=lr.validated_at,
        validation_refused_at=lr.validation_refused_at,
        notification_required=lr.enforcing_notification_required,
        notified_at=lr.enforcing_notified_at,
        enforcing_confirmed_at=lr.enforcing_confirmed_at,
        enforcing_refused_at=lr.enforcing_refused_at,
    )
    validation = None
    if lr.validation_due_at is not None:
        # Reg. 2023/1543 Art. 4(5): the 48-hour clock of an emergency order's ex-post validation.
        left = lr.validation_due_at - now
        validation = {
            "due_at": lr.validation_due_at,
            "open": not (lr.validated_at or lr.validation_refused_at),
            "late": left.total_seconds() < 0,
            "left": _hours_minutes(left),
        }
    enforcing = None
    if lr.enforcing_notification_required:
        # Art. 10(2): 10 days from receipt (or the notification, if later) unless the enforcing State confirms.
        wait_ends = (
            max(lr.received_at, lr.enforcing_notified_at) + rules.EPOC_NOTIFICATION_WAIT
            if lr.enforcing_notified_at
            else None
        )
        enforcing = {
            "wait_ends": wait_ends,
            "waiting": bool(wait_ends and now < wait_ends and not lr.enforcing_confirmed_at),
            "answered": bool(lr.enforcing_confirmed_at or lr.enforcing_refused_at),
        }
    policy = rules.notice_policy(lr.request_type, emergency=lr.emergency)
    return {
        "transfer_blocked": blocked,
        "validation": validation,
        "enforcing": enforcing,
        "notice_policy": str(policy),
        "notice_policy_reason": rules.NOTICE_POLICY_REASONS[policy],
        "can_danger_over": policy is rules.NoticePolicy.AFTER_DANGER and lr.danger_over_at is None,
        "can_notice_decide": policy is rules.NoticePolicy.REVIEWER_DECISION and not lr.notice_decision,
        "validation_form": forms.ValidationForm(),
        "danger_form": forms.DangerOverForm(),
        "notice_form": forms.NoticeDecisionForm(),
        "ndo_form": NdoForm(),
        "change_form": forms.ChangeDecisionForm(),
    }


def _back(lr: LegalRequest) -> HttpResponse:
    return redirect(reverse("review:request", args=[lr.reference]))


def _run(request: HttpRequest, lr: LegalRequest, action, success: str) -> HttpResponse:
    """Call a service; a refusal becomes a message on the request page, nothing half-saved."""
    action_run(request, action, success)
    return _back(lr)


def _form_errors(request: HttpRequest, lr: LegalRequest, form) -> HttpResponse:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
    return _back(lr)


def _form_action(
    request: HttpRequest,
    reference: str,
    form_class: type[django_forms.Form],
    action: Callable[[LegalRequest, dict[str, Any]], object],
    success: str | Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """One staff action on a request from a form: a form error or a refusal becomes a message on the
    request page and nothing is saved; otherwise `action(request, cleaned data)` and `success`."""
    lr = _request_for_staff(request, reference)
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        return _form_errors(request, lr, form)
    data = form.cleaned_data
    return _run(request, lr, lambda: action(lr, data), success(data) if callable(success) else success)


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
    return _form_action(
        request,
        reference,
        forms.VerificationForm,
        lambda lr, data: svc.emergency_verify(
            request=lr, actor=request.user, check=svc.VerificationInput(**data), ip=client_ip(request)
        ),
        "Verification recorded.",
    )


@require_POST
@staff_only
def request_info(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: ask the agency for information (the clock stops)."""
    return _form_action(
        request,
        reference,
        forms.InfoForm,
        lambda lr, data: svc.review_request_info(request=lr, actor=request.user, ip=client_ip(request), **data),
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
    return _form_action(
        request,
        reference,
        forms.RejectForm,
        lambda lr, data: svc.review_reject(request=lr, actor=request.user, ip=client_ip(request), **data),
        "Request rejected.",
    )


@require_POST
@staff_only
def decide(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: approve or deny one requested data category."""
    return _form_action(
        request,
        reference,
        forms.DecisionForm,
        lambda lr, data: svc.decision_record(request=lr, actor=request.user, ip=client_ip(request), **data),
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


# ---------------------------------------------------------------------------------
# Legal safeguards after submission (issue 10)
# ---------------------------------------------------------------------------------


@require_POST
@staff_only
def epoc_validation(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: record the ex-post validation of an emergency EPOC, or its refusal (Reg. 2023/1543 Art. 4(5))."""
    return _form_action(
        request,
        reference,
        forms.ValidationForm,
        lambda lr, data: svc.epoc_validation_record(
            request=lr,
            actor=request.user,
            validated=data["outcome"] == "validated",
            validator=data["validator"],
            at=data["at"],
            ip=client_ip(request),
        ),
        lambda data: (
            "Validation recorded: production may go ahead."
            if data["outcome"] == "validated"
            else "Refusal recorded: the order is withdrawn and nothing will be produced."
        ),
    )


@require_POST
@staff_only
def enforcing_state(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: record the enforcing State's notification, confirmation or refusal (Reg. 2023/1543 Art. 8, 10(2), 12)."""
    lr = _request_for_staff(request, reference)
    form = forms.EnforcingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Record a notification, a confirmation or a refusal, with a valid time.")
        return _back(lr)
    data = form.cleaned_data
    done = {
        "notified": "Notification recorded: the enforcing State has 10 days to raise a ground for refusal.",
        "confirmed": "Confirmation recorded: the records may be transferred.",
        "refused": "Refusal recorded: nothing will be transferred.",
    }[data["event"]]
    return _run(
        request,
        lr,
        lambda: svc.enforcing_state_record(
            request=lr, actor=request.user, event=data["event"], at=data["at"], ip=client_ip(request)
        ),
        done,
    )


@require_POST
@staff_only
def danger_over(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: record that an emergency's danger is over, so the held user notice may leave."""
    return _form_action(
        request,
        reference,
        forms.DangerOverForm,
        lambda lr, data: notice_danger_over(request=lr, actor=request.user, **data),
        "Recorded: the danger is over. The user notice will be sent unless an order forbids it.",
    )


@require_POST
@staff_only
def notice_decision(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: decide explicitly whether the user is told of MLAT or CLOUD Act process."""
    return _form_action(
        request,
        reference,
        forms.NoticeDecisionForm,
        lambda lr, data: notice_decide(
            request=lr, actor=request.user, notify=data["notify"] == "notify", reason=data["reason"]
        ),
        "Decision on user notice recorded.",
    )


@require_POST
@staff_only
def ndo(request: HttpRequest, reference: str) -> HttpResponse:
    """Supervisors (the service checks): record, extend or replace a nondisclosure order, or mark an
    extension as applied for."""
    return _form_action(
        request,
        reference,
        NdoForm,
        lambda lr, data: production_ndo_record(request=lr, actor=request.user, ip=client_ip(request), **data),
        "Nondisclosure order recorded.",
    )


@require_POST
@staff_only
def change_decision(request: HttpRequest, reference: str) -> HttpResponse:
    """Staff: change the decision on a category already decided (its own audited action, with a reason)."""
    return _form_action(
        request,
        reference,
        forms.ChangeDecisionForm,
        lambda lr, data: svc.decision_change(request=lr, actor=request.user, ip=client_ip(request), **data),
        "Decision changed.",
    )
