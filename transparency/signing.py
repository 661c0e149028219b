"""Canonical JSON, SHA-256 and Ed25519 signatures for published reports.

The private key is settings.REPORT_SIGNING_KEY: base64 of a raw 32-byte Ed25519
private key. The public key is served at /transparency/key.pem (PEM) and /transparency/key
(a page that explains verification step by step).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def canonical(obj: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the exact bytes that are hashed and signed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def private_key() -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(settings.REPORT_SIGNING_KEY, validate=True)
    except (binascii.Error, TypeError) as exc:
        raise ImproperlyConfigured("REPORT_SIGNING_KEY must be base64 of 32 raw bytes.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(f"REPORT_SIGNING_KEY must decode to 32 bytes, not {len(raw)}.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_pem() -> str:
    return (
        public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    )


def public_key_raw_b64() -> str:
    raw = public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def sign(data: bytes) -> str:
    return base64.b64encode(private_key().sign(data)).decode()


class VerificationError(Exception):
    pass


def load_public_key(pem_or_b64: str) -> Ed25519PublicKey:
    text = pem_or_b64.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise VerificationError("The public key is not an Ed25519 key.")
        return key
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))


def verify_document(doc: dict[str, Any], key: Ed25519PublicKey | None = None) -> str:
    """Check a downloaded report JSON: its hash, then its signature. Returns the hash or raises."""
    try:
        report, expected, signature = doc["report"], doc["sha256"], doc["signature"]
    except (KeyError, TypeError) as exc:
        raise VerificationError("This is not a report download: it needs report, sha256 and signature.") from exc
    data = canonical(report)
    actual = sha256_hex(data)
    if actual != expected:
        raise VerificationError(f"Hash mismatch: the report's content hashes to {actual}, not {expected}.")
    try:
        (key or public_key()).verify(base64.b64decode(signature), data)
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise VerificationError("The signature does not match the report and the public key.") from exc
    return actual
