"""The officer's pages: list, submission form (with rule findings), request page."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from requests_app.lifecycle import Status
from requests_app.models import Document, EventType, LegalRequest, Target
from tests.factories import LegalRequestFactory, TargetFactory
from tests.intake.helpers import form_data, pdf_upload

pytestmark = pytest.mark.django_db


# --- the list ----------------------------------------------------------------------


def test_list_shows_only_own_agency_and_filters(client_a, officer_a, officer_b):
    mine = LegalRequestFactory(agency=officer_a.agency, case_number="OP-TRIDENT")
    closed = LegalRequestFactory(agency=officer_a.agency, status=Status.CLOSED)
    theirs = LegalRequestFactory(agency=officer_b.agency)
    body = client_a.get("/le/requests/").content.decode()
    assert mine.reference in body and closed.reference in body and theirs.reference not in body

    body = client_a.get("/le/requests/", {"status": "closed"}).content.decode()
    assert closed.reference in body and mine.reference not in body
    body = client_a.get("/le/requests/", {"q": "trident"}).content.decode()
    assert mine.reference in body and closed.reference not in body
    body = client_a.get("/le/requests/", {"q": mine.reference}).content.decode()
    assert mine.reference in body and closed.reference not in body


def test_list_query_count_does_not_grow_with_rows(client_a, officer_a):
    LegalRequestFactory(agency=officer_a.agency)
    client_a.get("/le/requests/")
    with CaptureQueriesContext(connection) as one:
        client_a.get("/le/requests/")
    for _ in range(10):
        TargetFactory(request=LegalRequestFactory(agency=officer_a.agency))
    with CaptureQueriesContext(connection) as eleven:
        assert client_a.get("/le/requests/").status_code == 200
    assert len(eleven) == len(one)


def test_list_refuses_anonymous_and_staff(anon, client_reviewer):
    response = anon.get("/le/requests/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client_reviewer.get("/le/requests/").status_code == 403


# --- the form ------------------------------------------------------------------------


def test_form_shows_e2ee_categories_disabled_with_explanation(client_a):
    body = client_a.get("/le/requests/new/").content.decode()
    assert 'value="secret_chat_content"' in body
    tag = (
        body.split('value="secret_chat_content"')[0].rsplit("<input", 1)[1]
        + body.split('value="secret_chat_content"')[1].split(">")[0]
    )
    assert "disabled" in tag
    assert "end-to-end encrypted" in body


def test_submit_creates_request_and_acknowledges(client_a, officer_a, django_capture_on_commit_callbacks):
    data = form_data(documents=pdf_upload())
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post("/le/requests/new/", data)
    lr = LegalRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/le/requests/{lr.reference}/"
    assert lr.agency == officer_a.agency and lr.status == Status.VALIDATED
    assert Target.objects.filter(request=lr).count() == 2 and Document.objects.filter(request=lr).count() == 1
    ack = [m for m in mail.outbox if lr.reference in m.subject]
    assert ack and ack[0].to == [officer_a.user.email] and lr.reference in ack[0].body
    page = client_a.get(response["Location"]).content.decode()
    assert lr.reference in page and "Validated" in page


def test_rule_findings_are_shown_in_the_form_and_nothing_saved(client_a):
    data = form_data(request_type="subpoena", documents=pdf_upload())
    response = client_a.post("/le/requests/new/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "cannot compel this data: Cloud chat content" in body
    assert 'data-code="category_not_compellable"' in body
    assert LegalRequest.objects.count() == 0 and Document.objects.count() == 0


def test_live_check_returns_findings_fragment(client_a):
    response = client_a.post("/le/requests/new/check/", {**form_data(request_type="subpoena"), "has_document": "0"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'data-code="category_not_compellable"' in body and 'data-code="document_missing"' in body
    response = client_a.post("/le/requests/new/check/", {**form_data(), "has_document": "1"})
    assert "Must fix" not in response.content.decode()


def test_live_check_refuses_anonymous_and_other_roles(anon, client_reviewer):
    assert anon.post("/le/requests/new/check/", form_data()).status_code == 302
    assert client_reviewer.post("/le/requests/new/check/", form_data()).status_code == 403


def test_check_button_works_without_javascript(client_a):
    response = client_a.post("/le/requests/new/", {**form_data(request_type="subpoena"), "check": "1"})
    assert response.status_code == 200
    assert 'data-code="category_not_compellable"' in response.content.decode()
    assert LegalRequest.objects.count() == 0


def test_warnings_need_acknowledgement(client_a):
    data = form_data(date_from="", date_to="")  # content without a date range: a warning
    response = client_a.post("/le/requests/new/", {**data, "documents": pdf_upload()})
    assert response.status_code == 400
    assert "tick this box" in response.content.decode()
    assert LegalRequest.objects.count() == 0
    response = client_a.post("/le/requests/new/", {**data, "documents": pdf_upload(), "acknowledge_warnings": "on"})
    assert response.status_code == 302 and LegalRequest.objects.count() == 1


def test_bad_field_values_are_explained_next_to_the_field(client_a):
    data = form_data(request_type="teleport_order", **{"targets-0-value": "not a phone"})
    response = client_a.post("/le/requests/new/", {**data, "documents": pdf_upload()})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Select a valid choice" in body  # unknown request type, by the field
    assert LegalRequest.objects.count() == 0


def test_invalid_target_is_a_finding(client_a):
    response = client_a.post("/le/requests/new/", {**form_data(**{"targets-0-value": "12"}), "documents": pdf_upload()})
    assert response.status_code == 400
    assert (
        "is not a phone number we can read" in response.content.decode()
        or "not a valid phone number" in response.content.decode()
    )
    assert LegalRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"GIF89a not a pdf", "is not a PDF"),
        (b"%PDF-1.4\n1 0 obj << /OpenAction 2 0 R >> endobj", "scripts, actions or embedded files"),
        (b"%PDF-1.4\nthis is garbage, not a real pdf body\n%%EOF", "damaged"),
    ],
)
def test_document_refusals_in_the_form(client_a, content, message):
    response = client_a.post("/le/requests/new/", {**form_data(), "documents": pdf_upload("x.pdf", content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert LegalRequest.objects.count() == 0 and Document.objects.count() == 0


def test_oversized_document_refused_in_the_form(client_a, settings):
    settings.DOCUMENT_MAX_BYTES = 100
    response = client_a.post("/le/requests/new/", {**form_data(), "documents": pdf_upload()})
    assert response.status_code == 400 and "the limit is" in response.content.decode()
    assert LegalRequest.objects.count() == 0


def test_ndo_needs_its_order(client_a):
    data = {**form_data(), "ndo": "on", "ndo_until": "2030-01-01", "documents": pdf_upload()}
    response = client_a.post("/le/requests/new/", data)
    assert response.status_code == 400 and "Attach the nondisclosure order" in response.content.decode()
    response = client_a.post(
        "/le/requests/new/", {**data, "documents": pdf_upload(), "ndo_document": pdf_upload("ndo.pdf")}
    )
    assert response.status_code == 302
    lr = LegalRequest.objects.get()
    assert lr.ndo_until.isoformat() == "2030-01-01"
    assert sorted(lr.documents.values_list("kind", flat=True)) == ["legal_process", "ndo"]


def test_suspended_officer_cannot_submit(client_a, officer_a):
    officer_a.status = officer_a.Status.SUSPENDED
    officer_a.save()
    response = client_a.post("/le/requests/new/", {**form_data(), "documents": pdf_upload()})
    assert response.status_code == 302 and "/accounts/pending/" in response["Location"]  # signed out, and told why
    assert LegalRequest.objects.count() == 0


# --- the request page ------------------------------------------------------------------


@pytest.mark.usefixtures("officer_a")
def test_detail_shows_public_timeline_only(client_a):
    client_a.post("/le/requests/new/", {**form_data(), "documents": pdf_upload()})
    lr = LegalRequest.objects.get()
    from requests_app.audit import event_record

    event_record(event_type=EventType.SENSITIVE_VIEW, request=lr, message="staff-only note", public=False)
    body = client_a.get(f"/le/requests/{lr.reference}/").content.decode()
    assert "submitted" in body and "staff-only note" not in body


def test_detail_is_404_for_other_agency_and_refused_to_anonymous(client_b, anon, officer_a):
    lr = LegalRequestFactory(agency=officer_a.agency)
    assert client_b.get(f"/le/requests/{lr.reference}/").status_code == 404
    assert anon.get(f"/le/requests/{lr.reference}/").status_code == 302
