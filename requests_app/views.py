"""Views shared by all faces: the home page and the health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from requests_app import rules


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Anyone: the three faces and what the platform can and cannot produce."""
    categories = list(rules.CATEGORIES.values())
    return render(request, "home.html", {"categories": categories, "e2ee_explanation": rules.E2EE_EXPLANATION})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Anyone: load balancers ask whether the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
