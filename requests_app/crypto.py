"""Encryption at rest for uploaded documents and production packages.

Each file gets its own random 256-bit key (AES-GCM), wrapped by the master key
from FILE_ENCRYPTION_KEY. The plaintext is encrypted in 1 MiB chunks; each
chunk's associated data binds its index and whether it is the last, so chunks
cannot be reordered, dropped or the file truncated without detection.

Layout: b"LEP1" | wrap nonce (12) | wrapped key (48) | chunks...
        chunk = length (4, big-endian) | nonce (12) | ciphertext+tag
"""

from __future__ import annotations

import base64
import os
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MAGIC = b"LEP1"
CHUNK = 1024 * 1024


class DecryptionError(Exception):
    """The stored file was altered or the key is wrong."""


def _master_key() -> bytes:
    try:
        key = base64.b64decode(settings.FILE_ENCRYPTION_KEY, validate=True)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("FILE_ENCRYPTION_KEY must be base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured("FILE_ENCRYPTION_KEY must decode to 32 bytes")
    return key


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


def encrypt_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Encrypt a stream of plaintext pieces; yields the ciphertext file piece by piece."""
    file_key = AESGCM.generate_key(bit_length=256)
    wrap_nonce = os.urandom(12)
    yield MAGIC + wrap_nonce + AESGCM(_master_key()).encrypt(wrap_nonce, file_key, MAGIC)
    aes = AESGCM(file_key)
    for index, (block, last) in enumerate(_rechunk(chunks)):
        nonce = os.urandom(12)
        sealed = aes.encrypt(nonce, block, _aad(index, last))
        yield struct.pack(">I", len(sealed)) + nonce + sealed


def encrypt_bytes(data: bytes) -> bytes:
    return b"".join(encrypt_chunks([data]))


def decrypt_stream(source: BinaryIO) -> Iterator[bytes]:
    """Decrypt a file written by encrypt_chunks, one chunk at a time."""
    header = source.read(4 + 12 + 48)
    if len(header) != 64 or header[:4] != MAGIC:
        raise DecryptionError("not an encrypted portal file")
    try:
        file_key = AESGCM(_master_key()).decrypt(header[4:16], header[16:], MAGIC)
    except InvalidTag as exc:
        raise DecryptionError("the file key cannot be unwrapped") from exc
    aes = AESGCM(file_key)
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


def decrypt_bytes(data: bytes) -> bytes:
    import io

    return b"".join(decrypt_stream(io.BytesIO(data)))
