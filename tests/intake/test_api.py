"""REST API v1: token authentication, every endpoint, idempotent create, refusals."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from requests_app.documents import DocumentInput
from requests_app.intake import services
from requests_app.intake.models import ApiToken
from requests_app.lifecycle import Status
from requests_app.models import Document, EventType, LegalRequest, Message, RequestEvent, Target
from requests_app.services import request_submit, request_transition
from tests.factories import minimal_pdf, warrant
from tests.intake.helpers import api_body, pdf_upload, token_for

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, secret: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path, data=None, headers=None, multipart=False):
        headers = {**self.headers, **(headers or {})}
        if multipart:
            return self.client.post(path, data or {}, headers=headers)
        return self.client.post(path, json.dumps(data or {}), content_type="application/json", headers=headers)


@pytest.fixture
def api_a(officer_a):
    return Api(token_for(officer_a))


@pytest.fixture
def api_b(officer_b):
    return Api(token_for(officer_b))


@pytest.fixture
def lr(officer_a):
    return request_submit(actor=officer_a.user, data=warrant(), documents=[DocumentInput("warrant.pdf", minimal_pdf())])


def multipart_body(**overrides):
    body = api_body(**overrides)
    body["targets"] = json.dumps(body["targets"])
    body["documents"] = pdf_upload()
    return body


# --- authentication ----------------------------------------------------------------------


def test_anonymous_session_and_bad_tokens_are_refused(client_a, lr):
    assert Api(None).get("/api/v1/requests/").status_code == 401
    assert client_a.get("/api/v1/requests/").status_code == 401  # a browser session is not enough
    assert Api("lep_not-a-real-token").get("/api/v1/requests/").status_code == 401
    assert Api("something-else").get("/api/v1/requests/").status_code == 401


def test_revoked_expired_and_suspended_tokens_are_refused(officer_a):
    secret = token_for(officer_a)
    token = ApiToken.objects.get()
    api = Api(secret)
    assert api.get("/api/v1/requests/").status_code == 200
    token.expires_at = timezone.now()
    token.save()
    assert api.get("/api/v1/requests/").status_code == 401
    token.expires_at = None
    token.save()
    officer_a.status = officer_a.Status.SUSPENDED
    officer_a.save()
    assert api.get("/api/v1/requests/").status_code == 401
    officer_a.status = officer_a.Status.ACTIVE
    officer_a.save()
    services.api_token_revoke(token=token, actor=officer_a.user)
    assert api.get("/api/v1/requests/").status_code == 401


def test_throttled_per_token(officer_a, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "2/min", "anon": "30/min"},
    }
    first, second = Api(token_for(officer_a)), Api(token_for(officer_a))
    codes = [first.get("/api/v1/requests/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert second.get("/api/v1/requests/").status_code == 200  # per token, not per user


# --- create --------------------------------------------------------------------------------


def test_create_multipart_with_document(api_a, officer_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_a.post("/api/v1/requests/", multipart_body(), multipart=True)
    assert response.status_code == 201, response.json()
    data = response.json()
    lr = LegalRequest.objects.get(reference=data["reference"])
    assert lr.agency == officer_a.agency and lr.submitted_by == officer_a.user
    assert data["status"] == "validated" and len(data["targets"]) == 2 and len(data["documents"]) == 1
    assert response["Location"] == f"/api/v1/requests/{lr.reference}/"


def test_create_json_emergency_documents_later(api_a, lr):
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


# --- idempotency -----------------------------------------------------------------------------


def test_idempotent_create_returns_first_result(api_a):
    first = api_a.post(
        "/api/v1/requests/",
        api_body(
            acknowledge_warnings=True,
            request_type="emergency",
            emergency=True,
            emergency_justification="Imminent threat to kill a hostage held at an unknown address.",
            emergency_attested=True,
        ),
        headers={"Idempotency-Key": "abc-123"},
    )
    assert first.status_code == 201, first.json()
    again = api_a.post(
        "/api/v1/requests/",
        api_body(
            acknowledge_warnings=True,
            request_type="emergency",
            emergency=True,
            emergency_justification="Imminent threat to kill a hostage held at an unknown address.",
            emergency_attested=True,
        ),
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


# --- dry run -------------------------------------------------------------------------------------


def test_dry_run_reports_findings_and_saves_nothing(api_a, anon):
    response = api_a.post("/api/v1/requests/dry-run/", api_body(request_type="subpoena"))
    data = response.json()
    assert response.status_code == 200 and data["would_be_accepted"] is False
    assert {"category_not_compellable", "document_missing"} <= {f["code"] for f in data["findings"]}
    ok = api_a.post("/api/v1/requests/dry-run/", api_body(has_document=True)).json()
    assert ok["would_be_accepted"] is True
    assert LegalRequest.objects.count() == 0
    assert Api(None).post("/api/v1/requests/dry-run/", api_body()).status_code == 401


# --- reading -------------------------------------------------------------------------------------


def test_list_and_detail_only_own_agency(api_a, api_b, lr, officer_b):
    theirs = request_submit(
        actor=officer_b.user, data=warrant(case_number="B-1"), documents=[DocumentInput("w.pdf", minimal_pdf())]
    )
    listed = [r["reference"] for r in api_a.get("/api/v1/requests/").json()["results"]]
    assert listed == [lr.reference]
    assert api_a.get("/api/v1/requests/", status="closed").json()["count"] == 0
    assert api_a.get("/api/v1/requests/", q="CR-2026").json()["count"] == 1
    detail = api_a.get(f"/api/v1/requests/{lr.reference}/")
    assert detail.status_code == 200 and detail.json()["documents"][0]["sha256"]
    assert api_a.get(f"/api/v1/requests/{theirs.reference}/").status_code == 404
    assert api_b.get(f"/api/v1/requests/{lr.reference}/").status_code == 404


@pytest.mark.parametrize(
    ("method", "tail", "body"),
    [
        ("get", "", None),
        ("get", "timeline/", None),
        ("get", "messages/", None),
        ("post", "messages/", {"body": "hello"}),
        ("post", "withdraw/", {}),
        ("post", "answer/", {"body": "x"}),
    ],
)
def test_other_agency_gets_404_everywhere(api_b, lr, method, tail, body):
    path = f"/api/v1/requests/{lr.reference}/{tail}"
    response = api_b.get(path) if method == "get" else api_b.post(path, body)
    assert response.status_code == 404
    lr.refresh_from_db()
    assert lr.status == Status.VALIDATED and Message.objects.count() == 0


def test_other_agency_cannot_add_documents(api_b, lr):
    response = api_b.post(f"/api/v1/requests/{lr.reference}/documents/", {"file": pdf_upload()}, multipart=True)
    assert response.status_code == 404 and lr.documents.count() == 1


def test_timeline_is_public_events_only(api_a, lr):
    from requests_app.audit import event_record

    event_record(event_type=EventType.SENSITIVE_VIEW, request=lr, message="internal", public=False)
    events = api_a.get(f"/api/v1/requests/{lr.reference}/timeline/").json()
    assert [e["type"] for e in events] == ["submitted", "transition"]


def test_messages_list_and_post(api_a, lr, reviewer, django_capture_on_commit_callbacks):
    services.message_post(request=lr, author=reviewer.user, body="Please confirm the date range.")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_a.post(f"/api/v1/requests/{lr.reference}/messages/", {"body": "Confirmed."})
    assert response.status_code == 201 and response.json()["from_agency"] is True
    thread = api_a.get(f"/api/v1/requests/{lr.reference}/messages/").json()
    assert [m["author"] for m in thread] == ["Legal team", "Alice Officer"]
    assert RequestEvent.objects.filter(event_type=EventType.MESSAGE).count() == 2
    assert api_a.post(f"/api/v1/requests/{lr.reference}/messages/", {"body": ""}).status_code == 400


def test_add_document_refusals(api_a, lr):
    response = api_a.post(
        f"/api/v1/requests/{lr.reference}/documents/", {"file": pdf_upload("a.pdf", b"%PDF-1.7 junk")}, multipart=True
    )
    assert response.status_code == 400 and response.json()["errors"]["file"][0]["code"] == "broken"
    api_a.post(f"/api/v1/requests/{lr.reference}/withdraw/", {})
    response = api_a.post(f"/api/v1/requests/{lr.reference}/documents/", {"file": pdf_upload()}, multipart=True)
    assert response.status_code == 409
    assert lr.documents.count() == 1


def test_withdraw(api_a, lr):
    response = api_a.post(f"/api/v1/requests/{lr.reference}/withdraw/", {"reason": "Solved"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    again = api_a.post(f"/api/v1/requests/{lr.reference}/withdraw/", {})
    assert again.status_code == 409 and again.json()["code"] == "final_state"


def test_answer_needs_info(api_a, lr, reviewer):
    assert api_a.post(f"/api/v1/requests/{lr.reference}/answer/", {"body": "early"}).status_code == 409
    request_transition(request=lr, to=Status.IN_REVIEW, actor=reviewer.user)
    request_transition(request=lr, to=Status.NEEDS_INFO, actor=reviewer.user, reason="Which time zone?")
    response = api_a.post(
        f"/api/v1/requests/{lr.reference}/answer/", {"body": "UTC", "file": pdf_upload()}, multipart=True
    )
    assert response.status_code == 200 and response.json()["status"] == "in_review"
    assert lr.messages.count() == 1 and lr.documents.count() == 2


# --- schema and docs --------------------------------------------------------------------------------


def test_schema_and_docs_are_served_locally(anon):
    schema = anon.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/requests/" in paths and "/api/v1/requests/dry-run/" in paths
    assert not any("bench" in p for p in paths)
    docs = anon.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "<script>" not in docs and "<style>" not in docs  # nothing inline: the strict CSP allows none
    script = anon.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_bench_endpoint_absent_by_default(api_a):
    assert api_a.post("/api/bench/bare/", {}).status_code == 404


def test_list_query_count_does_not_grow_with_rows(api_a, officer_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import LegalRequestFactory

    LegalRequestFactory(agency=officer_a.agency)
    api_a.get("/api/v1/requests/")
    with CaptureQueriesContext(connection) as one:
        api_a.get("/api/v1/requests/")
    for _ in range(10):
        LegalRequestFactory(agency=officer_a.agency)
    with CaptureQueriesContext(connection) as eleven:
        assert api_a.get("/api/v1/requests/").json()["count"] == 11
    assert len(eleven) == len(one)


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
