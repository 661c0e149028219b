"""Views shared by all faces: the home page and the health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from requests_app import audit, rules


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Anyone: the three faces and what the platform can and cannot produce."""
    categories = list(rules.CATEGORIES.values())
    return render(
        request, "home.html", {"categories": categories, "e2ee_explanation": rules.translate(rules.E2EE_EXPLANATION)}
    )


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Anyone: load balancers ask whether the database answers; monitoring reads the audit log's backlog
    (an event waiting longer than LOG_PENDING_ALARM_SECONDS for its log position is an alarm)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    pending, overdue = audit.pending_alarm()
    return JsonResponse({"status": "ok", "audit_log": {"pending": pending, "overdue": overdue, "alarm": overdue > 0}})
