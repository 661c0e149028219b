"""audit.batch(): events of one transaction inserted together at its end, still all or nothing, no shared lock."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from requests_app import audit
from requests_app.audit import event_record, sequence_pending, verify_log
from requests_app.documents import DocumentInput
from requests_app.models import EventType, RequestEvent
from requests_app.services import request_submit
from tests.factories import minimal_pdf, warrant_data

pytestmark = pytest.mark.django_db


def _pdf() -> DocumentInput:
    return DocumentInput("warrant.pdf", minimal_pdf())


def test_batched_events_are_written_at_the_end_and_sequenced_in_order():
    with transaction.atomic(), audit.batch():
        first = event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": 1})
        second = event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": 2})
        assert first.pk is None and second.pk is None and not RequestEvent.objects.exists()
    assert list(RequestEvent.objects.values_list("seq", flat=True)) == [None, None]
    assert sequence_pending() == 2
    events = list(RequestEvent.objects.order_by("seq"))
    assert [(e.seq, e.payload["n"]) for e in events] == [(1, 1), (2, 2)]
    assert verify_log().ok


def test_a_batch_is_one_insert_and_touches_no_shared_row():
    event_record(event_type=EventType.SENSITIVE_VIEW)
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic(), audit.batch():
            for n in range(5):
                event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": n})
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum(s.startswith("INSERT") for s in sql) == 1  # one multi-row insert
    assert not any(s.startswith(("UPDATE", "SELECT")) for s in sql)  # no head row read, locked or updated
    assert RequestEvent.objects.count() == 6


@pytest.mark.usefixtures("officer_a")
def test_a_failed_batch_leaves_no_event():
    event_record(event_type=EventType.SENSITIVE_VIEW)
    with pytest.raises(RuntimeError), transaction.atomic(), audit.batch():
        event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": "lost"})
        raise RuntimeError("the change failed")
    assert RequestEvent.objects.count() == 1
    event_record(event_type=EventType.SENSITIVE_VIEW)
    assert sequence_pending() == 2
    assert verify_log().ok


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
    sequence_pending()
    assert list(RequestEvent.objects.order_by("seq").values_list("payload__n", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_submission_is_sequenced_right_after_commit(officer_a, monkeypatch):
    """A real transaction (no test transaction around it), as in a web request: with eager Celery the
    sequencer runs on commit, so the events have positions and a checkpoint covers them when submit returns.
    The after-commit follow-ups (provisional hold, follow-up links) write their own events and have their
    own tests."""
    from requests_app import outbox

    # The follow-ups are written to the outbox but not run here.
    monkeypatch.setattr(outbox, "_publish_rows", lambda rows, **options: 0)
    request_submit(actor=officer_a.user, data=warrant_data(), documents=[_pdf()])  # warm caches
    with CaptureQueriesContext(connection) as queries:
        request = request_submit(actor=officer_a.user, data=warrant_data(case_number="CR-2"), documents=[_pdf()])
    sql = [q["sql"] for q in queries.captured_queries]
    assert not any("SAVEPOINT" in s for s in sql)
    events = list(request.events.order_by("seq"))
    assert [e.event_type for e in events] == [EventType.SUBMITTED, EventType.TRANSITION]
    assert events[1].seq == events[0].seq + 1
    assert audit.latest_checkpoint().size == RequestEvent.objects.count()
    assert verify_log().ok
