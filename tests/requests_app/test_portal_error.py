"""One error type: every service refusal is a PortalError (a `code`, a message for people, a status);
a refusal no view answered gets the same answer everywhere: the web's middleware, the API's handler."""

from __future__ import annotations

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from requests_app.cybertipline.services import CyberTipError
from requests_app.documents import DocumentError
from requests_app.exceptions import Conflict, Forbidden, Gone, NotFound, PortalError, Refused
from requests_app.intake.api import api_exception_handler
from requests_app.lifecycle import TransitionError
from requests_app.middleware import PortalErrorMiddleware
from requests_app.production.services import HoldError, NotVisible, PackageDamaged, PackageGone, ProductionError
from requests_app.review.workspace import NoteError, SavedViewError
from requests_app.services import DocumentUnavailable, PermissionDenied, SubmissionRefused
from transparency.importer import ImportRefused
from transparency.periods import PeriodError
from transparency.services import ReportError


@pytest.mark.parametrize(
    ("exc", "base", "status"),
    [
        (PermissionDenied("no"), Forbidden, 403),
        (DocumentUnavailable("quarantined", "quarantined"), Forbidden, 403),
        (SubmissionRefused([]), Refused, 400),
        (TransitionError("wrong state", code="wrong_state"), Refused, 400),
        (DocumentError("too big", "too_large"), Refused, 400),
        (ProductionError("no"), Refused, 400),
        (HoldError("no"), Refused, 400),
        (PackageGone("gone"), Gone, 410),
        (PackageDamaged("damaged"), Conflict, 409),
        (NotVisible("hidden"), NotFound, 404),
        (CyberTipError("no"), Refused, 400),
        (ReportError("no"), Refused, 400),
        (SavedViewError("no"), Refused, 400),
        (NoteError("no"), Refused, 400),
        (PeriodError("bad period"), Refused, 400),
        (ImportRefused(["row 1"], 1), Refused, 400),
    ],
)
def test_every_service_refusal_is_a_portal_error(exc, base, status):
    assert isinstance(exc, PortalError) and isinstance(exc, base)
    assert exc.status == status and exc.code and exc.message == str(exc)


def test_codes_kept():
    assert TransitionError("x", code="wrong_state").code == "wrong_state"
    assert DocumentError("x", "too_large").code == "too_large"
    assert SubmissionRefused([], needs_acknowledgement=True).code == "warnings_not_acknowledged"
    assert isinstance(DocumentError("x", "y"), ValueError)  # callers that catch ValueError still do


def _web(method: str, **meta):
    request = getattr(RequestFactory(), method)("/legal/requests/X/", **meta)
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_web_refusal_after_a_form_is_a_message_on_that_page():
    request = _web("post", HTTP_REFERER="http://testserver/legal/requests/X/")
    response = PortalErrorMiddleware(lambda r: None).process_exception(request, HoldError("This hold has ended."))
    assert response.status_code == 302 and response["Location"] == "http://testserver/legal/requests/X/"
    assert [str(m) for m in request._messages] == ["This hold has ended."]


def test_web_refusal_elsewhere_is_the_error_page_with_its_status():
    request = _web("post", HTTP_REFERER="https://evil.example/")  # never redirect off-site
    response = PortalErrorMiddleware(lambda r: None).process_exception(request, PermissionDenied("Staff only."))
    assert response.status_code == 403 and "Staff only." in response.content.decode()
    response = PortalErrorMiddleware(lambda r: None).process_exception(_web("get"), PackageGone("Expired."))
    assert response.status_code == 410 and "Expired." in response.content.decode()


def test_web_middleware_leaves_other_errors_and_the_api_alone():
    middleware = PortalErrorMiddleware(lambda r: None)
    assert middleware.process_exception(_web("get"), ValueError("bug")) is None
    api = RequestFactory().get("/api/v1/requests/")
    assert middleware.process_exception(api, PermissionDenied("no")) is None


@pytest.mark.django_db
def test_api_handler_answers_a_refusal_with_its_code_and_status():
    response = api_exception_handler(TransitionError("Not now.", code="wrong_state"), {})
    assert response.status_code == 400 and response.data == {"detail": "Not now.", "code": "wrong_state"}
    response = api_exception_handler(PermissionDenied("Staff only."), {})
    assert response.status_code == 403 and response.data["code"] == "permission_denied"
