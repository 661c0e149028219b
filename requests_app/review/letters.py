"""Letters to agencies, rendered to PDF by WeasyPrint from templates/letters/."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from requests_app import rules
from requests_app.models import Decision, LegalRequest, RequestEvent

TEMPLATES = {
    "acknowledgement": "letters/acknowledgement.html",
    "request_for_information": "letters/request_for_information.html",
    "rejection": "letters/rejection.html",
    "decision": "letters/decision.html",
}


def letter_context(*, request: LegalRequest, kind: str) -> dict:
    from requests_app.review.services import REASON_EXPLANATIONS

    decisions = list(Decision.objects.filter(request=request).order_by("pk"))
    question_event = (
        RequestEvent.objects.filter(request=request, event_type="transition", to_status="needs_info")
        .order_by("-id")
        .first()
    )
    reason = request.rejection_reason
    denial_lines = [
        {
            "label": rules.CATEGORIES[d.category].label,
            "reason": d.get_reason_code_display(),
            "explanation": REASON_EXPLANATIONS.get(d.reason_code, ""),
            "note": d.note,
        }
        for d in decisions
        if d.verdict == Decision.Verdict.DENIED
    ]
    rejection_note = ""
    reject_event = (
        RequestEvent.objects.filter(request=request, event_type="transition", to_status="rejected")
        .order_by("-id")
        .first()
    )
    if reject_event:
        rejection_note = (reject_event.payload or {}).get("note", "")
    return {
        "lr": request,
        "kind": kind,
        "today": timezone.localdate(),
        "team_email": settings.LEGAL_TEAM_EMAIL,
        "categories": [rules.CATEGORIES[c] for c in request.data_categories if c in rules.CATEGORIES],
        "approved": [rules.CATEGORIES[d.category].label for d in decisions if d.verdict == Decision.Verdict.APPROVED],
        "denied": denial_lines,
        "question": (question_event.payload or {}).get("question", question_event.message) if question_event else "",
        "reason_label": request.get_rejection_reason_display() if reason else "",
        "reason_explanation": REASON_EXPLANATIONS.get(reason, "") if reason else "",
        "rejection_note": rejection_note,
        "e2ee_explanation": rules.E2EE_EXPLANATION,
    }


def render_html(*, request: LegalRequest, kind: str) -> str:
    return render_to_string(TEMPLATES[kind], letter_context(request=request, kind=kind))


def render_letter(*, request: LegalRequest, kind: str) -> bytes:
    """The letter as PDF bytes. Heavy: call from a Celery task (services.letter_send)."""
    from weasyprint import HTML

    html = render_html(request=request, kind=kind)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
