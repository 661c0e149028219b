"""What the benchmarks share: the environment their Django processes run with, the gunicorn command line,
CPU time read from /proc, and a multipart body builder. Standard library only, so that a script can import
it before Django is set up (`sys.path` holds the checkout's root, as each script arranges)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv/bin/python")
TICK = os.sysconf("SC_CLK_TCK")


def bench_target(*, port: int, database: str) -> tuple[int, str, str]:
    """(port, database name, its URL) of a benchmark's server: BENCH_PORT and BENCH_DB override the script's
    defaults, so engineers sharing a machine do not drop each other's database."""
    name = os.environ.get("BENCH_DB", database)
    return int(os.environ.get("BENCH_PORT", str(port))), name, f"postgres://postgres@127.0.0.1:5432/{name}"


# A benchmark measures the product, not its development conveniences: no debug, quiet logs, e-mail kept in
# memory, no login lockout or API throttle tripping under load.
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "DJANGO_ENV": "development",
    "DEBUG": "false",
    "LOG_LEVEL": "WARNING",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "AXES_ENABLED": "false",
    "API_THROTTLE_RATE": "1000000/min",
}


def bench_environ(**extra: str) -> None:
    """Set BENCH_ENV (and `extra`) in this process's environment where not already set."""
    for key, value in {**BENCH_ENV, **extra}.items():
        os.environ.setdefault(key, value)


def gunicorn_command(port: int, *, workers: int = 2, threads: int = 4) -> list[str]:
    """gunicorn as the README deploys it (gthread workers), on 127.0.0.1:`port`."""
    return [
        str(ROOT / ".venv/bin/gunicorn"),
        "portal.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        "warning",
    ]


def _stat(pid: int | str) -> tuple[str, list[str]] | None:
    """(command name, the fields after it) of /proc/<pid>/stat, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return None
    return stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()


def _used(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime, seconds


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) one process has used so far; 0 if it is not on this machine."""
    stat = _stat(pid)
    return _used(stat[1]) if stat else 0.0


def processes() -> Iterator[tuple[str, int, float]]:
    """(command name, process group, CPU seconds used so far) of every live process."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        stat = _stat(pid)
        if stat is not None:
            yield stat[0], int(stat[1][2]), _used(stat[1])


def cpu_by_group(groups: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each named process group (gunicorn and its workers, a Celery worker...)."""
    out = dict.fromkeys(groups, 0.0)
    by_pgid = {pgid: name for name, pgid in groups.items()}
    for _command, pgid, used in processes():
        if pgid in by_pgid:
            out[by_pgid[pgid]] += used
    return out


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type: `fields` as (name, value), `files` as
    (name, filename, content) sent as PDFs."""
    boundary = uuid.uuid4().hex
    out = []
    for name, value in fields:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content in files:
        out.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n".encode()
        )
        out.append(content + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def warrant_submission(*, case_number: str, username: str, pdf: bytes) -> tuple[bytes, str]:
    """An officer's search-warrant submission to the API (multipart, one PDF, one username target), valid
    except for the warnings it acknowledges; the same body in every benchmark."""
    fields = [
        ("request_type", "search_warrant"),
        ("legal_framework", "us_sca"),
        ("country", "US"),
        ("issuing_authority", "US District Court, N.D. Cal."),
        ("authority_kind", "judge"),
        ("case_number", case_number),
        ("data_categories", "subscriber_info"),
        ("data_categories", "cloud_chat_content"),
        ("targets", json.dumps([{"type": "username", "value": username}])),
        ("date_from", "2026-01-01"),
        ("date_to", "2026-03-01"),
        ("acknowledge_warnings", "true"),
    ]
    return multipart(fields, [("documents", "warrant.pdf", pdf)])
