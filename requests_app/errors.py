"""Error answers: JSON with a `code` under /api/, a plain page elsewhere; never a stack trace.

Django calls these handlers (portal/urls.py) for whatever a view or middleware did not answer
itself, with DEBUG off. They read nothing from the database, so they still answer when it is
down: a lost database is a 503 with Retry-After (the client may try again), not a 500.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from requests_app.exceptions import PortalError

API_PREFIX = "/api/"
DATABASE_ERRORS = (OperationalError, InterfaceError)


def action_run(request: HttpRequest, action: Callable[[], object], success: str | Callable[[], str]) -> bool:
    """Run one service call for a page: a refusal (PortalError) becomes an error message, nothing
    half-saved (services are atomic); otherwise the success message, computed after the call when it is
    a callable. True when the action was done."""
    try:
        action()
    except PortalError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, success() if callable(success) else success)
    return True


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(status: int, code: str, detail: str, *, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _page(
    request: HttpRequest, status: int, title: str, detail: str, *, retry_after: int | None = None
) -> HttpResponse | None:
    if is_api(request):
        return None
    # A plain template with no request context: no context processor, no database, no stack.
    body = loader.get_template("error.html").render({"status": status, "title": title, "detail": detail})
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _answer(
    request: HttpRequest, status: int, code: str, title: str, detail: str, *, retry_after: int | None = None
) -> HttpResponse:
    return _page(request, status, title, detail, retry_after=retry_after) or api_error(
        status, code, detail, retry_after=retry_after
    )


REFUSAL_TITLES = {403: "Not allowed", 404: "Not found", 409: "Not possible now", 410: "No longer available"}


def refusal_page(request: HttpRequest, exc: PortalError) -> HttpResponse:
    """A refusal no view answered (requests_app.middleware.PortalErrorMiddleware): its status and message."""
    return _answer(request, exc.status, exc.code, REFUSAL_TITLES.get(exc.status, "Not possible"), str(exc))


def classify(exc: BaseException | None) -> tuple[int, str, str, str, int | None]:
    """(status, code, title, detail, retry-after) for an exception no view answered."""
    if isinstance(exc, DATABASE_ERRORS):
        return (
            503,
            "database_unavailable",
            "Temporarily unavailable",
            "The service is briefly unavailable. Nothing was saved; please try again in a moment.",
            settings.ERROR_RETRY_AFTER_SECONDS,
        )
    if isinstance(exc, RequestDataTooBig):
        return 413, "request_too_large", "Request too large", "The request body is too large.", None
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return 413, "too_many_fields", "Request too large", "The request has too many fields or files.", None
    if isinstance(exc, RecursionError):
        return 400, "too_deeply_nested", "Bad request", "The request body is nested too deeply to read.", None
    return 500, "server_error", "Something went wrong", "Something went wrong on our side. Nothing was saved.", None


def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    status, code, title, detail, retry = classify(exception)
    if status == 500:  # any other SuspiciousOperation
        status, code, title, detail = 400, "bad_request", "Bad request", "The request could not be read."
    return _answer(request, status, code, title, detail, retry_after=retry)


def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _answer(request, 403, "forbidden", "Not allowed", "You may not do this.")


def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _answer(request, 404, "not_found", "Not found", "There is nothing at this address.")


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except` block: the exception is the one being handled.
    status, code, title, detail, retry = classify(sys.exc_info()[1])
    return _answer(request, status, code, title, detail, retry_after=retry)
