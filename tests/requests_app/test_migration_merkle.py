"""Migration 0007_merkle_log: the chained events become the first leaves, in chain order, nothing lost."""

import hashlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from requests_app import audit

BEFORE = [("requests_app", "0006_event_type_cybertipline")]


@pytest.mark.django_db(transaction=True)
def test_chained_events_become_the_first_leaves_in_order():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Event = old.get_model("requests_app", "RequestEvent")
    prev = "0" * 64
    for seq in (1, 2, 3, 4, 5):  # written as the chain wrote them
        body = json.dumps({"seq": seq}).encode()
        digest = hashlib.sha256(prev.encode() + b"\n" + body).hexdigest()
        Event.objects.create(seq=seq, event_type="sensitive_view", payload={"n": seq}, prev_hash=prev, hash=digest)
        prev = digest

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from requests_app.models import LogNode, RequestEvent

    events = list(RequestEvent.objects.order_by("seq"))
    assert [(e.seq, e.payload["n"]) for e in events] == [(i, i) for i in range(1, 6)]
    assert len({e.salt for e in events}) == 5 and all(len(e.salt) == 32 for e in events)
    assert LogNode.objects.count() == 5 + 2 + 1  # leaves, two pairs, one group of four
    assert audit.latest_checkpoint() is None
    audit.sequence_pending()  # signs the first checkpoint over the migrated leaves
    assert audit.latest_checkpoint().size == 5
    assert audit.verify_log().ok
