"""Malware scanning of uploaded documents with ClamAV's daemon (clamd).

Every uploaded Document starts `pending` ("Not scanned"). After the upload commits, the
outbox follow-up `requests_app.tasks.document_scan_task` (followups.DOCUMENT_STORED) sends the
decrypted bytes to clamd over its INSTREAM command (clamav-client); beat's
`documents_rescan_pending_task` retries every document still pending, so a scanner that was down
is caught up once it is back. Outcomes:

- `clean`: the document may be opened.
- `infected`: quarantined. The ciphertext is kept as evidence of what was sent, but nobody is
  ever served it (documents_servable refuses and the refusal is audited); the officer sees a
  plain explanation in the request's timeline and asks to upload a clean copy.
- scanner down, timed out or answering an error: the document stays `pending`; it is never
  marked clean without clamd having said OK.

Where clamd is: CLAMD_SOCKET (a Unix socket path) or CLAMD_HOST / CLAMD_PORT (TCP). Neither
set means scanning is switched off: allowed only outside production (make run), where the
workspace then says "Not scanned: no virus scanner is configured" beside each document.
Production refuses to start without one (portal/settings.py). The signature databases are
kept current by freshclam in production; the tests ship their own (tests/clamav/).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)

CLEAN = "clean"
INFECTED = "infected"
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class ScanResult:
    outcome: str  # CLEAN, INFECTED or UNAVAILABLE
    signature: str = ""  # the name clamd gave a finding (INFECTED)
    error: str = ""  # why the scan did not happen (UNAVAILABLE); no file content


def configured() -> bool:
    """Whether a scanner is configured at all (CLAMD_SOCKET or CLAMD_HOST)."""
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def _client():
    from clamav_client.clamd import ClamdNetworkSocket, ClamdUnixSocket

    timeout = settings.CLAMD_TIMEOUT_SECONDS
    if settings.CLAMD_SOCKET:
        return ClamdUnixSocket(path=settings.CLAMD_SOCKET, timeout=timeout)
    return ClamdNetworkSocket(host=settings.CLAMD_HOST, port=settings.CLAMD_PORT, timeout=timeout)


def scan_bytes(content: bytes) -> ScanResult:
    """Ask clamd about `content`. Never raises for a scanner problem: that is UNAVAILABLE."""
    from clamav_client.clamd import ClamdError

    if not configured():
        return ScanResult(UNAVAILABLE, error="no virus scanner is configured")
    try:
        reply = _client().instream(io.BytesIO(content))
    except (ClamdError, OSError) as exc:
        logger.warning("virus scanner unavailable: %s", type(exc).__name__)
        return ScanResult(UNAVAILABLE, error=type(exc).__name__)
    status, signature = reply.get("stream", ("ERROR", "no reply"))
    if status == "OK":
        return ScanResult(CLEAN)
    if status == "FOUND":
        return ScanResult(INFECTED, signature=(signature or "unknown")[:200])
    # ERROR (e.g. a size limit in clamd.conf): not clean, try again later.
    logger.warning("virus scanner answered an error")
    return ScanResult(UNAVAILABLE, error=f"clamd error: {(signature or '')[:100]}")
