"""Issue 13 item 7: the submission writes each row once, in its final state, and does nothing twice; what it
stores is what it stored before (rows, events in order, follow-ups, an encrypted file bound to its row).

Runs on SQLite (ids not reserved: INSERT, then the reference UPDATE) and on PostgreSQL (ids reserved first).
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from requests_app import audit, documents, outbox
from requests_app.audit import event_record, sequence_pending, verify_log
from requests_app.documents import DocumentInput, open_plaintext
from requests_app.models import Document, EventType, FollowUp, LegalRequest, RequestEvent
from requests_app.services import request_submit
from tests.factories import emergency_data, minimal_pdf, warrant_data
from tests.intake.helpers import count_parses, multipart_body

pytestmark = pytest.mark.django_db


def test_an_api_submission_parses_its_pdf_once(api_a, monkeypatch):
    parses = count_parses(monkeypatch)
    response = api_a.post("/api/v1/requests/", multipart_body(), multipart=True)
    assert response.status_code == 201, response.content
    assert len(parses) == 1


def test_a_service_caller_without_a_checked_input_still_gets_the_check(officer_a, monkeypatch):
    parses = count_parses(monkeypatch)
    request_submit(actor=officer_a.user, data=warrant_data(), documents=[DocumentInput("w.pdf", minimal_pdf())])
    assert len(parses) == 1
    # and a marked input is only made by DocumentInput.checked, which checks
    with pytest.raises(documents.DocumentError):
        DocumentInput.checked("fake.pdf", b"not a pdf")


def test_the_submission_stores_the_same_rows_events_and_follow_ups(api_a):
    with CaptureQueriesContext(connection) as queries:
        response = api_a.post("/api/v1/requests/", multipart_body(), multipart=True)
    assert response.status_code == 201, response.content
    body = response.json()
    lr = LegalRequest.objects.get()
    assert body["reference"] == lr.reference == f"LR-{lr.received_at.year}-{lr.pk:06d}"
    assert lr.status == body["status"] == "validated"
    # Each row written once: no UPDATE of the request or the document inside the transaction.
    sql = [q["sql"] for q in queries.captured_queries]
    # (SQLite has no sequence to reserve the ids from: there the reference and the file are set by an UPDATE.)
    reserved = connection.vendor == "postgresql"
    assert sum(s.startswith('UPDATE "requests_app_document"') for s in sql) == (0 if reserved else 1)
    assert sum(s.startswith('UPDATE "requests_app_legalrequest"') for s in sql) == (0 if reserved else 1)
    assert sum(s.startswith('INSERT INTO "requests_app_followup"') for s in sql) == 1
    assert sum(s.startswith('INSERT INTO "requests_app_requestevent"') for s in sql) == 1
    # The events, in order: submitted, then the automatic validation; both in the log.
    events = list(lr.events.order_by("id"))
    assert [(e.event_type, e.from_status, e.to_status) for e in events] == [
        (EventType.SUBMITTED, "", "submitted"),
        (EventType.TRANSITION, "submitted", "validated"),
    ]
    assert events[0].message == f"{lr.reference} submitted"
    assert events[0].created_at <= events[1].created_at
    assert events[0].created_at == lr.received_at
    (document,) = Document.objects.all()
    assert events[0].payload == {"documents": [document.sha256], "targets": 2}
    # The follow-ups of submitted, of the stored document and of the transition, each once.
    rows = sorted((f.event, f.task, f.kwargs) for f in FollowUp.objects.exclude(event="mail:token_created"))
    assert ("document_stored", "requests_app.tasks.document_scan_task", {"document_id": document.pk}) in rows
    assert ("transitioned", "transparency.tasks.facts_refresh_task", {"request_id": lr.pk}) in rows
    assert sum(r[0] == "submitted" for r in rows) == 4 and len(rows) == 6
    # The file: encrypted, bound to its row (its id), the key id recorded, readable, the same bytes.
    assert document.key_id and document.file.name.startswith(f"documents/{lr.pk}/")
    assert open_plaintext(document) == minimal_pdf()
    assert body["documents"][0]["id"] == document.pk
    sequence_pending()
    assert verify_log().ok


def test_an_emergency_keeps_its_status_and_event_order(officer_a):
    lr = request_submit(actor=officer_a.user, data=emergency_data(), acknowledge_warnings=True)
    lr.refresh_from_db()
    assert lr.emergency and lr.status == "awaiting_verification"
    assert [e.to_status for e in lr.events.order_by("id")] == ["submitted", "awaiting_verification"]


def test_outbox_batch_is_one_insert_at_the_end_and_nothing_on_rollback():
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic(), outbox.batch():
            assert outbox.write(event="x", tasks=["a", "b"], kwargs={"n": 1}) == []
            outbox.write(event="y", tasks=["c"], kwargs={"n": 2})
            assert not FollowUp.objects.exists()
    assert sum(q["sql"].startswith('INSERT INTO "requests_app_followup"') for q in queries.captured_queries) == 1
    assert sorted(FollowUp.objects.values_list("task", flat=True)) == ["a", "b", "c"]
    with pytest.raises(RuntimeError):
        with transaction.atomic(), outbox.batch():
            outbox.write(event="z", tasks=["d"], kwargs={})
            raise RuntimeError("rolled back")
    assert not FollowUp.objects.filter(task="d").exists()


def test_one_event_inserted_by_the_prepared_statement_is_the_event_save_would_store(officer_a):
    lr = request_submit(actor=officer_a.user, data=warrant_data(), documents=[DocumentInput("w.pdf", minimal_pdf())])
    fields = [f.attname for f in RequestEvent._meta.concrete_fields if not f.primary_key]
    with transaction.atomic():
        fast = event_record(
            event_type=EventType.SENSITIVE_VIEW,
            actor=officer_a.user,
            request=lr,
            public=True,
            message="viewed",
            payload={"n": 1, "nested": {"a": [1, 2]}},
            ip="2001:db8::1",
        )
    assert fast.pk is not None and not fast._state.adding
    slow = RequestEvent(**{name: getattr(fast, name) for name in fields})
    slow.save(force_insert=True)
    stored_fast = RequestEvent.objects.values(*fields).get(pk=fast.pk)
    stored_slow = RequestEvent.objects.values(*fields).get(pk=slow.pk)
    assert stored_fast == stored_slow
    assert stored_fast["ip_address"] == "2001:db8::1" and stored_fast["payload"]["nested"] == {"a": [1, 2]}
    sequence_pending()
    assert verify_log().ok


def test_an_event_of_an_unsaved_request_is_refused_like_save_does(officer_a):
    unsaved = LegalRequest(agency=officer_a.agency, reference="never")
    with pytest.raises(ValueError, match="unsaved related object"):
        with transaction.atomic():
            event_record(event_type=EventType.SENSITIVE_VIEW, request=unsaved)
    assert not RequestEvent.objects.filter(event_type=EventType.SENSITIVE_VIEW).exists()


def test_audit_batch_and_outbox_batch_keep_their_own_order():
    # the submission nests them: both flush inside the transaction
    with transaction.atomic(), audit.batch(), outbox.batch():
        event_record(event_type=EventType.SENSITIVE_VIEW)
        outbox.write(event="x", tasks=["a"], kwargs={})
        assert not RequestEvent.objects.filter(event_type=EventType.SENSITIVE_VIEW).exists()
    assert RequestEvent.objects.filter(event_type=EventType.SENSITIVE_VIEW).count() == 1
    assert FollowUp.objects.filter(task="a").count() == 1
