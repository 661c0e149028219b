"""The Merkle log: events are inserted pending, the sequencer gives positions and signs checkpoints; proofs
from the stored tree verify; concurrent writers on PostgreSQL get distinct positions and one tree."""

import base64

import pytest
from django.db import transaction

from requests_app import audit, tlog
from requests_app.audit import event_record, sequence_pending, verify_log
from requests_app.lifecycle import Status
from requests_app.models import EventType, LogCheckpoint, LogNode, RequestEvent
from requests_app.services import request_transition
from tests.factories import LegalRequestFactory

pytestmark = pytest.mark.django_db


def _three_events(reviewer):
    request = LegalRequestFactory(status=Status.VALIDATED)
    request_transition(request=request, to=Status.IN_REVIEW, actor=reviewer.user)
    event_record(event_type=EventType.SENSITIVE_VIEW, actor=reviewer.user, request=request, payload={"what": "targets"})
    request_transition(request=request, to=Status.NEEDS_INFO, actor=reviewer.user, reason="Which account?")
    return request


def test_events_wait_pending_then_become_leaves_of_a_signed_tree(reviewer):
    _three_events(reviewer)
    assert list(RequestEvent.objects.values_list("seq", flat=True)) == [None] * 3
    assert sequence_pending() == 3
    events = list(RequestEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3]
    leaves = [tlog.leaf_hash(audit.canonical(e)) for e in events]
    assert [e.leaf_hash for e in events] == [h.hex() for h in leaves]
    checkpoint = tlog.open_checkpoint(audit.latest_checkpoint().note, audit.verifier_key())
    assert (checkpoint.size, checkpoint.root) == (3, tlog.root_of(leaves))
    assert verify_log().ok


def test_salted_leaves_differ_for_identical_events():
    with transaction.atomic():
        a = event_record(event_type=EventType.SENSITIVE_VIEW, payload={"same": 1}, at=None)
        b = event_record(event_type=EventType.SENSITIVE_VIEW, payload={"same": 1}, at=a.created_at)
    sequence_pending()
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.salt != b.salt and a.leaf_hash != b.leaf_hash


def test_proofs_from_the_stored_tree_verify_and_read_few_rows(django_assert_max_num_queries):
    for n in range(37):
        event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": n})
        if n % 5 == 0:
            sequence_pending()  # several batches, several checkpoints
    sequence_pending()
    sizes = list(LogCheckpoint.objects.order_by("size").values_list("size", flat=True))
    assert sizes[-1] == 37 and len(sizes) > 5
    roots = {cp.size: bytes.fromhex(cp.root) for cp in LogCheckpoint.objects.all()}
    leaves = {e.seq - 1: bytes.fromhex(e.leaf_hash) for e in RequestEvent.objects.all()}
    for size in sizes:
        for index in range(size):
            with django_assert_max_num_queries(2):
                proof = audit.inclusion_proof(index, size)
            assert tlog.verify_inclusion(index, size, leaves[index], proof, roots[size])
        for old in sizes:
            if old <= size:
                with django_assert_max_num_queries(2):
                    proof = audit.consistency_proof(old, size)
                assert tlog.verify_consistency(old, size, roots[old], roots[size], proof)
    # One stored node per complete subtree: 37 leaves + 18 + 9 + 4 + 2 + 1.
    assert LogNode.objects.count() == 37 + 18 + 9 + 4 + 2 + 1


def test_checkpoint_is_c2sp_text(settings):
    event_record(event_type=EventType.SENSITIVE_VIEW)
    sequence_pending()
    note = audit.latest_checkpoint().note
    body, sig = note.split("\n\n")
    origin, size, root = body.split("\n")
    assert origin == settings.LOG_ORIGIN and size == "1" and len(base64.b64decode(root)) == 32
    assert sig.startswith(f"\u2014 {settings.LOG_ORIGIN} ") and sig.endswith("\n")


def test_pending_too_long_is_an_alarm(settings):
    from datetime import timedelta

    from django.utils import timezone

    event_record(event_type=EventType.SENSITIVE_VIEW, at=timezone.now() - timedelta(seconds=120))
    settings.LOG_PENDING_ALARM_SECONDS = 60
    report = verify_log()
    assert [p.kind for p in report.problems] == ["pending"]
    sequence_pending()
    assert verify_log().ok


def _write_concurrently(writes, threads: int = 16) -> None:
    """Run writes(n) in `threads` threads started at once, each on its own connection; re-raise any error."""
    import threading

    from django.db import connection, connections

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers itself; concurrent sequencing is exercised on PostgreSQL in CI")
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
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_writers_get_distinct_positions_and_one_tree():
    """16 threads write events and batches at once; every commit kicks the sequencer (eager Celery, so 16
    sequencers race for the advisory lock). All events end with distinct positions in one verified tree."""

    def writes(n: int) -> None:
        for i in range(5):
            with transaction.atomic(), audit.batch():
                for j in range(3):
                    event_record(event_type=EventType.SENSITIVE_VIEW, payload={"w": n, "i": i, "j": j})
            event_record(event_type=EventType.SENSITIVE_VIEW, payload={"w": n, "i": i})

    _write_concurrently(writes)
    sequence_pending()  # whatever a kick that lost the lock race left (the winner loops, but its last check may race)
    assert sorted(RequestEvent.objects.values_list("seq", flat=True)) == list(range(1, 16 * 20 + 1))
    report = verify_log()
    assert report.ok and report.size == 320
