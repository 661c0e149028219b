"""The pypdf parse of an upload runs in a helper process under a time and a memory limit.

The helper imports its work function by name, so the hostile parses here are module-level
functions of this file swapped in for documents.PARSE_FUNCTION.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from io import BytesIO

import pytest

from requests_app import documents
from requests_app.documents import DocumentError, check_pdf
from requests_app.pdf_support import minimal_pdf, pdf_from_objects


def _sleep_forever(content: bytes) -> tuple[bool, int]:
    time.sleep(60)
    return False, 1


def _allocate_too_much(content: bytes) -> tuple[bool, int]:
    hog = bytearray(1024 * 1024 * 1024)  # 1 GB, far beyond the test's limit
    return False, len(hog)


def _killed_by_the_kernel(content: bytes) -> tuple[bool, int]:
    os.kill(os.getpid(), signal.SIGKILL)
    return False, 1


def _route_slow(content: bytes) -> tuple[bool, int]:
    """Hangs on files marked %slow, parses the others normally."""
    if content.startswith(b"%PDF-1.4\n%slow"):
        return _sleep_forever(content)
    return documents.parse_pdf(content)


def _buggy(content: bytes) -> tuple[bool, int]:
    return False, 1 // 0


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(BytesIO(minimal_pdf())))
    writer.encrypt("secret")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _pageless_pdf() -> bytes:
    return pdf_from_objects([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def _code(content: bytes, name: str = "warrant.pdf") -> str | None:
    try:
        check_pdf(name, content)
    except DocumentError as exc:
        return exc.code
    return None


def _helper() -> documents._Helper:
    """The one idle helper after a parse in this (single) thread."""
    assert len(documents._idle) == 1
    return documents._idle[0]


def _helper_pid() -> int:
    return _helper().proc.pid


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_normal_pdf_passes_and_refusals_come_back_from_the_helper():
    assert _code(minimal_pdf()) is None
    assert _code(b"%PDF-1.4\n%%EOF") == "broken"
    assert _code(_encrypted_pdf()) == "encrypted"
    assert _code(_pageless_pdf()) == "broken"
    assert _helper().proc.poll() is None  # kept for the next upload


def test_slow_parse_refused_as_too_complex(settings, monkeypatch, caplog):
    check_pdf("warm.pdf", minimal_pdf())  # a running helper
    old_pid = _helper_pid()
    settings.DOCUMENT_PARSE_TIMEOUT_SECONDS = 0.3
    monkeypatch.setattr(documents, "PARSE_FUNCTION", _sleep_forever)
    outcome: dict = {}

    def upload() -> None:
        try:
            check_pdf("Warrant Jane Doe.pdf", minimal_pdf())
        except DocumentError as error:
            outcome["error"] = error

    with caplog.at_level(logging.WARNING, logger="requests_app.documents"):
        # The parse sleeps forever: the upload must still come back (bounded wait, no time assertion).
        worker = threading.Thread(target=upload, daemon=True)
        worker.start()
        worker.join(timeout=60)
    assert not worker.is_alive(), "the upload never came back from a parse that does not end"
    error = outcome["error"]
    assert error.code == "too_complex"
    assert str(error) == (
        "Warrant Jane Doe.pdf took too long to check and was refused. Print it to a plain PDF and upload that."
    )
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "longer than 0.3 s" in warnings[0].getMessage()
    assert "Jane" not in caplog.text and "Search warrant" not in caplog.text  # no name or content in logs
    assert not documents._idle and _gone(old_pid)  # killed and reaped

    # The next upload gets a fresh helper and is accepted.
    monkeypatch.setattr(documents, "PARSE_FUNCTION", documents.parse_pdf)
    settings.DOCUMENT_PARSE_TIMEOUT_SECONDS = 10
    check_pdf("next.pdf", minimal_pdf())
    assert _helper_pid() != old_pid


def test_memory_blowup_refused_as_too_complex(settings, monkeypatch, caplog):
    settings.DOCUMENT_PARSE_MEMORY_MB = 128
    monkeypatch.setattr(documents, "PARSE_FUNCTION", _allocate_too_much)
    with caplog.at_level(logging.WARNING, logger="requests_app.documents"):
        with pytest.raises(DocumentError) as exc:
            check_pdf("big.pdf", minimal_pdf())
    assert exc.value.code == "too_complex"
    assert str(exc.value) == "big.pdf is too complex to check and was refused. Print it to a plain PDF and upload that."
    assert "more than 128 MB" in caplog.text and "big.pdf" not in caplog.text
    monkeypatch.setattr(documents, "PARSE_FUNCTION", documents.parse_pdf)
    assert _code(minimal_pdf()) is None


def test_helper_killed_mid_parse_refused_as_too_complex(monkeypatch, caplog):
    """What the kernel does to a helper that hits the memory limit in C code."""
    monkeypatch.setattr(documents, "PARSE_FUNCTION", _killed_by_the_kernel)
    with caplog.at_level(logging.WARNING, logger="requests_app.documents"):
        assert _code(minimal_pdf()) == "too_complex"
    assert "helper process died" in caplog.text
    assert not documents._idle
    monkeypatch.setattr(documents, "PARSE_FUNCTION", documents.parse_pdf)
    assert _code(minimal_pdf()) is None


def test_helper_that_died_while_idle_is_replaced_without_refusing():
    check_pdf("warm.pdf", minimal_pdf())
    old_pid = _helper_pid()
    os.kill(old_pid, signal.SIGKILL)
    _helper().proc.wait(timeout=5)
    assert _code(minimal_pdf()) is None
    assert _helper_pid() != old_pid


def test_bug_in_the_parse_is_an_error_not_a_refusal(monkeypatch):
    monkeypatch.setattr(documents, "PARSE_FUNCTION", _buggy)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        check_pdf("w.pdf", minimal_pdf())
    monkeypatch.setattr(documents, "PARSE_FUNCTION", documents.parse_pdf)
    assert _code(minimal_pdf()) is None  # the helper survived it


def test_helper_inherited_across_fork_is_not_used():
    check_pdf("warm.pdf", minimal_pdf())
    old = _helper()
    old.owner = -1  # as if this process were a fork of the one that started it
    assert _code(minimal_pdf()) is None
    assert _helper_pid() != old.proc.pid
    assert old.proc.wait(timeout=5) == 0  # its pipes were closed here, so it exited by itself


@pytest.mark.skipif(not os.path.exists("/proc/self/environ"), reason="needs /proc")
def test_helper_gets_no_secrets_in_its_environment(monkeypatch):
    documents._discard_helpers()
    monkeypatch.setenv("FILE_ENCRYPTION_KEY", "not-for-the-helper")
    check_pdf("warm.pdf", minimal_pdf())
    with open(f"/proc/{_helper_pid()}/environ", "rb") as fh:
        environ = fh.read()
    assert b"not-for-the-helper" not in environ and b"SECRET_KEY" not in environ


def test_many_threads_at_once_all_get_their_own_answer():
    cases = [
        (minimal_pdf("one"), None),
        (b"%PDF-1.4\n%%EOF", "broken"),
        (_encrypted_pdf(), "encrypted"),
        (minimal_pdf("two"), None),
        (b"not a pdf", "not_pdf"),
        (_pageless_pdf(), "broken"),
    ]
    results: dict[tuple[int, int], str | None] = {}
    errors: list[BaseException] = []

    def work(thread: int) -> None:
        try:
            for i in range(5):
                content, _ = cases[(thread + i) % len(cases)]
                results[(thread, i)] = _code(content)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert len(results) == 60
    for (thread, i), code in results.items():
        assert code == cases[(thread + i) % len(cases)][1]


def test_a_slow_file_ties_up_one_helper_not_every_upload(settings, monkeypatch):
    """With two helpers, a normal PDF is checked at once while a hostile one is still being parsed."""
    settings.DOCUMENT_PARSE_HELPERS = 2
    settings.DOCUMENT_PARSE_TIMEOUT_SECONDS = 4
    documents._discard_helpers()
    slow_started = threading.Event()
    monkeypatch.setattr(documents, "PARSE_FUNCTION", _route_slow)
    outcome: dict[str, object] = {}

    def hostile() -> None:
        slow_started.set()
        outcome["slow"] = _code(b"%PDF-1.4\n%slow\n" + minimal_pdf()[9:])

    thread = threading.Thread(target=hostile)
    thread.start()
    slow_started.wait(5)
    time.sleep(0.5)  # the hostile parse is under way in the first helper
    assert _code(minimal_pdf()) is None  # a second helper answers ...
    # ... while the hostile parse is still running: with one helper, the normal file would have
    # waited for the hostile one to be killed at its timeout, which records its outcome first.
    assert "slow" not in outcome and thread.is_alive()
    thread.join(10)
    assert outcome["slow"] == "too_complex"
