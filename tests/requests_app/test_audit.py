"""The hash chain: every change leaves a linked event; tampering is detected."""

import pytest

from requests_app.audit import GENESIS, event_record, verify_chain
from requests_app.lifecycle import Status
from requests_app.models import EventType, RequestEvent
from requests_app.services import request_transition
from tests.factories import LegalRequestFactory

pytestmark = pytest.mark.django_db


def _three_events(reviewer):
    request = LegalRequestFactory(status=Status.VALIDATED)
    request_transition(request=request, to=Status.IN_REVIEW, actor=reviewer.user)
    event_record(event_type=EventType.SENSITIVE_VIEW, actor=reviewer.user, request=request, payload={"what": "targets"})
    request_transition(request=request, to=Status.NEEDS_INFO, actor=reviewer.user, reason="Which account?")
    return request


def test_chain_links_every_event(reviewer):
    _three_events(reviewer)
    events = list(RequestEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert verify_chain() is None


def test_edit_detected(reviewer):
    _three_events(reviewer)
    RequestEvent.objects.filter(seq=2).update(payload={"what": "nothing"})
    problem = verify_chain()
    assert (problem.seq, problem.kind) == (2, "edited")


def test_delete_detected(reviewer):
    _three_events(reviewer)
    RequestEvent.objects.filter(seq=2).delete()
    problem = verify_chain()
    assert (problem.seq, problem.kind) == (2, "missing")


def test_delete_last_detected(reviewer):
    _three_events(reviewer)
    RequestEvent.objects.filter(seq=3).delete()
    problem = verify_chain()
    assert problem.kind == "missing" and problem.seq == 3


def _write_concurrently(writes, threads: int = 8) -> None:
    """Run writes(n) in `threads` threads started at once, each on its own connection; re-raise any error.

    On SQLite writers are serialised by the database itself, so this is skipped there;
    on PostgreSQL (CI) it exercises the row lock on AuditChainHead.
    """
    import threading

    from django.db import connection, connections

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers itself; the chain-head lock is exercised on PostgreSQL in CI")
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def run(n: int) -> None:
        try:
            barrier.wait()
            writes(n)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    started = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join()
    assert not errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_cannot_fork_the_chain():
    """Eight threads append at once; the chain stays linear and verifiable."""

    def writes(n: int) -> None:
        for i in range(10):
            event_record(event_type=EventType.SENSITIVE_VIEW, payload={"writer": n, "i": i})

    _write_concurrently(writes)
    assert RequestEvent.objects.count() == 80
    assert sorted(RequestEvent.objects.values_list("seq", flat=True)) == list(range(1, 81))
    assert verify_chain() is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_cannot_fork_the_chain():
    """Eight threads append batches of three (audit.batch) and single events at once; the chain stays linear."""
    from django.db import transaction

    from requests_app import audit

    def writes(n: int) -> None:
        for i in range(5):
            with transaction.atomic(), audit.batch():
                for j in range(3):
                    event_record(event_type=EventType.SENSITIVE_VIEW, payload={"w": n, "i": i, "j": j})
            event_record(event_type=EventType.SENSITIVE_VIEW, payload={"w": n, "i": i})

    _write_concurrently(writes)
    assert sorted(RequestEvent.objects.values_list("seq", flat=True)) == list(range(1, 161))
    # The three events of each batch are consecutive in the chain.
    by_batch: dict[tuple, list[int]] = {}
    for seq, payload in RequestEvent.objects.values_list("seq", "payload"):
        if "j" in payload:
            by_batch.setdefault((payload["w"], payload["i"]), []).append(seq)
    assert all(sorted(s) == list(range(min(s), min(s) + 3)) for s in by_batch.values())
    assert verify_chain() is None
