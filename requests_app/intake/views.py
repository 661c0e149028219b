"""The law-enforcement portal (/le/) and the staff page for agencies (/legal/agencies/).

Views are thin: they check who is asking, validate forms and call services.
Officers only ever reach their own agency's requests (404 for anything else).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from requests_app import audit, permissions, rules
from requests_app.documents import DocumentError, DocumentInput
from requests_app.errors import action_run
from requests_app.intake import drafts, forms, process, services
from requests_app.intake import selectors as intake_selectors
from requests_app.intake.models import ApiToken, Draft, PendingUpload
from requests_app.lifecycle import Status, TransitionError
from requests_app.models import Agency, Document, Officer
from requests_app.permissions import client_ip
from requests_app.production import selectors as production_selectors
from requests_app.services import (
    DocumentUnavailable,
    PermissionDenied,
    SubmissionRefused,
    document_add,
    document_open,
    request_findings,
    request_submit,
    request_withdraw,
)


def _role_required(allowed, refusal: str):
    """Anonymous: to the login page. Logged in without the role: 403 with `refusal`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                raise DjangoPermissionDenied(refusal)
            # RequireTwoFactorMiddleware already sends such sessions to re-authentication;
            # checked again here so a view never depends on the middleware order alone.
            if not permissions.session_mfa_verified(request):
                raise DjangoPermissionDenied("Sign in again with your authenticator code to use this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


officer_required = _role_required(
    permissions.is_agency_officer, "The law-enforcement portal is for officers of verified agencies."
)
supervisor_required = _role_required(permissions.is_supervisor, "Only legal supervisors verify agencies and officers.")


# ---------------------------------------------------------------------------------
# List and submission
# ---------------------------------------------------------------------------------


@officer_required
def request_list(request: HttpRequest) -> HttpResponse:
    """Active officers of a verified agency: their agency's requests, filterable."""
    filters = forms.RequestFilterForm(request.GET or None)
    qs = permissions.visible_requests(request.user).select_related("submitted_by").annotate(n_targets=Count("targets"))
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            qs = qs.filter(status=filters.cleaned_data["status"])
        q = filters.cleaned_data["q"].strip()
        if q:
            qs = qs.filter(Q(reference__iexact=q) | Q(case_number__icontains=q))
    page = Paginator(qs.order_by("-received_at", "-pk"), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    mine = permissions.visible_requests(request.user)
    return render(
        request,
        "intake/request_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            # The officer's own drafts (requests_app.intake.drafts), newest first.
            "drafts": list(Draft.objects.of_officer(request.user)[:25]),
            # What the officer must not miss, over all the agency's requests (not only this page or filter).
            "waiting_count": mine.filter(status=Status.NEEDS_INFO).count(),
            "overdue_count": mine.overdue().count(),
            **_emergency_contact(),
        },
    )


def _emergency_contact() -> dict:
    """The operator's 24/7 emergency route (EMERGENCY_CONTACT_PHONE / _EMAIL), for the officer's pages."""
    return {
        "emergency_phone": settings.EMERGENCY_CONTACT_PHONE,
        "emergency_email": settings.EMERGENCY_CONTACT_EMAIL,
    }


def _findings_context(findings: list[rules.Finding]) -> dict:
    by_field: dict[str, list[rules.Finding]] = {}
    for f in findings:
        by_field.setdefault(_field_root(f.field), []).append(f)
    return {
        "findings": findings,
        "findings_by_field": by_field,
        "has_errors": rules.has_errors(findings),
        "has_warnings": any(f.severity is rules.Severity.WARNING for f in findings),
    }


def _field_root(name: str) -> str:
    """The form field a finding belongs to ("targets.0.value" -> "targets")."""
    return name.split(".")[0]


def _describe(form, formset, by_field: dict[str, list[rules.Finding]]) -> None:
    """Tie each control to its help text and its findings (aria-describedby), so a screen reader
    reads a finding with the field it is about; the ids are those of templates/intake/_field.html."""
    for bound in form:
        ids = []
        if bound.help_text:
            ids.append(f"help-{bound.html_name}")
        if by_field.get(bound.name):
            ids.append(f"findings-{bound.html_name}")
        if ids:
            bound.field.widget.attrs["aria-describedby"] = " ".join(ids)
        else:
            bound.field.widget.attrs.pop("aria-describedby", None)
    if by_field.get("targets"):
        for tf in formset.forms:
            tf.fields["value"].widget.attrs["aria-describedby"] = "findings-targets"


def _form_context(form, formset, findings=None, **extra) -> dict:
    ctx = {
        "form": form,
        "formset": formset,
        "categories": list(rules.CATEGORIES.values()),
        "e2ee_explanation": rules.translate(rules.E2EE_EXPLANATION),
        "max_mb": round(settings.DOCUMENT_MAX_BYTES / 1048576),
        "guides": process.guides(),
        "process_map": process.client_map(),
        "process": form.process,
        "sections": form.sections,
        "emergency_answer": form.emergency_answer,
        "draft_days": settings.DRAFT_TTL_DAYS,
        **_emergency_contact(),
    }
    ctx.update(_findings_context(findings or []))
    _describe(form, formset, ctx["findings_by_field"])
    ctx.update(extra)
    return ctx


# Files kept from an earlier try of the form (PendingUpload), carried as signed tokens.
KEPT_FIELD = "kept_upload"
KEPT_REMOVE_FIELD = "kept_remove"
MAX_KEPT_TOKENS = 50


@dataclass
class _Kept:
    """The kept files a form post refers to, resolved among the user's own unexpired ones."""

    uploads: list[PendingUpload] = field(default_factory=list)  # to use
    removed: list[PendingUpload] = field(default_factory=list)  # ticked for removal
    unusable: int = 0  # signed by us, but expired, deleted or not this user's
    forged: int = 0  # not signed by us for this use

    def has_legal_process(self) -> bool:
        return any(u.kind == Document.Kind.LEGAL_PROCESS for u in self.uploads)


def _kept_from_post(request: HttpRequest) -> _Kept:
    tokens = list(dict.fromkeys(request.POST.getlist(KEPT_FIELD)))[:MAX_KEPT_TOKENS]
    remove = set(request.POST.getlist(KEPT_REMOVE_FIELD))
    kept = _Kept()
    refs: dict[int, tuple[str, str]] = {}  # pk -> (sha256, token)
    for token in tokens:
        ref = forms.kept_upload_ref(token)
        if ref is None:
            kept.forged += 1
        else:
            refs[ref[0]] = (ref[1], token)
    found = {u.pk: u for u in PendingUpload.objects.usable_by(request.user).filter(pk__in=refs)}
    for pk, (sha256, token) in refs.items():
        upload = found.get(pk)
        if upload is None or upload.sha256 != sha256:
            kept.unusable += 1
        elif token in remove:
            kept.removed.append(upload)
        else:
            kept.uploads.append(upload)
    return kept


def _explain_kept(request: HttpRequest, kept: _Kept) -> None:
    if kept.removed:
        names = ", ".join(u.filename for u in kept.removed)
        messages.info(request, f"Removed {names}.")
    if kept.unusable:
        messages.warning(
            request,
            f"{_files(kept.unusable)} kept from an earlier try could not be used (kept files are held for "
            "an hour, for the officer who attached them): attach again any you still need.",
        )
    if kept.forged:
        messages.warning(
            request,
            f"{_files(kept.forged)} kept from an earlier try could not be recognised and "
            f"{'was' if kept.forged == 1 else 'were'} ignored: attach again any you still need.",
        )


def _files(n: int) -> str:
    return "One file" if n == 1 else f"{n} files"


def _size_label(size: int) -> str:
    if size < 1048576:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1048576:.1f} MB"


def _kept_context(uploads: list[PendingUpload]) -> list[dict[str, object]]:
    return [
        {
            "token": forms.kept_upload_token(u),
            "filename": u.filename,
            "size_label": _size_label(u.size),
            "is_ndo": u.kind == Document.Kind.NDO,
        }
        for u in uploads
    ]


def _open_kept(form: forms.RequestForm, kept: _Kept) -> list[DocumentInput] | None:
    """The kept files' contents, checked again; None (with the errors on the form) if one fails.
    A kept file that fails is dropped, so the next try does not trip on it again."""
    documents: list[DocumentInput] = []
    failed: list[PendingUpload] = []
    for upload in kept.uploads:
        try:
            documents.append(forms.read_kept(upload))
        except DocumentError as exc:
            form.add_error("ndo_document" if upload.kind == Document.Kind.NDO else "documents", str(exc))
            failed.append(upload)
    if failed:
        services.pending_uploads_delete(failed)
        kept.uploads = [u for u in kept.uploads if u not in failed]
        return None
    return documents


@officer_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """Active officers of a verified agency: the submission form, with rule findings (docs/request-form.md).

    GET: the first step (the process), or the form prefilled from ?request_type=&emergency=, or from
    ?from=<reference> of an earlier request of the officer's own agency (404 for any other).
    POST: "save_draft" saves a draft (no files); "refresh" shows the sections of the chosen process
    (the no-script step); "check" checks without sending; otherwise it submits.
    When the form comes back, the PDFs that passed the checks are kept (encrypted,
    for an hour) and listed, so the officer does not have to attach them again."""
    agency = request.user.officer.agency
    if request.method == "GET":
        if request.GET.get("from"):
            # "Start from an earlier request": only one of the officer's own agency (404 otherwise).
            earlier = permissions.get_visible_request(request.user, reference=request.GET["from"].strip().upper())
            messages.info(
                request,
                _(
                    "Started from %(reference)s. Its documents are not copied: attach the legal process for "
                    "this request."
                )
                % {"reference": earlier.reference},
            )
            return _render_prefilled(request, drafts.values_from_request(earlier))
        chosen = {k: [request.GET[k]] for k in ("request_type", "emergency") if request.GET.get(k)}
        if chosen:
            return _render_prefilled(request, chosen)
        return render(
            request,
            "intake/request_form.html",
            _form_context(forms.RequestForm(), forms.TargetFormSet(prefix="targets")),
        )

    draft = _posted_draft(request)
    if "save_draft" in request.POST:
        draft = drafts.draft_save(user=request.user, data=request.POST, draft=draft, ip=client_ip(request))
        messages.success(
            request,
            _(
                "Draft saved; it is kept until %(date)s. Files are not kept with a draft: attach them again "
                "when you resume it."
            )
            % {"date": formats.date_format(draft.expires_at, "DATE_FORMAT")},
        )
        return redirect(reverse("intake:request_list") + "#drafts")

    kept = _kept_from_post(request)
    # "Check without sending", and "Show the form for this process" (the no-script way to switch sections).
    checking = "check" in request.POST or "refresh" in request.POST
    _explain_kept(request, kept)
    if kept.removed:
        services.pending_uploads_delete(kept.removed)
    form = forms.RequestForm(request.POST, request.FILES, kept_kinds={u.kind for u in kept.uploads})
    formset = forms.TargetFormSet(request.POST, prefix="targets")
    form_ok = form.is_valid()
    formset_ok = formset.is_valid()
    if not formset_ok and not formset.non_form_errors() and formset.management_form.errors:
        form.add_error(None, "The list of accounts was damaged; reload the page.")
    # A file attached again while it is still kept counts once.
    kept_keys = {(u.sha256, u.kind) for u in kept.uploads}
    new_documents = [d for d in getattr(form, "document_inputs", []) if (d.sha256, d.kind) not in kept_keys]
    findings: list[rules.Finding] = []
    if form_ok and formset_ok:
        data = form.submission_data(forms.targets_of(formset))
        has_doc = kept.has_legal_process() or any(d.kind == Document.Kind.LEGAL_PROCESS for d in new_documents)
        findings = request_findings(agency=agency, data=data, has_document=has_doc)
        kept_documents = _open_kept(form, kept) if not checking else None
        if kept_documents is not None:
            try:
                lr = request_submit(
                    actor=request.user,
                    data=data,
                    documents=kept_documents + new_documents,
                    acknowledge_warnings=form.cleaned_data["acknowledge_warnings"],
                    ip=client_ip(request),
                )
            except SubmissionRefused as exc:
                findings = exc.findings
                if exc.needs_acknowledgement:
                    form.add_error("acknowledge_warnings", "Read the warnings and tick this box to submit anyway.")
                else:
                    form.add_error(None, "The request cannot be sent yet: fix the problems marked below.")
            except DocumentError as exc:
                form.add_error("documents", str(exc))
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                # The request and its own encrypted copies are saved: the kept files have served.
                services.pending_uploads_delete(kept.uploads)
                if draft is not None:
                    drafts.draft_discard(user=request.user, draft=draft, reason="submitted", ip=client_ip(request))
                messages.success(request, f"Request {lr.reference} was submitted. We e-mailed you an acknowledgement.")
                return redirect("intake:request_detail", reference=lr.reference)
    else:
        partial, _files = forms.draft_from_post(request.POST, bool(request.FILES.getlist("documents")))
        has_doc = kept.has_legal_process() or bool(request.FILES.getlist("documents"))
        findings = request_findings(agency=agency, data=partial, has_document=has_doc)
    kept_uploads = kept.uploads + [services.pending_upload_keep(user=request.user, doc=d) for d in new_documents]
    return render(
        request,
        "intake/request_form.html",
        _form_context(
            form,
            formset,
            findings,
            kept_uploads=_kept_context(list(dict.fromkeys(kept_uploads))),
            draft=draft,
            # Switching the process is not a failed submission: no field errors yet.
            quiet="refresh" in request.POST,
        ),
        status=200 if checking else 400,
    )


def _posted_draft(request: HttpRequest) -> Draft | None:
    """The draft this form was resumed from, if it is still the officer's (else the form starts a new one)."""
    raw = request.POST.get("draft", "")
    if not raw.isdigit():
        return None
    return Draft.objects.of_officer(request.user).filter(pk=int(raw)).first()


def _render_prefilled(request: HttpRequest, values: dict[str, list[str]], draft: Draft | None = None) -> HttpResponse:
    """The form filled from saved values (a draft, an earlier request, the chosen process), with the
    findings for them but without field errors: the officer has not tried to send it yet."""
    data = drafts.as_querydict(values)
    form = forms.RequestForm(data)
    formset = forms.TargetFormSet(data, prefix="targets")
    findings: list[rules.Finding] = []
    if form.data.get("request_type"):
        form.is_valid()
        formset.is_valid()
        submission, _files = forms.draft_from_post(data, False)
        findings = request_findings(agency=request.user.officer.agency, data=submission, has_document=False)
    return render(request, "intake/request_form.html", _form_context(form, formset, findings, draft=draft, quiet=True))


@officer_required
@require_GET
def draft_resume(request: HttpRequest, pk: int) -> HttpResponse:
    """Active officers: resume one of their own unexpired drafts (404 for anyone else's)."""
    draft = get_object_or_404(Draft.objects.of_officer(request.user), pk=pk)
    messages.info(request, _("Your draft is back as you saved it. Attach the PDFs again before you submit."))
    return _render_prefilled(request, draft.data, draft=draft)


@officer_required
@require_POST
def draft_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Active officers: discard one of their own drafts (404 for anyone else's)."""
    draft = get_object_or_404(Draft.objects.of_officer(request.user), pk=pk)
    drafts.draft_discard(user=request.user, draft=draft, ip=client_ip(request))
    messages.success(request, _("Draft discarded."))
    return redirect(reverse("intake:request_list") + "#drafts")


@officer_required
@require_POST
def request_check(request: HttpRequest) -> HttpResponse:
    """Active officers of a verified agency: the rule findings for the draft, as an HTML fragment (live check)."""
    partial, _files = forms.draft_from_post(request.POST, False)
    has_document = request.POST.get("has_document") == "1" or _kept_from_post(request).has_legal_process()
    findings = request_findings(agency=request.user.officer.agency, data=partial, has_document=has_document)
    return render(request, "intake/_findings.html", _findings_context(findings))


# ---------------------------------------------------------------------------------
# One request
# ---------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, lr, **forms_) -> dict:
    ctx = {
        "lr": lr,
        "targets": list(lr.targets.all()),
        "documents": list(lr.documents.all()),
        "timeline": list(lr.events.filter(public=True).select_related("actor").order_by("id")),
        "thread": list(lr.messages.select_related("author__officer")),
        "findings": lr.findings,
        "message_form": forms_.get("message_form") or forms.MessageForm(),
        "document_form": forms_.get("document_form") or forms.DocumentForm(),
        "answer_form": forms_.get("answer_form") or forms.AnswerForm(),
        "withdraw_form": forms.WithdrawForm(),
        "needs_info": lr.status == Status.NEEDS_INFO,
        "question": lr.events.filter(to_status=Status.NEEDS_INFO, public=True).order_by("-id").first()
        if lr.status == Status.NEEDS_INFO
        else None,
        "production_panel": production_selectors.officer_panel(request, lr),
    }
    return ctx


@officer_required
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """Active officers of the request's agency (404 for anyone else): status, timeline, documents, thread."""
    lr = permissions.get_visible_request(request.user, reference=reference)
    return render(request, "intake/request_detail.html", _detail_context(request, lr))


@officer_required
@require_GET
def receipt_download(request: HttpRequest, reference: str, index: int) -> HttpResponse:
    """Active officers of the request's agency (404 for anyone else): the audit-log receipt of one timeline
    event, as JSON to keep and verify offline (docs/audit-log.md)."""
    lr = permissions.get_visible_request(request.user, reference=reference)
    receipt = audit.request_receipt(lr, index=index)
    if receipt is None:
        raise Http404("No receipt for that event yet.")
    response = JsonResponse(receipt, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{lr.reference}-receipt-{index}.json"'
    return response


@officer_required
@require_POST
def message_create(request: HttpRequest, reference: str) -> HttpResponse:
    """Active officers of the request's agency: post a message to the legal team."""
    lr = permissions.get_visible_request(request.user, reference=reference)
    form = forms.MessageForm(request.POST)
    if form.is_valid():
        try:
            services.message_post(
                request=lr, author=request.user, body=form.cleaned_data["body"], ip=client_ip(request)
            )
        except PermissionDenied as exc:
            form.add_error("body", str(exc))
        else:
            messages.success(request, "Message sent to the legal team.")
            return redirect(reverse("intake:request_detail", args=[lr.reference]) + "#thread")
    return render(request, "intake/request_detail.html", _detail_context(request, lr, message_form=form), status=400)


@officer_required
@require_POST
def document_create(request: HttpRequest, reference: str) -> HttpResponse:
    """Active officers of the request's agency: add a PDF to an open request."""
    lr = permissions.get_visible_request(request.user, reference=reference)
    form = forms.DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document_add(request=lr, actor=request.user, doc=form.cleaned_data["document"], ip=client_ip(request))
        except (PermissionDenied, DocumentError) as exc:
            form.add_error("document", str(exc))
        else:
            messages.success(request, "Document added.")
            return redirect("intake:request_detail", reference=lr.reference)
    return render(request, "intake/request_detail.html", _detail_context(request, lr, document_form=form), status=400)


@officer_required
@require_POST
def request_answer(request: HttpRequest, reference: str) -> HttpResponse:
    """Active officers of the request's agency: answer the legal team's question (needs_info -> in_review)."""
    lr = permissions.get_visible_request(request.user, reference=reference)
    form = forms.AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.request_answer(
                request=lr,
                actor=request.user,
                body=form.cleaned_data.get("body") or "",
                document=form.cleaned_data.get("document"),
                ip=client_ip(request),
            )
        except (PermissionDenied, DocumentError, TransitionError) as exc:
            form.add_error(None, str(exc))
            if lr.status != Status.NEEDS_INFO:
                messages.error(request, str(exc))  # the answer form is not shown then
        else:
            messages.success(request, "Thank you: your answer was sent and the request is back in legal review.")
            return redirect("intake:request_detail", reference=lr.reference)
    return render(request, "intake/request_detail.html", _detail_context(request, lr, answer_form=form), status=400)


@officer_required
@require_POST
def request_withdraw_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Active officers of the request's agency: withdraw an open request."""
    lr = permissions.get_visible_request(request.user, reference=reference)
    form = forms.WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        request_withdraw(request=lr, actor=request.user, reason=reason, ip=client_ip(request))
    except (TransitionError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{lr.reference} was withdrawn.")
    return redirect("intake:request_detail", reference=lr.reference)


@officer_required
def document_download(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Active officers of the request's agency: open one of its documents (decrypted, audited)."""
    lr = permissions.get_visible_request(request.user, reference=reference)
    document = get_object_or_404(Document, pk=pk, request=lr)
    try:
        content = document_open(document=document, actor=request.user, ip=client_ip(request))
    except DocumentUnavailable as exc:  # quarantined, not scanned, or altered on storage: never served
        messages.error(request, str(exc))
        return redirect("intake:request_detail", reference=lr.reference)
    response = HttpResponse(content, content_type="application/pdf")
    safe_name = "".join(ch for ch in document.filename if ch.isalnum() or ch in "._- ") or "document.pdf"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------
# API tokens
# ---------------------------------------------------------------------------------


@officer_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """Active officers of a verified agency, after 2FA in this session: their API tokens."""
    mfa_ok = permissions.session_mfa_verified(request)
    form = forms.TokenForm(request.POST or None)
    secret = None
    if request.method == "POST":
        if not mfa_ok:
            raise DjangoPermissionDenied("Confirm with your authenticator app first.")
        if form.is_valid():
            try:
                _token, secret = services.api_token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    expires_in_days=form.cleaned_data["expires_in_days"] or None,
                    ip=client_ip(request),
                )
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                form = forms.TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    reauth = f"{reverse('mfa_reauthenticate')}?next={reverse('intake:tokens')}"
    response = render(
        request,
        "intake/tokens.html",
        {"form": form, "tokens": tokens, "secret": secret, "mfa_ok": mfa_ok, "reauth_url": reauth},
        status=400 if form.errors else 200,
    )
    response["Cache-Control"] = "no-store"
    return response


@officer_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Active officers: revoke one of their own tokens (404 for others' tokens)."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(token=token, actor=request.user, ip=client_ip(request))
    messages.success(request, f"Token {token.prefix}… revoked.")
    return redirect("intake:tokens")


# ---------------------------------------------------------------------------------
# Staff: agencies and officers (/legal/agencies/)
# ---------------------------------------------------------------------------------


@supervisor_required
def agency_list(request: HttpRequest) -> HttpResponse:
    """Legal supervisors: pending agencies and officers, and all agencies to verify or suspend."""
    agencies = (
        Agency.objects.select_related("verified_by__officer")
        .annotate(n_officers=Count("officers", filter=Q(officers__role=Officer.Role.OFFICER)))
        .order_by("verification_status", "name")
    )
    pending_officers = (
        Officer.objects.filter(role=Officer.Role.OFFICER)
        .exclude(status=Officer.Status.ACTIVE)
        .select_related("user", "agency")
        .order_by("created_at")
    )
    pending_agencies = [a for a in agencies if a.verification_status == Agency.Verification.PENDING]
    # Suggest the registrants' e-mail domains; the supervisor decides which are official.
    suggestions: dict[int, list[str]] = {}
    for agency_id, email in Officer.objects.filter(agency__in=pending_agencies).values_list("agency_id", "user__email"):
        domain = intake_selectors.email_domain(email)
        if domain not in suggestions.setdefault(agency_id, []):
            suggestions[agency_id].append(domain)
    for agency in pending_agencies:
        agency.suggested_domains = agency.email_domains or suggestions.get(agency.pk, [])
    return render(
        request,
        "intake/staff_agencies.html",
        {
            "pending_agencies": pending_agencies,
            "agencies": [a for a in agencies if a.verification_status != Agency.Verification.PENDING],
            "officers": pending_officers,
            "method_choices": Agency.VerificationMethod.choices,
        },
    )


def _verify_or_suspend(
    request: HttpRequest, action: str, *, verify: Callable[[], object], suspend: Callable[[str], object], done: str
) -> HttpResponse:
    """The supervisors' two account actions, for an agency and for an officer alike: a refusal becomes
    the page's error message, otherwise `done` says what the account now is."""
    if action == "verify":
        action_run(request, verify, done)
    else:
        action_run(request, lambda: suspend(request.POST.get("reason", "")), done)
    return redirect("agencies:list")


@supervisor_required
@require_POST
def agency_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Legal supervisors: verify or suspend an agency (audited)."""
    agency = get_object_or_404(Agency, pk=pk)
    ip, domains = client_ip(request), request.POST.get("email_domains")
    return _verify_or_suspend(
        request,
        action,
        verify=lambda: services.agency_verify(
            agency=agency,
            actor=request.user,
            email_domains=domains.replace(",", " ").split() if domains is not None else None,
            method=request.POST.get("method", ""),
            evidence=request.POST.get("evidence", ""),
            ip=ip,
        ),
        suspend=lambda reason: services.agency_suspend(agency=agency, actor=request.user, reason=reason, ip=ip),
        done=f"{agency.name} is {'verified' if action == 'verify' else 'suspended'}.",
    )


@supervisor_required
@require_POST
def officer_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Legal supervisors: verify or suspend an officer account (audited)."""
    officer = get_object_or_404(Officer, pk=pk, role=Officer.Role.OFFICER)
    ip = client_ip(request)
    return _verify_or_suspend(
        request,
        action,
        verify=lambda: services.officer_verify(officer=officer, actor=request.user, ip=ip),
        suspend=lambda reason: services.officer_suspend(officer=officer, actor=request.user, reason=reason, ip=ip),
        done=f"{officer.full_name} is {'active' if action == 'verify' else 'suspended'}.",
    )


@supervisor_required
def officer_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Legal supervisors: the officers of one agency, to suspend or re-activate."""
    agency = get_object_or_404(Agency, pk=pk)
    officers = agency.officers.filter(role=Officer.Role.OFFICER).select_related("user").order_by("full_name")
    history = intake_selectors.agency_history(agency)
    return render(
        request,
        "intake/staff_agency_officers.html",
        {
            "agency": agency,
            "officers": officers,
            "history": history,
            "method_choices": Agency.VerificationMethod.choices,
        },
    )
