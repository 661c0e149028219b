"""Encryption at rest for uploaded documents, kept uploads, CyberTipline files and production packages.

Each file gets its own random 256-bit key (AES-GCM), wrapped by a master key
(FILE_ENCRYPTION_KEY). The plaintext is encrypted in 1 MiB chunks; each
chunk's associated data binds its index and whether it is the last, so chunks
cannot be reordered, dropped or the file truncated without detection.

Layout (version 2, written since issue #12):
    b"LEP2" | key id (8) | wrap nonce (12) | wrapped key (48) | chunks...
    chunk = length (4, big-endian) | nonce (12) | ciphertext+tag
The wrapped key's associated data is b"LEP2" | key id | the record the file belongs to
("requests_app.document:42", see record_binding): a file copied over another record's
file does not unwrap there, and is refused. The key id (first 8 bytes of SHA-256 over the
master key) says which master key wrapped it, so keys can be rotated: put the new key in
FILE_ENCRYPTION_KEY and the old one in FILE_ENCRYPTION_KEYS_OLD, run
`manage.py rotate_file_keys` (re-wraps every file key under the new one; the chunks are
untouched), then drop the old key.

Version 1 (b"LEP1" | wrap nonce | wrapped key | chunks, associated data the constant
b"LEP1", no key id, no record) is still read, under any accepted key; rotate_file_keys
rewrites such files as version 2 after checking their plaintext against the row's SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MAGIC = b"LEP1"  # version 1; also the constant in every chunk's associated data (both versions)
MAGIC2 = b"LEP2"
CHUNK = 1024 * 1024
KEY_ID_BYTES = 8
HEADER1 = 4 + 12 + 48
HEADER2 = 4 + KEY_ID_BYTES + 12 + 48


class DecryptionError(Exception):
    """The stored file was altered, belongs to another record, or its key is not accepted."""


def _decode_key(value: str, name: str) -> bytes:
    try:
        key = base64.b64decode(value, validate=True)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{name} must be base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} must decode to 32 bytes")
    return key


def key_id_of(key: bytes) -> bytes:
    return hashlib.sha256(b"le-portal file master key id\x00" + key).digest()[:KEY_ID_BYTES]


def _master_key() -> bytes:
    return _decode_key(settings.FILE_ENCRYPTION_KEY, "FILE_ENCRYPTION_KEY")


def current_key_id() -> str:
    """Hex id of the master key new files are wrapped under (stored with the file)."""
    return key_id_of(_master_key()).hex()


def _keyring() -> dict[bytes, bytes]:
    """key id -> master key, for every key accepted for reading (current first)."""
    keys = [_master_key()] + [_decode_key(v, "FILE_ENCRYPTION_KEYS_OLD") for v in settings.FILE_ENCRYPTION_KEYS_OLD]
    return {key_id_of(k): k for k in keys}


def record_binding(instance) -> str:
    """The record a file belongs to, as bound into its wrapped key: "<app>.<model>:<pk>"."""
    if instance.pk is None:
        raise ValueError("a file is bound to a saved record: save the row first")
    return f"{instance._meta.label_lower}:{instance.pk}"


@dataclass(frozen=True)
class Header:
    version: int
    key_id: str  # hex; "" for version 1
    file_key: bytes
    size: int  # bytes of header before the first chunk


def _aad(index: int, last: bool) -> bytes:
    return MAGIC + struct.pack(">Q?", index, last)


def _rechunk(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Yield (block, is_last) with blocks of exactly CHUNK bytes except the last."""
    buffer = bytearray()
    pending: bytes | None = None
    for piece in chunks:
        buffer.extend(piece)
        while len(buffer) >= CHUNK:
            if pending is not None:
                yield pending, False
            pending = bytes(buffer[:CHUNK])
            del buffer[:CHUNK]
    if buffer:
        if pending is not None:
            yield pending, False
        yield bytes(buffer), True
    else:
        yield (pending if pending is not None else b""), True


def _wrap(file_key: bytes, record: str) -> bytes:
    master = _master_key()
    kid = key_id_of(master)
    nonce = os.urandom(12)
    return MAGIC2 + kid + nonce + AESGCM(master).encrypt(nonce, file_key, MAGIC2 + kid + record.encode())


def encrypt_chunks(chunks: Iterable[bytes], *, record: str) -> Iterator[bytes]:
    """Encrypt a stream of plaintext pieces for `record` (record_binding); yields the file piece by piece."""
    file_key = AESGCM.generate_key(bit_length=256)
    yield _wrap(file_key, record)
    aes = AESGCM(file_key)
    for index, (block, last) in enumerate(_rechunk(chunks)):
        nonce = os.urandom(12)
        sealed = aes.encrypt(nonce, block, _aad(index, last))
        yield struct.pack(">I", len(sealed)) + nonce + sealed


def encrypt_bytes(data: bytes, *, record: str) -> bytes:
    return b"".join(encrypt_chunks([data], record=record))


def read_header(source: BinaryIO, *, record: str) -> Header:
    """Read and unwrap the header; raises DecryptionError unless the file belongs to `record`
    and its master key is accepted."""
    magic = source.read(4)
    keyring = _keyring()
    if magic == MAGIC2:
        rest = source.read(HEADER2 - 4)
        if len(rest) != HEADER2 - 4:
            raise DecryptionError("the file is truncated")
        kid, nonce, wrapped = rest[:KEY_ID_BYTES], rest[KEY_ID_BYTES : KEY_ID_BYTES + 12], rest[KEY_ID_BYTES + 12 :]
        master = keyring.get(kid)
        if master is None:
            raise DecryptionError(f"the file was encrypted under master key {kid.hex()}, which is not configured")
        try:
            file_key = AESGCM(master).decrypt(nonce, wrapped, MAGIC2 + kid + record.encode())
        except InvalidTag as exc:
            raise DecryptionError("the file does not belong to this record or was altered") from exc
        return Header(2, kid.hex(), file_key, HEADER2)
    if magic == MAGIC:  # version 1: no record binding, no key id; any accepted key
        rest = source.read(HEADER1 - 4)
        if len(rest) != HEADER1 - 4:
            raise DecryptionError("the file is truncated")
        for master in keyring.values():
            try:
                return Header(1, "", AESGCM(master).decrypt(rest[:12], rest[12:], MAGIC), HEADER1)
            except InvalidTag:
                continue
        raise DecryptionError("the file key cannot be unwrapped")
    raise DecryptionError("not an encrypted portal file")


def rewrap_header(header: Header, *, record: str) -> bytes:
    """A version-2 header wrapping the same file key under the current master key for `record`."""
    return _wrap(header.file_key, record)


def decrypt_stream(source: BinaryIO, *, record: str) -> Iterator[bytes]:
    """Decrypt a file written by encrypt_chunks for `record`, one chunk at a time."""
    aes = AESGCM(read_header(source, record=record).file_key)
    index = 0
    while True:
        size_bytes = source.read(4)
        if len(size_bytes) < 4:
            raise DecryptionError("the file is truncated")
        (size,) = struct.unpack(">I", size_bytes)
        nonce = source.read(12)
        sealed = source.read(size)
        if len(nonce) != 12 or len(sealed) != size:
            raise DecryptionError("the file is truncated")
        for last in (False, True):
            try:
                block = aes.decrypt(nonce, sealed, _aad(index, last))
            except InvalidTag:
                continue
            yield block
            if last:
                if source.read(1):
                    raise DecryptionError("data after the last chunk")
                return
            break
        else:
            raise DecryptionError(f"chunk {index} was altered")
        index += 1


def decrypt_bytes(data: bytes, *, record: str) -> bytes:
    import io

    return b"".join(decrypt_stream(io.BytesIO(data), record=record))
