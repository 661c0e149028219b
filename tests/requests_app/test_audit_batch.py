"""audit.batch(): events of one transaction appended together, at its end, still all or nothing."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from requests_app import audit
from requests_app.audit import event_record, verify_chain
from requests_app.documents import DocumentInput
from requests_app.models import AuditChainHead, EventType, RequestEvent
from requests_app.services import request_submit
from tests.factories import minimal_pdf, warrant_data

pytestmark = pytest.mark.django_db


def _pdf() -> DocumentInput:
    return DocumentInput("warrant.pdf", minimal_pdf())


def test_batched_events_are_written_at_the_end_in_order():
    with transaction.atomic(), audit.batch():
        first = event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": 1})
        second = event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": 2})
        # Recorded, not yet appended: no seq, nothing in the table.
        assert first.seq is None and second.seq is None
        assert not RequestEvent.objects.exists()
    events = list(RequestEvent.objects.order_by("seq"))
    assert [e.payload["n"] for e in events] == [1, 2]
    assert [e.seq for e in events] == [first.seq, second.seq] == [1, 2]
    assert events[1].prev_hash == events[0].hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (2, events[1].hash)
    assert verify_chain() is None


def test_batch_locks_the_head_once_for_all_its_events():
    event_record(event_type=EventType.SENSITIVE_VIEW)  # the head row exists
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic(), audit.batch():
            for n in range(5):
                event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": n})
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("auditchainhead" in s.lower() for s in sql) == 2  # one locking read, one update
    assert sum(s.startswith("INSERT") for s in sql) == 1  # one multi-row insert
    assert RequestEvent.objects.count() == 6
    assert verify_chain() is None


def test_a_failed_batch_leaves_no_event_and_no_change(officer_a):
    event_record(event_type=EventType.SENSITIVE_VIEW)
    with pytest.raises(RuntimeError), transaction.atomic(), audit.batch():
        event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": "lost"})
        raise RuntimeError("the change failed")
    assert RequestEvent.objects.count() == 1
    assert AuditChainHead.objects.get(pk=1).last_seq == 1
    # The next event still links to the last one written.
    event_record(event_type=EventType.SENSITIVE_VIEW)
    assert verify_chain() is None


@pytest.mark.django_db(transaction=True)
def test_batch_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"), audit.batch():
        pass  # pragma: no cover - never reached


def test_nested_batches_join_the_outer_one():
    with transaction.atomic(), audit.batch():
        event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": 1})
        with audit.batch():
            event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": 2})
        assert not RequestEvent.objects.exists()
    assert list(RequestEvent.objects.order_by("seq").values_list("payload__n", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_submission_writes_its_two_events_in_one_append(officer_a, monkeypatch):
    """A real transaction (no test transaction around it), as in a web request. The after-commit
    follow-ups (provisional hold, follow-up links) write their own events and have their own tests."""
    from requests_app.production import tasks as production_tasks

    monkeypatch.setattr(production_tasks.provisional_holds, "delay", lambda *a, **k: None)
    request_submit(actor=officer_a.user, data=warrant_data(), documents=[_pdf()])  # warm: head exists, caches filled
    with CaptureQueriesContext(connection) as queries:
        request = request_submit(actor=officer_a.user, data=warrant_data(case_number="CR-2"), documents=[_pdf()])
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("auditchainhead" in s.lower() for s in sql) == 2
    assert not any("SAVEPOINT" in s for s in sql)
    events = list(request.events.order_by("seq"))
    assert [e.event_type for e in events] == [EventType.SUBMITTED, EventType.TRANSITION]
    assert events[1].seq == events[0].seq + 1
    assert verify_chain() is None
