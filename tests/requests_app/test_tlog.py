"""The log's maths (requests_app.tlog) against RFC 6962's published test vectors and pymerkle, an
independent implementation; signed notes and checkpoints round-trip and refuse forgeries. No database."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymerkle import InmemoryTree

from requests_app import tlog

# The eight leaves and roots of the certificate-transparency reference test data (RFC 6962 trees,
# same hashing as RFC 9162 §2.1.1), used by Go's transparency-dev/merkle and Chromium's tests.
CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_roots_match_the_ct_reference_vectors():
    leaves = [tlog.leaf_hash(bytes.fromhex(x)) for x in CT_LEAVES]
    for n in range(1, 9):
        assert tlog.root_of(leaves[:n]).hex() == CT_ROOTS[n - 1]
    assert tlog.root_of([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


ENTRIES = [f"entry {i}".encode() for i in range(64)]
LEAVES = [tlog.leaf_hash(e) for e in ENTRIES]


def _stored_nodes(leaves):
    """The complete subtrees a stored tree keeps, as the sequencer stores them."""
    nodes = {(0, i): h for i, h in enumerate(leaves)}
    level = 0
    while True:
        row = [(i, nodes[(level, i)]) for i in range(len(leaves) >> level)]
        if len(row) < 2:
            return nodes
        for j in range(len(row) // 2):
            nodes[(level + 1, j)] = tlog.node_hash(row[2 * j][1], row[2 * j + 1][1])
        level += 1


NODES = _stored_nodes(LEAVES)


def node(level, index):
    return NODES[(level, index)]


@pytest.fixture(scope="module")
def reference():
    tree = InmemoryTree(algorithm="sha256")
    for e in ENTRIES:
        tree.append_entry(e)
    return tree


@pytest.mark.parametrize("size", range(1, 65))
def test_root_and_inclusion_proofs_match_pymerkle(reference, size):
    root = tlog.root_of(LEAVES[:size])
    assert root == reference.get_root(size)
    assert tlog.fold([node(lv, ix) for lv, ix in tlog.complete_subtrees(0, size)]) == root
    for index in range(size):
        proof = tlog.proof_from(tlog.inclusion_ranges(index, size), node)
        # pymerkle's path starts with the leaf itself; the rest is RFC 9162's PATH, sibling first.
        theirs = reference.prove_inclusion(index + 1, size).serialize()["path"][1:]
        assert [p.hex() for p in proof] == theirs
        assert tlog.verify_inclusion(index, size, LEAVES[index], proof, root)
        assert not tlog.verify_inclusion(index, size, tlog.leaf_hash(b"forged"), proof, root)
        if proof:
            assert not tlog.verify_inclusion(index, size, LEAVES[index], proof[:-1], root)


@pytest.mark.parametrize("new", range(1, 65))
def test_consistency_proofs_match_pymerkle(reference, new):
    new_root = tlog.root_of(LEAVES[:new])
    for old in range(1, new + 1):
        old_root = tlog.root_of(LEAVES[:old])
        proof = tlog.proof_from(tlog.consistency_ranges(old, new), node)
        assert tlog.verify_consistency(old, new, old_root, new_root, proof)
        if old < new:
            # pymerkle orders its consistency path differently; the roots it computes are the independent check.
            assert reference.get_root(old) == old_root and reference.get_root(new) == new_root
            forged = tlog.root_of(LEAVES[: old - 1] + [tlog.leaf_hash(b"forged")])
            assert not tlog.verify_consistency(old, new, forged, new_root, proof)
            assert not tlog.verify_consistency(old, new, old_root, forged, proof)


def test_signed_checkpoint_round_trips_and_refuses_forgeries():
    key = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    verifier = tlog.verifier_key("portal.example/log", raw)
    cp = tlog.Checkpoint("portal.example/log", 5, LEAVES[0])
    note = tlog.sign_note(cp.body(), "portal.example/log", key)
    body, sig = note.split("\n\n")
    assert body == f"portal.example/log\n5\n{base64.b64encode(LEAVES[0]).decode()}"
    assert sig.startswith("\u2014 portal.example/log ")
    assert base64.b64decode(sig.split()[-1])[:4] == tlog.key_id("portal.example/log", raw)
    assert tlog.open_checkpoint(note, verifier) == cp
    with pytest.raises(tlog.NoteError, match="does not verify"):
        tlog.open_checkpoint(note.replace("\n5\n", "\n6\n"), verifier)
    other = Ed25519PrivateKey.generate()
    with pytest.raises(tlog.NoteError, match="no signature by"):
        tlog.open_checkpoint(tlog.sign_note(cp.body(), "someone.else", other), verifier)


def test_key_id_follows_c2sp_signed_note():
    """C2SP: key ID = SHA-256(name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4]."""
    import hashlib

    raw = bytes(range(32))
    assert tlog.key_id("example.com/log", raw) == hashlib.sha256(b"example.com/log\n\x01" + raw).digest()[:4]


def test_verifier_keys_whose_base64_holds_a_plus_parse():
    """Found by chance in the suite: base64 may contain '+', the separator of the key's parts."""
    for seed in range(64):
        raw = bytes([seed]) * 32
        name, parsed = tlog.parse_verifier_key(tlog.verifier_key("log.example", raw))
        assert (name, parsed) == ("log.example", raw)
