"""verify_audit recomputes the tree: an edited field of any event, a deleted, swapped or re-hashed event,
and a whole rewritten tree and head are all found, the last one thanks to a checkpoint kept outside."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from requests_app import audit, tlog
from requests_app.models import LogCheckpoint, LogNode, RequestEvent
from requests_app.review import services as svc

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(lr, reviewer):
    svc.review_start(request=lr, actor=reviewer.user)
    svc.review_request_info(request=lr, actor=reviewer.user, question="Which account?")
    audit.sequence_pending()
    events = list(RequestEvent.objects.order_by("seq"))
    assert len(events) >= 5
    return events


@pytest.fixture
def saved_checkpoint(chain, tmp_path):
    """What a witness keeps outside the database."""
    path = tmp_path / "checkpoint.txt"
    path.write_text(audit.latest_checkpoint().note)
    return str(path)


def run(*args) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def test_intact_log_passes(chain, saved_checkpoint):
    assert f"{len(chain)} events verified" in run("--checkpoint", saved_checkpoint)


# Every stored field that goes into the leaf, with a value it could be forged to.
FORGERIES = {
    "request_id": None,
    "agency_id": None,
    "event_type": "download",
    "actor_id": None,
    "created_at": "2020-01-01T00:00:00Z",
    "public": None,  # flipped below
    "from_status": "rejected",
    "to_status": "approved",
    "message": "nothing to see here",
    "payload": {"findings": []},
    "ip_address": "10.9.9.9",
    "salt": "0" * 32,
}


@pytest.mark.parametrize("field", sorted(FORGERIES))
@pytest.mark.parametrize("which", [0, 2, -1])
def test_any_edited_field_of_any_event_is_named(chain, saved_checkpoint, field, which):
    victim = chain[which]
    value = (not victim.public) if field == "public" else FORGERIES[field]
    if field in {"request_id", "agency_id", "actor_id"} and getattr(victim, field) is None:
        value = chain[0].request_id if field == "request_id" else (chain[0].agency_id or victim.request.agency_id)
        if field == "actor_id":
            from tests.factories import UserFactory

            value = UserFactory().pk
    RequestEvent.objects.filter(pk=victim.pk).update(**{field: value})
    with pytest.raises(CommandError, match=rf"event #{victim.seq}: edited") as exc:
        run("--checkpoint", saved_checkpoint)
    assert exc.value.returncode == 1


def test_edit_with_a_recomputed_leaf_hash_is_still_found(chain, saved_checkpoint):
    victim = chain[2]
    victim.message = "forged"
    RequestEvent.objects.filter(pk=victim.pk).update(
        message="forged", leaf_hash=tlog.leaf_hash(audit.canonical(victim)).hex()
    )
    with pytest.raises(CommandError, match=rf"event #{victim.seq}: reordered"):
        run("--checkpoint", saved_checkpoint)


@pytest.mark.usefixtures("chain")
def test_deleted_event_is_named(saved_checkpoint):
    RequestEvent.objects.filter(seq=4).delete()
    with pytest.raises(CommandError, match=r"event #4: missing"):
        run("--checkpoint", saved_checkpoint)


def test_deleted_last_event_is_caught_by_the_checkpoints(chain, saved_checkpoint):
    last = chain[-1].seq
    RequestEvent.objects.filter(seq=last).delete()
    with pytest.raises(CommandError, match=rf"event #{last}: missing: the signed checkpoint of size {last}"):
        run("--checkpoint", saved_checkpoint)


def test_swapped_events_are_named(chain, saved_checkpoint):
    a, b = chain[2], chain[3]
    RequestEvent.objects.filter(pk=a.pk).update(seq=10_000)
    RequestEvent.objects.filter(pk=b.pk).update(seq=a.seq)
    RequestEvent.objects.filter(pk=a.pk).update(seq=b.seq)
    with pytest.raises(CommandError, match=rf"event #{a.seq}: reordered"):
        run("--checkpoint", saved_checkpoint)


def _rewrite_everything(victim_seq: int) -> None:
    """The insider with full database access: edit an event, then rebuild every leaf hash, every node and
    drop every checkpoint the edit contradicts. Without the signing key, no new checkpoint."""
    RequestEvent.objects.filter(seq=victim_seq).update(message="forged")
    LogNode.objects.all().delete()
    LogCheckpoint.objects.all().delete()
    events = list(RequestEvent.objects.order_by("seq"))
    stack: list = []
    nodes = []
    for i, e in enumerate(events):
        leaf = tlog.leaf_hash(audit.canonical(e))
        RequestEvent.objects.filter(pk=e.pk).update(leaf_hash=leaf.hex())
        nodes += audit._push(stack, i, leaf)
    LogNode.objects.bulk_create(nodes)


def test_rewritten_tree_and_head_are_found_with_an_outside_checkpoint(chain, saved_checkpoint):
    _rewrite_everything(chain[1].seq)
    assert "events verified" in run()  # nothing inside the database contradicts it any more...
    with pytest.raises(CommandError, match=r"checkpoint: the events do not give the root of the checkpoint given"):
        run("--checkpoint", saved_checkpoint)  # ...but the checkpoint kept outside does


def test_rewritten_tree_re_signed_with_the_key_is_found_with_an_outside_checkpoint(chain, saved_checkpoint):
    """Even an attacker holding the signing key cannot rewrite history already witnessed."""
    _rewrite_everything(chain[1].seq)
    audit.sequence_pending()  # signs a checkpoint over the forged tree
    assert audit.latest_checkpoint().size == len(chain)
    with pytest.raises(CommandError, match=r"the checkpoint given"):
        run("--checkpoint", saved_checkpoint)


def test_a_forged_checkpoint_file_is_refused(chain, tmp_path):
    path = tmp_path / "forged.txt"
    path.write_text(audit.latest_checkpoint().note.replace(f"\n{len(chain)}\n", "\n2\n"))
    with pytest.raises(CommandError, match=r"signature: the checkpoint given: .*does not verify"):
        run("--checkpoint", str(path))


@pytest.mark.usefixtures("chain")
def test_a_stored_checkpoint_edited_in_place_is_found():
    cp = audit.latest_checkpoint()
    LogCheckpoint.objects.filter(pk=cp.pk).update(note=cp.note.replace("\n\n", "\nx\n\n", 1))
    with pytest.raises(CommandError, match=r"signature: stored checkpoint"):
        run()


def test_audit_page_flags_an_edited_event(client_reviewer, chain, lr):
    RequestEvent.objects.filter(seq=chain[2].seq).update(message="forged")
    html = client_reviewer.get(reverse("review:audit", args=[lr.reference])).content.decode()
    assert "TAMPERED" in html and "Some events do not match" in html
