"""Checking and storing uploaded legal documents.

A document is accepted only if its content is a real, unencrypted PDF without
active content, within the size limit. It is stored encrypted (crypto.py) and
its SHA-256 is recorded over the plaintext.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile

from requests_app import crypto

logger = logging.getLogger(__name__)

# Names in a PDF that run code or carry hidden files; refused outright.
_ACTIVE_CONTENT = (
    b"/JavaScript",
    b"/JS",
    b"/OpenAction",
    b"/EmbeddedFiles",
    b"/Launch",
    b"/AA",
    b"/RichMedia",
    b"/XFA",
)
MAX_PAGES = 2000


class DocumentError(ValueError):
    """A refused upload; the message is for the officer, `code` for the API."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class DocumentInput:
    filename: str
    content: bytes
    kind: str = "legal_process"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def check_pdf(filename: str, content: bytes) -> None:
    """Raise DocumentError unless `content` is an acceptable PDF."""
    limit = settings.DOCUMENT_MAX_BYTES
    name = filename or "the file"
    if len(content) == 0:
        raise DocumentError(f"{name} is empty.", "empty")
    if len(content) > limit:
        raise DocumentError(
            f"{name} is {len(content) / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB. "
            "Split it into smaller PDFs.",
            "too_large",
        )
    if not content[:1024].lstrip().startswith(b"%PDF-"):
        raise DocumentError(f"{name} is not a PDF. Upload the legal process as a PDF file.", "not_pdf")
    for marker in _ACTIVE_CONTENT:
        # Delimit the name so e.g. /JSON or /AAA does not match.
        idx = content.find(marker)
        while idx != -1:
            nxt = content[idx + len(marker) : idx + len(marker) + 1]
            if not nxt or not (nxt.isalnum()):
                raise DocumentError(
                    f"{name} contains scripts, actions or embedded files, which we do not accept. "
                    "Print it to a plain PDF and upload that.",
                    "active_content",
                )
            idx = content.find(marker, idx + 1)
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise DocumentError(f"{name} is password-protected or encrypted. Upload an unprotected copy.", "encrypted")
        pages = len(reader.pages)
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError) as exc:
        logger.info("refused unreadable PDF upload (%s)", type(exc).__name__)
        raise DocumentError(f"{name} is damaged and cannot be read as a PDF.", "broken") from exc
    if pages == 0:
        raise DocumentError(f"{name} has no pages.", "broken")
    if pages > MAX_PAGES:
        raise DocumentError(f"{name} has more than {MAX_PAGES} pages.", "too_large")


def encrypted_file(content: bytes, name: str = "document.bin") -> ContentFile:
    return ContentFile(crypto.encrypt_bytes(content), name=name)


def open_plaintext(document) -> bytes:
    """Decrypt a stored Document. Callers must have checked access and audited the read."""
    with document.file.open("rb") as fh:
        return b"".join(crypto.decrypt_stream(fh))
