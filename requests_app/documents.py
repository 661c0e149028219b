"""Checking and storing uploaded legal documents.

A document is accepted only if its content is a real, unencrypted PDF without
active content (checked on pypdf's parsed object tree, names decoded), within
the size limit, and is then scanned for malware (requests_app/scanning.py). It is stored encrypted (crypto.py) and
its SHA-256 is recorded over the plaintext.

The pypdf parse runs in helper processes (at most DOCUMENT_PARSE_HELPERS per web
or Celery process, started on first use and kept; one parse each at a time): a fresh interpreter with an address-space limit
(DOCUMENT_PARSE_MEMORY_MB) that is killed and replaced when a parse exceeds the
wall-clock limit (DOCUMENT_PARSE_TIMEOUT_SECONDS) or when it dies. pypdf has had
many denial-of-service bugs (endless loops, huge decompression); a hostile PDF
then costs one refused upload, not a hung or exhausted web worker. The helper is
a resource jail, not a security sandbox: it runs as the same user. It does get
neither the parent's environment (secrets) nor its memory or descriptors, and
its replies are JSON, never pickles.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import logging
import math
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from multiprocessing.connection import Connection

from django.conf import settings
from django.core.files.base import ContentFile

from requests_app import crypto
from requests_app.exceptions import Refused

logger = logging.getLogger(__name__)

# Names in a PDF that run code or carry hidden files, spelled plainly: a cheap first
# pass over the raw bytes. The decisive check is on the parsed tree (find_active_content),
# which also sees hex-escaped names (/J#61vaScript) and names inside object streams.
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


class DocumentError(Refused, ValueError):
    """A refused upload; the message is for the officer, `code` for the API."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True)
class DocumentInput:
    filename: str
    content: bytes
    kind: str = "legal_process"
    # Set only by DocumentInput.checked(), after check_pdf accepted this content: the services then do
    # not parse the same bytes a second time (check_once). Not part of equality.
    pdf_checked: bool = field(default=False, compare=False, repr=False)

    @classmethod
    def checked(cls, filename: str, content: bytes, kind: str = "legal_process") -> DocumentInput:
        """check_pdf the content (raises DocumentError), then the input, marked as checked."""
        check_pdf(filename, content)
        return cls(filename, content, kind=kind, pdf_checked=True)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def check_once(doc: DocumentInput) -> None:
    """check_pdf, unless this input was made by DocumentInput.checked (its content is immutable bytes)."""
    if not doc.pdf_checked:
        check_pdf(doc.filename, doc.content)


def _active_content_error(name: str) -> DocumentError:
    return DocumentError(
        f"{name} contains scripts, actions or embedded files, which we do not accept. "
        "Print it to a plain PDF and upload that.",
        "active_content",
    )


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
                raise _active_content_error(name)
            idx = content.find(marker, idx + 1)
    outcome = _parse_in_helper(content)
    if "refused" in outcome:
        logger.info("refused unreadable PDF upload (%s)", outcome["error"])
        raise DocumentError(f"{name} is damaged and cannot be read as a PDF.", "broken")
    if "too_complex" in outcome:
        if outcome["too_complex"] == "timeout":
            raise DocumentError(
                f"{name} took too long to check and was refused. Print it to a plain PDF and upload that.",
                "too_complex",
            )
        raise DocumentError(
            f"{name} is too complex to check and was refused. Print it to a plain PDF and upload that.",
            "too_complex",
        )
    if outcome["encrypted"]:
        raise DocumentError(f"{name} is password-protected or encrypted. Upload an unprotected copy.", "encrypted")
    if outcome["active"]:
        logger.info("refused PDF upload with active content (%s)", ", ".join(outcome["active"]))
        raise _active_content_error(name)
    pages = outcome["pages"]
    if pages == 0:
        raise DocumentError(f"{name} has no pages.", "broken")
    if pages > MAX_PAGES:
        raise DocumentError(f"{name} has more than {MAX_PAGES} pages.", "too_large")


# Dictionary keys that carry actions, scripts, forms or hidden files (ISO 32000-1:
# 12.6.3 /OpenAction and /AA, 7.7.4 /Names /JavaScript and /EmbeddedFiles, 12.7.8 /XFA,
# Adobe's RichMedia extension), and action types (/S, 12.6.4) that run code, start
# programs, send data or open other files. Compared after pypdf decoded the names,
# so /Open#41ction or /J#61vaScript are seen as what they are.
ACTIVE_KEYS = frozenset(
    {"/OpenAction", "/AA", "/JavaScript", "/JS", "/EmbeddedFiles", "/EmbeddedFile", "/XFA", "/RichMedia", "/Launch"}
)
ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/RichMediaExecute",
        "/Rendition",
        "/Sound",
        "/Movie",
    }
)
_MAX_OBJECTS = 200_000  # a walk over more reachable objects than this is refused as too complex


def find_active_content(reader) -> list[str]:
    """Every active-content name reachable from the trailer (catalog, pages, annotations,
    name trees, form fields, outlines), by walking pypdf's parsed object tree once."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > _MAX_OBJECTS:
            raise RecursionError("too many objects to check")
        if isinstance(obj, DictionaryObject):  # also stream dictionaries
            for name, value in obj.items():
                if name in ACTIVE_KEYS:
                    found.add(str(name))
                if name == "/S" and isinstance(value, NameObject) and value in ACTIVE_ACTIONS:
                    found.add(str(value))
                if name not in ("/Parent", "/P"):  # back-links: reached from the other side
                    stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return sorted(found)


def parse_pdf(content: bytes) -> tuple[bool, int, list[str]]:
    """(encrypted, number of pages, active-content names) by pypdf. Runs in the helper process."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted:
        return True, 0, []
    return False, len(reader.pages), find_active_content(reader)


# The helper's work: a module-level function the helper imports by name. Tests swap it.
PARSE_FUNCTION: Callable[[bytes], tuple] = parse_pdf

_HELPER_START_SECONDS = 60  # a cold start (imports) on a busy machine, not a parse
# Idle helper processes of this process (a stack: the most recently used first), and how many
# may exist at once (DOCUMENT_PARSE_HELPERS): a thread takes one for its parse and gives it back,
# so one slow or hostile file ties up one helper, not every upload of the process.
_idle: list[_Helper] = []
_pool_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None
_slots_size = 0


def _unreadable_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean a damaged PDF (refused as "broken"); anything else is a bug."""
    from pypdf.errors import PdfReadError

    return (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError)


class _Helper:
    """One helper process and the two pipes to it (requests in, JSON replies out)."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.owner = os.getpid()
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        # Only what Python needs: none of the parent's secrets end up in the child.
        env = {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        for key in ("PATH", "LANG", "LC_ALL", "TMPDIR"):
            if key in os.environ:
                env[key] = os.environ[key]
        try:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-c",
                    "import sys; from requests_app.documents import _helper_main; _helper_main(sys.argv[1:])",
                    str(req_r),
                    str(rep_w),
                    str(memory_mb),
                ],
                pass_fds=(req_r, rep_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
            )
        except BaseException:
            os.close(req_w)
            os.close(rep_r)
            raise
        finally:
            os.close(req_r)
            os.close(rep_w)
        self.requests = Connection(req_w, readable=False)
        self.replies = Connection(rep_r, writable=False)
        try:
            ready = self.replies.poll(_HELPER_START_SECONDS) and self.replies.recv_bytes() == b"ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.kill()
            raise RuntimeError("the PDF helper process did not start")

    def exchange(self, header: bytes, content: bytes, timeout: float) -> bytes | None:
        """The reply to one job, or None when it did not come within `timeout` seconds.

        Raises EOFError/OSError when the helper died."""
        self.requests.send_bytes(header)
        self.requests.send_bytes(content)
        if not self.replies.poll(timeout):
            return None
        return self.replies.recv_bytes()

    def kill(self) -> None:
        self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            logger.error("PDF helper process %s did not exit after SIGKILL", self.proc.pid)
        self.close()

    def close(self) -> None:
        self.requests.close()
        self.replies.close()


def _discard_helpers() -> None:
    """Kill every idle helper of this process (the next parse starts a fresh one)."""
    with _pool_lock:
        idle = list(_idle)
        _idle.clear()
    for helper in idle:
        helper.kill()


def _after_fork_in_child() -> None:
    # The parent's helpers and locks are the parent's (another thread may have held a lock
    # at the fork); this process starts its own helpers on first use.
    global _pool_lock, _slots, _slots_size
    _pool_lock = threading.Lock()
    _slots, _slots_size = None, 0
    for helper in _idle:
        helper.close()
    _idle.clear()


def _slot() -> threading.BoundedSemaphore:
    """The semaphore that bounds the number of helpers (re-made if the setting changed)."""
    global _slots, _slots_size
    size = max(1, int(settings.DOCUMENT_PARSE_HELPERS))
    with _pool_lock:
        if _slots is None or _slots_size != size:
            _slots, _slots_size = threading.BoundedSemaphore(size), size
        return _slots


def _take_helper(memory_mb: int) -> _Helper:
    """An idle, healthy helper of this process with this memory limit, or a new one."""
    stale: list[_Helper] = []
    helper = None
    with _pool_lock:
        while _idle:
            candidate = _idle.pop()
            if candidate.owner != os.getpid():  # inherited across a fork
                candidate.close()
            elif candidate.memory_mb != memory_mb or candidate.proc.poll() is not None:
                stale.append(candidate)  # limit changed, or died while idle (not this file's fault)
            else:
                helper = candidate
                break
    for old in stale:
        old.kill()
    return helper if helper is not None else _Helper(memory_mb)


def _give_back(helper: _Helper) -> None:
    with _pool_lock:
        _idle.append(helper)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _parse_in_helper(content: bytes) -> dict:
    """Run PARSE_FUNCTION on `content` in the helper process, under the time and memory limits.

    Returns {"encrypted": bool, "pages": int}, {"refused": "broken", "error": name}
    or {"too_complex": "timeout" | "memory" | "died"}; logs the latter at WARNING."""
    timeout = float(settings.DOCUMENT_PARSE_TIMEOUT_SECONDS)
    memory_mb = int(settings.DOCUMENT_PARSE_MEMORY_MB)
    func = PARSE_FUNCTION
    header = json.dumps({"func": f"{func.__module__}:{func.__qualname__}", "cpu": math.ceil(timeout) + 1}).encode()
    with _slot():
        helper = _take_helper(memory_mb)
        try:
            raw = helper.exchange(header, content, timeout)
            reply = json.loads(raw) if raw is not None else None
        except (EOFError, OSError):
            code = helper.proc.poll()
            helper.kill()
            logger.warning("refused PDF upload: the parse helper process died (exit status %s)", code)
            return {"too_complex": "died"}
        except BaseException:
            helper.kill()  # the helper's state is unknown now
            raise
        if reply is None:
            helper.kill()
            logger.warning("refused PDF upload: parsing took longer than %s s; helper process killed", timeout)
            return {"too_complex": "timeout"}
        if reply.get("refused") == "memory":
            helper.kill()  # fresh memory for the next upload
            logger.warning("refused PDF upload: parsing needed more than %s MB", memory_mb)
            return {"too_complex": "memory"}
        _give_back(helper)
    if "failed" in reply:
        raise RuntimeError(f"PDF parse failed in the helper process: {reply['failed']}")
    if reply.get("refused") == "broken":
        return {"refused": "broken", "error": str(reply["error"])}
    return {
        "encrypted": bool(reply["encrypted"]),
        "pages": int(reply["pages"]),
        "active": list(reply.get("active", [])),
    }


def _run_job(func_name: str, content: bytes) -> dict:
    """One job in the helper: a JSON-able reply, whatever the parse does."""
    try:
        module, _, qualname = func_name.partition(":")
        func = importlib.import_module(module)
        for attr in qualname.split("."):
            func = getattr(func, attr)
        encrypted, pages, *rest = func(content)
        active = [str(n) for n in rest[0]] if rest else []
        return {"encrypted": bool(encrypted), "pages": int(pages), "active": active}
    except MemoryError:
        return {"refused": "memory"}
    except _unreadable_errors() as exc:
        return {"refused": "broken", "error": type(exc).__name__}
    except Exception as exc:
        return {"failed": type(exc).__name__}


def _helper_main(argv: list[str]) -> None:
    """The helper process: set the limits, then answer jobs until the parent closes the pipe."""
    import resource
    import warnings

    # pypdf's complaints about damaged files would reach stderr; the reply carries the outcome.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    import pypdf  # noqa: F401 - imported before the memory limit, once

    requests, replies = Connection(int(argv[0]), writable=False), Connection(int(argv[1]), readable=False)
    limit = int(argv[2]) * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit if hard == resource.RLIM_INFINITY else min(limit, hard)))
    _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    replies.send_bytes(b"ready")
    while True:
        try:
            header = json.loads(requests.recv_bytes())
            content = requests.recv_bytes()
        except EOFError:
            return  # the parent is gone or discarded us
        except MemoryError:
            os._exit(3)  # the stream is out of step now; the parent sees us die
        # Backstop if the parent dies mid-parse and cannot kill us: SIGXCPU a little after its timeout.
        used = resource.getrusage(resource.RUSAGE_SELF)
        cpu = math.ceil(used.ru_utime + used.ru_stime) + int(header["cpu"])
        if cpu_hard == resource.RLIM_INFINITY or cpu < cpu_hard:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu_hard))
        try:
            replies.send_bytes(json.dumps(_run_job(header["func"], content)).encode())
        except BrokenPipeError:
            return


class IntegrityError(crypto.DecryptionError):
    """The decrypted file is not the one recorded (its SHA-256 differs from the row's)."""


def encrypted_file(content: bytes, *, record, name: str = "document.bin") -> ContentFile:
    """The ciphertext of `content` bound to the saved row `record` (crypto.record_binding)."""
    return ContentFile(crypto.encrypt_bytes(content, record=crypto.record_binding(record)), name=name)


def write_encrypted(instance, content: bytes, *, name: str = "document.bin", field: str = "file") -> dict[str, str]:
    """Encrypt `content` for the row `instance` (its primary key already set: the file is bound to it), write it
    to storage and set the row's file (and key id) on the instance; return those columns. Saves no row: for a
    row not inserted yet (its id reserved), the INSERT then carries them. The caller deletes the file if the
    transaction rolls back."""
    fieldfile = getattr(instance, field)
    fieldfile.save(name, encrypted_file(content, record=instance, name=name), save=False)
    changes = {field: fieldfile.name}
    if hasattr(instance, "key_id"):
        instance.key_id = crypto.current_key_id()
        changes["key_id"] = instance.key_id
    return changes


def store_encrypted(instance, content: bytes, *, name: str = "document.bin", field: str = "file") -> None:
    """Encrypt `content` for the saved row `instance`, write it to storage and point the row at it.

    The row is saved first (the file is bound to its primary key), so this costs one UPDATE.
    Call inside the transaction that created the row; the caller deletes the file if it rolls back."""
    changes = write_encrypted(instance, content, name=name, field=field)
    type(instance).objects.filter(pk=instance.pk).update(**changes)


def open_plaintext(document, *, field: str = "file") -> bytes:
    """Decrypt a stored Document (or kept upload) and check it is the recorded file.

    Raises crypto.DecryptionError when the file belongs to another record or was altered,
    IntegrityError when its plaintext's SHA-256 is not the row's. Callers must have checked
    access, and audit the read (or the refusal)."""
    with getattr(document, field).open("rb") as fh:
        content = b"".join(crypto.decrypt_stream(fh, record=crypto.record_binding(document)))
    if hashlib.sha256(content).hexdigest() != document.sha256:
        raise IntegrityError("the file does not match its recorded SHA-256")
    return content
