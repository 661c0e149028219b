"""POST /api/v1/requests/: create (multipart or JSON), refusals, idempotency keys."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from requests_app.models import Document, LegalRequest, Target
from tests.factories import minimal_pdf
from tests.intake.helpers import Api, api_body, multipart_body, pdf_upload, token_for

pytestmark = pytest.mark.django_db


def test_create_multipart_with_document(api_a, officer_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_a.post("/api/v1/requests/", multipart_body(), multipart=True)
    assert response.status_code == 201, response.json()
    data = response.json()
    lr = LegalRequest.objects.get(reference=data["reference"])
    assert lr.agency == officer_a.agency and lr.submitted_by == officer_a.user
    assert data["status"] == "validated" and len(data["targets"]) == 2 and len(data["documents"]) == 1
    assert response["Location"] == f"/api/v1/requests/{lr.reference}/"


@pytest.mark.usefixtures("lr")
def test_create_json_emergency_documents_later(api_a):
    body = api_body(
        request_type="emergency",
        emergency=True,
        emergency_justification="A 12-year-old was abducted an hour ago; the suspect threatened to kill her.",
        emergency_attested=True,
        acknowledge_warnings=True,
    )
    response = api_a.post("/api/v1/requests/", body)
    assert response.status_code == 201, response.json()
    reference = response.json()["reference"]
    response = api_a.post(f"/api/v1/requests/{reference}/documents/", {"file": pdf_upload()}, multipart=True)
    assert response.status_code == 201 and response.json()["sha256"]


def test_create_refused_by_rules_returns_findings(api_a):
    response = api_a.post("/api/v1/requests/", multipart_body(request_type="subpoena"), multipart=True)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "rules_refused"
    assert "category_not_compellable" in {f["code"] for f in data["findings"]}
    assert LegalRequest.objects.count() == 0


def test_create_warnings_need_acknowledgement(api_a):
    response = api_a.post("/api/v1/requests/", multipart_body(date_from="", date_to=""), multipart=True)
    assert response.status_code == 400 and response.json()["code"] == "warnings_not_acknowledged"
    response = api_a.post(
        "/api/v1/requests/", multipart_body(date_from="", date_to="", acknowledge_warnings="true"), multipart=True
    )
    assert response.status_code == 201


def test_field_errors_have_codes(api_a):
    body = api_body(
        request_type="teleport_order", targets=[{"type": "fax", "value": "1"}], data_categories=["thoughts"]
    )
    response = api_a.post("/api/v1/requests/", body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["request_type"][0]["code"] == "invalid_choice"
    assert errors["targets"]["0"]["type"][0]["code"] == "invalid_choice"
    assert errors["data_categories"]["0"][0]["code"] == "invalid_choice"
    assert "data_categories" in errors
    assert LegalRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n not a pdf", "not_pdf"),
        (b"%PDF-1.4\n1 0 obj << /JavaScript (app.alert(1)) >> endobj", "active_content"),
        (b"%PDF-1.4\n%%EOF", "broken"),
    ],
)
def test_create_document_refusals(api_a, content, code):
    body = multipart_body()
    body["documents"] = pdf_upload("evil.pdf", content)
    response = api_a.post("/api/v1/requests/", body, multipart=True)
    assert response.status_code == 400
    assert response.json()["errors"]["documents"]["0"][0]["code"] == code
    assert LegalRequest.objects.count() == 0 and Document.objects.count() == 0 and Target.objects.count() == 0


def test_create_oversized_document_refused(api_a, settings):
    settings.DOCUMENT_MAX_BYTES = 200
    response = api_a.post("/api/v1/requests/", multipart_body(), multipart=True)
    assert response.status_code == 400
    assert response.json()["errors"]["documents"]["0"][0]["code"] == "too_large"


def test_create_encrypted_pdf_refused(api_a):
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(BytesIO(minimal_pdf())))
    writer.encrypt("secret")
    out = BytesIO()
    writer.write(out)
    body = multipart_body()
    body["documents"] = pdf_upload("locked.pdf", out.getvalue())
    response = api_a.post("/api/v1/requests/", body, multipart=True)
    assert response.status_code == 400
    assert response.json()["errors"]["documents"]["0"][0]["code"] == "encrypted"


def test_idempotent_create_returns_first_result(api_a):
    body = api_body(
        acknowledge_warnings=True,
        request_type="emergency",
        emergency=True,
        emergency_justification="Imminent threat to kill a hostage held at an unknown address.",
        emergency_attested=True,
    )
    first = api_a.post(
        "/api/v1/requests/",
        body,
        headers={"Idempotency-Key": "abc-123"},
    )
    assert first.status_code == 201, first.json()
    again = api_a.post(
        "/api/v1/requests/",
        body,
        headers={"Idempotency-Key": "abc-123"},
    )
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"] == f"/api/v1/requests/{first.json()['reference']}/"
    assert LegalRequest.objects.count() == 1


def test_idempotent_create_multipart(api_a):
    first = api_a.post("/api/v1/requests/", multipart_body(), headers={"Idempotency-Key": "k1"}, multipart=True)
    again = api_a.post("/api/v1/requests/", multipart_body(), headers={"Idempotency-Key": "k1"}, multipart=True)
    assert first.status_code == again.status_code == 201
    assert first.json()["reference"] == again.json()["reference"]
    assert LegalRequest.objects.count() == 1 and Document.objects.count() == 1


def test_same_key_different_body_is_refused(api_a):
    assert (
        api_a.post("/api/v1/requests/", multipart_body(), headers={"Idempotency-Key": "k2"}, multipart=True).status_code
        == 201
    )
    response = api_a.post(
        "/api/v1/requests/", multipart_body(case_number="OTHER-1"), headers={"Idempotency-Key": "k2"}, multipart=True
    )
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
    assert LegalRequest.objects.count() == 1


def test_refused_create_frees_the_key(api_a):
    bad = api_a.post(
        "/api/v1/requests/", multipart_body(request_type="subpoena"), headers={"Idempotency-Key": "k3"}, multipart=True
    )
    assert bad.status_code == 400
    good = api_a.post("/api/v1/requests/", multipart_body(), headers={"Idempotency-Key": "k3"}, multipart=True)
    assert good.status_code == 201


def test_keys_are_per_officer(api_a, api_b):
    a = api_a.post("/api/v1/requests/", multipart_body(), headers={"Idempotency-Key": "shared"}, multipart=True)
    b = api_b.post("/api/v1/requests/", multipart_body(), headers={"Idempotency-Key": "shared"}, multipart=True)
    assert a.status_code == b.status_code == 201 and a.json()["reference"] != b.json()["reference"]


def test_key_in_progress_gets_409_until_it_goes_stale(api_a, officer_a):
    from datetime import timedelta

    from requests_app.intake.models import IdempotencyRecord

    record = IdempotencyRecord.objects.create(user=officer_a.user, key="busy", fingerprint="x")
    response = api_a.post("/api/v1/requests/", multipart_body(), headers={"Idempotency-Key": "busy"}, multipart=True)
    assert response.status_code == 409 and response.json()["code"] == "idempotency_in_progress"
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    response = api_a.post("/api/v1/requests/", multipart_body(), headers={"Idempotency-Key": "busy"}, multipart=True)
    assert response.status_code == 201


def test_create_records_the_officers_dsa_category_and_when_receipt_was_acknowledged(
    api_a, django_capture_on_commit_callbacks
):
    body = multipart_body(dsa_category="PROTECTION_OF_MINORS", acknowledge_warnings=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_a.post("/api/v1/requests/", body, multipart=True)
    assert response.status_code == 201, response.json()
    lr = LegalRequest.objects.get(reference=response.json()["reference"])
    assert lr.dsa_category == "PROTECTION_OF_MINORS"
    # The acknowledgement e-mail went out: that moment is the DSA's "time to inform".
    assert lr.acknowledged_at is not None and lr.acknowledged_at >= lr.received_at
    refused = api_a.post(
        "/api/v1/requests/", multipart_body(dsa_category="JAYWALKING", acknowledge_warnings=True), multipart=True
    )
    assert refused.status_code == 400 and "dsa_category" in json.dumps(refused.json())


def test_it_validates_ownership(officer_a):
    """Only active officers of a verified agency create requests: once the officer is suspended, their
    token creates nothing."""
    api = Api(token_for(officer_a))
    officer_a.status = officer_a.Status.SUSPENDED
    officer_a.save(update_fields=["status"])
    response = api.post("/api/v1/requests/", api_body())
    assert response.status_code in {401, 403}
    assert not LegalRequest.objects.exists()
