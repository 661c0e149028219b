"""The public log endpoints (no login): checkpoint, key, consistency and inclusion proofs; and the offline
verifier (requests_app/tlog.py run as a separate Python process with no Django settings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from requests_app import audit, tlog
from requests_app.audit import event_record, sequence_pending
from requests_app.models import EventType

pytestmark = pytest.mark.django_db

TLOG = Path(audit.__file__).with_name("tlog.py")


@pytest.fixture
def log():
    for n in range(9):
        event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": n})
        if n in (2, 8):
            sequence_pending()
    return audit.latest_checkpoint()


def test_no_checkpoint_yet_is_404(anon):
    assert anon.get(reverse("transparency:log_checkpoint")).status_code == 404


def test_checkpoint_and_key_are_public_and_verify(anon, log):
    note = anon.get(reverse("transparency:log_checkpoint")).content.decode()
    key = anon.get(reverse("transparency:log_key")).content.decode().strip()
    assert note == log.note
    assert tlog.open_checkpoint(note, key).size == 9


def test_consistency_proof_endpoint(anon, django_assert_max_num_queries):
    for n in range(3):
        event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": n})
    sequence_pending()
    old = tlog.open_checkpoint(audit.latest_checkpoint().note, audit.verifier_key())
    for n in range(6):
        event_record(event_type=EventType.SENSITIVE_VIEW, payload={"n": n})
    sequence_pending()
    new = tlog.open_checkpoint(audit.latest_checkpoint().note, audit.verifier_key())
    with django_assert_max_num_queries(3):
        answer = anon.get(reverse("transparency:log_consistency"), {"from": 3, "to": 9}).json()
    proof = [bytes.fromhex(h) for h in answer["proof"]]
    assert tlog.verify_consistency(old.size, new.size, old.root, new.root, proof)


@pytest.mark.parametrize(
    "query", [{}, {"from": "x", "to": 3}, {"from": 0, "to": 3}, {"from": 5, "to": 3}, {"from": 1, "to": 99}]
)
@pytest.mark.usefixtures("log")
def test_bad_consistency_queries_are_400_in_words(anon, query):
    response = anon.get(reverse("transparency:log_consistency"), query)
    assert response.status_code == 400 and "size" in response.json()["error"]


def test_inclusion_proof_endpoint(anon, log):
    answer = anon.get(reverse("transparency:log_inclusion"), {"index": 4, "size": 9}).json()
    from requests_app.models import RequestEvent

    leaf = bytes.fromhex(RequestEvent.objects.get(seq=5).leaf_hash)
    cp = tlog.open_checkpoint(log.note, audit.verifier_key())
    assert tlog.verify_inclusion(4, 9, leaf, [bytes.fromhex(h) for h in answer["proof"]], cp.root)
    assert anon.get(reverse("transparency:log_inclusion"), {"index": 9, "size": 9}).status_code == 400


def _offline(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run tlog.py as an outsider would: a copy of the one file, a clean environment, no project on the path."""
    copy = cwd / "tlog.py"
    copy.write_text(TLOG.read_text())
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONNOUSERSITE": "1"}
    return subprocess.run(  # noqa: S603 - our own interpreter and file
        [sys.executable, "-I", str(copy), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.usefixtures("log")
def test_a_receipt_verifies_offline_and_a_forged_one_does_not(tmp_path):
    from requests_app.models import RequestEvent

    receipt = audit.receipt_for(RequestEvent.objects.get(seq=2))
    (tmp_path / "receipt.json").write_text(json.dumps(receipt))
    (tmp_path / "log.pub").write_text(audit.verifier_key())
    ok = _offline("receipt", "receipt.json", "--key", "log.pub", cwd=tmp_path)
    assert ok.returncode == 0 and "OK: the entry is leaf 1" in ok.stdout, ok.stderr
    forged = dict(receipt, entry=receipt["entry"].replace('"n":1', '"n":7'))
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    bad = _offline("receipt", "forged.json", "--key", "log.pub", cwd=tmp_path)
    assert bad.returncode == 1 and "NOT VERIFIED" in bad.stdout


@pytest.mark.usefixtures("log")
def test_consistency_verifies_offline(tmp_path):
    old = audit.latest_checkpoint().note
    for n in range(4):
        event_record(event_type=EventType.SENSITIVE_VIEW, payload={"more": n})
    sequence_pending()
    new = audit.latest_checkpoint().note
    (tmp_path / "old.txt").write_text(old)
    (tmp_path / "new.txt").write_text(new)
    (tmp_path / "proof.json").write_text(json.dumps({"proof": [h.hex() for h in audit.consistency_proof(9, 13)]}))
    key = audit.verifier_key()
    ok = _offline("consistency", "old.txt", "new.txt", "proof.json", "--key", key, cwd=tmp_path)
    assert ok.returncode == 0 and "extends the tree of size 9" in ok.stdout, ok.stderr
    (tmp_path / "proof.json").write_text(json.dumps({"proof": [h.hex() for h in audit.consistency_proof(8, 13)]}))
    bad = _offline("consistency", "old.txt", "new.txt", "proof.json", "--key", key, cwd=tmp_path)
    assert bad.returncode == 1
