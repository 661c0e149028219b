"""log_witness against the portal served for real (live_server): it accepts a log that only grew, and
exits non-zero naming a fork (same size, another root) and a rewrite (the new tree does not extend the old)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from requests_app import audit, tlog
from requests_app.audit import event_record, sequence_pending
from requests_app.models import EventType, LogCheckpoint, LogNode, RequestEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _events(n: int, tag: str = "e") -> None:
    for i in range(n):
        event_record(event_type=EventType.SENSITIVE_VIEW, payload={tag: i})
    sequence_pending()


def witness(live_server, state) -> str:
    out = StringIO()
    call_command("log_witness", live_server.url, str(state), stdout=out)
    return out.getvalue()


def _rebuild_tree() -> None:
    """An operator with the database and the signing key rebuilds the tree over edited events and re-signs."""
    LogNode.objects.all().delete()
    LogCheckpoint.objects.all().delete()
    stack: list = []
    nodes = []
    for i, e in enumerate(RequestEvent.objects.order_by("seq")):
        leaf = tlog.leaf_hash(audit.canonical(e))
        RequestEvent.objects.filter(pk=e.pk).update(leaf_hash=leaf.hex())
        nodes += audit._push(stack, i, leaf)
    LogNode.objects.bulk_create(nodes)
    sequence_pending()  # signs the rebuilt tree


def test_a_growing_log_is_accepted_and_remembered(live_server, tmp_path):
    state = tmp_path / "witness.json"
    _events(3)
    assert "size 3" in witness(live_server, state)
    _events(5)
    assert "size 8" in witness(live_server, state)
    saved = json.loads(state.read_text())
    assert saved["key"] == audit.verifier_key() and "\n8\n" in saved["checkpoint"]
    assert "size 8" in witness(live_server, state)  # unchanged is fine too


def test_a_fork_is_detected(live_server, tmp_path):
    state = tmp_path / "witness.json"
    _events(4)
    witness(live_server, state)
    RequestEvent.objects.filter(seq=2).update(message="forged")
    _rebuild_tree()  # same size, another root
    with pytest.raises(CommandError, match=r"FORK: two signed checkpoints of size 4"):
        witness(live_server, state)
    assert "\n4\n" in json.loads(state.read_text())["checkpoint"]  # the honest checkpoint is kept


def test_a_rewrite_is_detected(live_server, tmp_path):
    state = tmp_path / "witness.json"
    _events(5)
    witness(live_server, state)
    RequestEvent.objects.filter(seq=3).update(payload={"e": "forged"})
    _rebuild_tree()
    _events(4, tag="later")  # the rewritten log grows on, to look like a normal extension
    with pytest.raises(CommandError, match=r"REWRITTEN: the tree of size 9 does not extend the tree of size 5"):
        witness(live_server, state)


def test_a_checkpoint_signed_by_another_key_is_refused(live_server, tmp_path, settings):
    state = tmp_path / "witness.json"
    _events(2)
    witness(live_server, state)
    settings.LOG_SIGNING_KEY = "b3RoZXIta2V5LW9mLWFuLWltcG9zdG9yLTMyYnl0ZXM="
    _events(1)
    with pytest.raises(CommandError, match=r"does not verify: the note carries no signature by"):
        witness(live_server, state)
