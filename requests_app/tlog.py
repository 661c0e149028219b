#!/usr/bin/env python3
"""The transparency log's maths and its offline verifier, in one file that needs only `cryptography`.

RFC 9162 §2.1 Merkle hashing and proofs, C2SP tlog-checkpoint and C2SP signed-note
(Ed25519). The portal imports it; an outside auditor copies this one file and runs it
without the portal's code, database or settings:

    python3 tlog.py receipt RECEIPT.json --key VERIFIER_KEY
        checks that a receipt's event is leaf N of the tree its signed checkpoint names.
    python3 tlog.py consistency OLD_CHECKPOINT NEW_CHECKPOINT PROOF.json --key VERIFIER_KEY
        checks that the newer checkpoint's tree extends the older one (nothing rewritten).
    python3 tlog.py checkpoint CHECKPOINT --key VERIFIER_KEY
        checks a checkpoint's signature and prints its size and root.

VERIFIER_KEY is the C2SP verifier key the portal publishes (`name+keyid+base64(0x01||pubkey)`,
on /transparency/log/key); it can also be a path to a file holding it. Exit status 0 means
verified, 1 means it did not verify (the reason is printed), 2 means bad input.
No Django import here: keep it that way (the file must run on its own).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# ---------------------------------------------------------------- RFC 9162 §2.1 hashing

EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 §2.1.1: MTH({}) = HASH()


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: MTH({d(0)}) = HASH(0x00 || d(0))."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: HASH(0x01 || MTH(left) || MTH(right))."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, the straightforward recursive definition (the reference the stored tree is checked
    against)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


def complete_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The range [start, end) as (level, index) complete subtrees, largest first: node (level, index)
    covers leaves [index * 2**level, (index + 1) * 2**level). Valid for the ranges the RFC 9162 recursion
    produces (start aligned to a power of two at least as large as the range's highest bit)."""
    out: list[tuple[int, int]] = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1
        while start % (1 << level):
            level -= 1
        out.append((level, start >> level))
        start += 1 << level
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its complete subtrees, largest (leftmost) first."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) as the leaf ranges whose MTHs form the proof, leaf's sibling first."""
    if not 0 <= index < size:
        raise ValueError("index out of range")
    out: list[tuple[int, int]] = []
    start, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            out.append((start + k, start + n))
            n = k
        else:
            out.append((start, start + k))
            start, n, m = start + k, n - k, m - k
    out.reverse()
    return out


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true) as leaf ranges, in proof order."""
    if not 0 < old <= new:
        raise ValueError("sizes out of range")
    out: list[tuple[int, int]] = []
    start, m, n, whole = 0, old, new, True
    while m != n:
        k = _split(n)
        if m <= k:
            out.append((start + k, start + n))
            n = k
        else:
            out.append((start, start + k))
            start, m, n, whole = start + k, m - k, n - k, False
    if not whole:
        out.append((start, start + n))
    out.reverse()
    return out


def proof_from(ranges: list[tuple[int, int]], node: Callable[[int, int], bytes]) -> list[bytes]:
    """Turn proof ranges into hashes with `node(level, index)` returning a stored complete subtree's hash."""
    return [fold([node(level, index) for level, index in complete_subtrees(a, b)]) for a, b in ranges]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2."""
    if old == new:
        return not proof and old_root == new_root
    if old == 0 or old > new or not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is the first node of the path
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


# ---------------------------------------------------------------- C2SP signed-note and tlog-checkpoint

SIG_PREFIX = "\u2014 "  # em dash, space (C2SP signed-note, "Format")
ED25519 = b"\x01"  # signature type byte for Ed25519 (C2SP signed-note, "Signature types")


class NoteError(ValueError):
    """A checkpoint or note that is malformed or does not verify."""


def key_id(name: str, public_raw: bytes) -> bytes:
    """C2SP signed-note: key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_raw).digest()[:4]


def verifier_key(name: str, public_raw: bytes) -> str:
    """The verifier key string: <name>+<hex key id>+<base64(0x01 || public key)>."""
    return f"{name}+{key_id(name, public_raw).hex()}+{base64.b64encode(ED25519 + public_raw).decode()}"


def parse_verifier_key(text: str) -> tuple[str, bytes]:
    try:
        name, kid, b64 = text.strip().split("+", 2)  # the base64 part may itself contain "+"
        raw = base64.b64decode(b64, validate=True)
    except ValueError as exc:
        raise NoteError("the verifier key is not of the form name+keyid+base64") from exc
    if raw[:1] != ED25519 or len(raw) != 33 or key_id(name, raw[1:]).hex() != kid:
        raise NoteError("the verifier key is not a well-formed Ed25519 key for that name")
    return name, raw[1:]


def sign_note(text: str, name: str, private: Ed25519PrivateKey) -> str:
    if not text.endswith("\n"):
        raise ValueError("note text must end with a newline")
    from cryptography.hazmat.primitives import serialization

    public_raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sig = private.sign(text.encode())
    return f"{text}\n{SIG_PREFIX}{name} {base64.b64encode(key_id(name, public_raw) + sig).decode()}\n"


def open_note(note: str, verifier: str) -> str:
    """Return the note's text if a signature line by the verifier key verifies; raise NoteError otherwise."""
    name, public_raw = parse_verifier_key(verifier)
    text, sep, sigs = note.rpartition("\n\n")
    if not sep:
        raise NoteError("the note has no signature block")
    text += "\n"
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("the note contains control characters")
    public = Ed25519PublicKey.from_public_bytes(public_raw)
    for line in sigs.splitlines():
        if not line.startswith(SIG_PREFIX):
            raise NoteError("a signature line does not start with an em dash")
        signer, _, b64 = line[len(SIG_PREFIX) :].rpartition(" ")
        try:
            blob = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise NoteError("a signature is not base64") from exc
        if signer != name or blob[:4] != key_id(name, public_raw):
            continue
        try:
            public.verify(blob[4:], text.encode())
        except InvalidSignature as exc:
            raise NoteError(f"the signature by {name} does not verify") from exc
        return text
    raise NoteError(f"the note carries no signature by {name}")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        """C2SP tlog-checkpoint: origin, decimal tree size, base64 root hash, one per line."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or not lines[0]:
        raise NoteError("a checkpoint needs an origin, a tree size and a root hash")
    origin, size_s, root_s = lines[0], lines[1], lines[2]
    if not size_s.isdigit() or (size_s.startswith("0") and size_s != "0"):
        raise NoteError("the checkpoint's tree size is not a decimal number")
    try:
        root = base64.b64decode(root_s, validate=True)
    except ValueError as exc:
        raise NoteError("the checkpoint's root hash is not base64") from exc
    if len(root) != 32:
        raise NoteError("the checkpoint's root hash is not 32 bytes")
    return Checkpoint(origin, int(size_s), root)


def open_checkpoint(note: str, verifier: str) -> Checkpoint:
    """Verify the signed note and parse its checkpoint; its origin must be the key's name."""
    checkpoint = parse_checkpoint(open_note(note, verifier))
    if checkpoint.origin != parse_verifier_key(verifier)[0]:
        raise NoteError("the checkpoint's origin is not the log the key belongs to")
    return checkpoint


# ---------------------------------------------------------------- receipts and the command line


def verify_receipt(receipt: dict, verifier: str) -> Checkpoint:
    """A receipt: the event's canonical JSON (`entry`, including its salt), `index`, `checkpoint` (signed note)
    and `inclusion_proof` (hex hashes). Raises NoteError saying what failed."""
    checkpoint = open_checkpoint(receipt["checkpoint"], verifier)
    leaf = leaf_hash(receipt["entry"].encode())
    if receipt.get("leaf_hash") and bytes.fromhex(receipt["leaf_hash"]) != leaf:
        raise NoteError("the receipt's leaf hash is not the hash of its entry")
    proof = [bytes.fromhex(h) for h in receipt["inclusion_proof"]]
    if not verify_inclusion(int(receipt["index"]), checkpoint.size, leaf, proof, checkpoint.root):
        raise NoteError(f"the entry is not leaf {receipt['index']} of the tree of size {checkpoint.size}")
    return checkpoint


def _read(path_or_text: str) -> str:
    if "+" in path_or_text and "\n" not in path_or_text and not path_or_text.endswith((".txt", ".pub")):
        return path_or_text
    with open(path_or_text, encoding="utf-8") as f:
        return f.read().strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    r = sub.add_parser("receipt", help="verify a receipt (JSON) against its signed checkpoint")
    r.add_argument("receipt")
    c = sub.add_parser("consistency", help="verify that NEW extends OLD with a consistency proof (JSON)")
    c.add_argument("old")
    c.add_argument("new")
    c.add_argument("proof")
    k = sub.add_parser("checkpoint", help="verify a checkpoint's signature")
    k.add_argument("checkpoint")
    for p in (r, c, k):
        p.add_argument("--key", required=True, help="the log's verifier key, or a file holding it")
    args = parser.parse_args(argv)
    try:
        key = _read(args.key)
        if args.what == "receipt":
            with open(args.receipt, encoding="utf-8") as f:
                receipt = json.load(f)
            cp = verify_receipt(receipt, key)
            print(f"OK: the entry is leaf {receipt['index']} of {cp.origin} at size {cp.size}, root {cp.root.hex()}")
        elif args.what == "checkpoint":
            with open(args.checkpoint, encoding="utf-8") as f:
                cp = open_checkpoint(f.read(), key)
            print(f"OK: {cp.origin} size {cp.size} root {cp.root.hex()}")
        else:
            with open(args.old, encoding="utf-8") as f:
                old = open_checkpoint(f.read(), key)
            with open(args.new, encoding="utf-8") as f:
                new = open_checkpoint(f.read(), key)
            with open(args.proof, encoding="utf-8") as f:
                proof = [bytes.fromhex(h) for h in json.load(f)["proof"]]
            if not verify_consistency(old.size, new.size, old.root, new.root, proof):
                print(f"NOT VERIFIED: the tree of size {new.size} does not extend the tree of size {old.size}")
                return 1
            print(f"OK: the tree of size {new.size} extends the tree of size {old.size}")
    except NoteError as exc:
        print(f"NOT VERIFIED: {exc}")
        return 1
    except (OSError, ValueError, KeyError) as exc:
        print(f"bad input: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
