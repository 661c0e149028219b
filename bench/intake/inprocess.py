"""In-process profile of one API submission (and the naive write), on the database of DATABASE_URL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_x CELERY_BROKER_URL=redis://127.0.0.1:6379/N \
        .venv/bin/python bench/intake/inprocess.py [--n 200] [--cprofile out.prof] [--naive]

Seeds an agency, an officer and a token (once; reused), then posts N real multipart submissions through
Django's test client (every middleware, DRF, the real service) and reports, per submission:
- the web process's CPU (time.process_time) and wall time;
- the CPU of this connection's PostgreSQL backend (read from /proc/<backend pid>/stat);
- the number of SQL statements;
- with --cprofile, cumulative CPU per phase (serializer validation, rules, PDF check, encryption,
  file write, the inserts, the audit events, the outbox rows, the response).
Needs the web and the database on the same machine (it reads the backend's /proc entry).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.common import TICK, bench_environ, process_cpu  # noqa: E402

bench_environ(BENCH_ENDPOINTS="true", MEDIA_ROOT="/tmp/bench_intake_profile_media")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.intake.run import submission  # noqa: E402

# Phases: (label, function names as "file_suffix:function"); cumulative time of the first matching entry.
PHASES = [
    ("authentication + permission + throttle", ["rest_framework/views.py:initial"]),
    ("multipart parse", ["rest_framework/request.py:_parse"]),
    ("serializer validation (incl. PDF check)", ["rest_framework/serializers.py:is_valid"]),
    ("  PDF check (helper round trip)", ["requests_app/documents.py:check_pdf"]),
    ("request_submit_rows (all)", ["requests_app/services.py:request_submit_rows"]),
    ("  rules + duplicate check", ["requests_app/services.py:request_findings"]),
    ("  insert request", ["requests_app/services.py:_insert_request"]),
    ("  insert targets", ["requests_app/services.py:_insert_targets"]),
    ("  store documents (encrypt, write, insert)", ["requests_app/services.py:_store_new_documents"]),
    ("    encrypt", ["requests_app/crypto.py:encrypt_bytes"]),
    ("    file write (storage save)", ["django/db/models/fields/files.py:save"]),
    ("  automatic validation (transition fields)", ["requests_app/services.py:_transition_apply"]),
    ("  audit events (insert)", ["requests_app/audit.py:_save"]),
    ("  outbox rows (insert)", ["requests_app/outbox.py:write"]),
    ("  commit + after-commit (publish)", ["django/db/transaction.py:__exit__"]),
    ("    broker publish", ["requests_app/outbox.py:_publish_rows"]),
    ("response (serializer .data)", ["rest_framework/serializers.py:data"]),
    ("JSON render", ["rest_framework/renderers.py:render"]),
]


# --phases: the same phases timed with time.process_time around the functions themselves (no profiler
# overhead; nested phases are included in their parents). (label, module, attribute path)
TIMED = [
    ("authentication", "requests_app.intake.authentication", "ApiTokenAuthentication.authenticate"),
    ("throttle", "requests_app.intake.authentication", "TokenRateThrottle.allow_request"),
    ("multipart parse", "requests_app.intake.api", "StrictMultiPartParser.parse"),
    ("serializer validation (incl. PDF check)", "rest_framework.serializers", "Serializer.run_validation"),
    ("PDF check", "requests_app.documents", "check_pdf"),
    ("request_submit_rows", "requests_app.services", "request_submit_rows"),
    ("rules + duplicate check", "requests_app.services", "request_findings"),
    ("duplicate check", "requests_app.services", "_find_duplicate"),
    ("insert request + targets (before issue 13 item 7)", "requests_app.services", "_create_request"),
    ("store one document (before: insert, encrypt, write, update)", "requests_app.services", "_store_document"),
    ("reserve ids", "requests_app.services", "_reserve_ids"),
    ("insert request", "requests_app.services", "_insert_request"),
    ("insert targets", "requests_app.services", "_insert_targets"),
    ("store documents (encrypt, write, insert)", "requests_app.services", "_store_new_documents"),
    ("encrypt", "requests_app.crypto", "encrypt_bytes"),
    ("automatic validation (before: UPDATE + event)", "requests_app.services", "_validate_new"),
    ("automatic validation (fields)", "requests_app.services", "_transition_apply"),
    ("audit insert", "requests_app.audit", "_save"),
    ("outbox write", "requests_app.outbox", "write"),
    ("after-commit hooks", "django.db.backends.base.base", "BaseDatabaseWrapper.run_and_clear_commit_hooks"),
    ("publish", "requests_app.outbox", "_publish_rows"),
    ("response serializer", "rest_framework.serializers", "Serializer.to_representation"),
    ("serializer fields (copy)", "rest_framework.serializers", "Serializer.get_fields"),
]
SPENT: dict[str, float] = {}


def install_timers() -> None:
    import functools
    import importlib

    for label, module, path in TIMED:
        owner = importlib.import_module(module)
        *parents, name = path.split(".")
        for part in parents:
            owner = getattr(owner, part)
        original = getattr(owner, name, None)
        if original is None:  # a phase of another version of the code
            continue

        def timed(*a, __f=original, __label=label, **kw):
            t0 = time.process_time()
            try:
                return __f(*a, **kw)
            finally:
                SPENT[__label] = SPENT.get(__label, 0.0) + time.process_time() - t0

        functools.update_wrapper(timed, original)
        setattr(owner, name, timed)
        if not isinstance(owner, type):  # also where it was imported by name (from x import f)
            for mod in list(sys.modules.values()):
                if getattr(mod, "__dict__", None) and mod.__dict__.get(name) is original:
                    setattr(mod, name, timed)


def seed() -> str:
    from requests_app.intake.models import ApiToken
    from requests_app.intake.services import api_token_create
    from requests_app.models import Officer
    from tests.factories import AgencyFactory, OfficerFactory

    officer = Officer.objects.filter(user__email="profile@profile.police.example").first()
    if officer is None:
        agency = AgencyFactory(name="Profile Police", country="US", email_domains=["profile.police.example"])
        officer = OfficerFactory(agency=agency, user__email="profile@profile.police.example")
    ApiToken.objects.filter(user=officer.user).delete()
    return api_token_create(user=officer.user, name="profile")[1]


def backend_cpu() -> float:
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        pid = c.fetchone()[0]
    return process_cpu(pid)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--cprofile", default="")
    parser.add_argument("--naive", action="store_true", help="profile the naive-write endpoint instead")
    parser.add_argument("--phases", action="store_true", help="time the phases with process_time wrappers")
    args = parser.parse_args()
    from tests.factories import minimal_pdf

    pdf = minimal_pdf("Search warrant for the benchmark")
    token = seed()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    path = "/api/bench/naive/" if args.naive else "/api/v1/requests/"
    base = int(time.time() * 1000) % 10**9 * 1000

    def post(i: int):
        body, ctype = submission(base + i, pdf)
        response = client.generic("POST", path, body, content_type=ctype)
        assert response.status_code == 201, response.content[:500]

    if args.phases:
        install_timers()
    for i in range(20):  # warm-up: imports, the PDF helper, connections
        post(10**6 + i)
    with CaptureQueriesContext(connection) as q:
        post(2 * 10**6)
    statements = len(q.captured_queries)
    reset_queries()
    SPENT.clear()
    profiler = cProfile.Profile(time.process_time) if args.cprofile else None  # CPU time, not wall
    cpu, wall = [], []
    pg0 = backend_cpu()
    for i in range(args.n):
        c0, w0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        post(i)
        if profiler:
            profiler.disable()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    pg = (backend_cpu() - pg0) / args.n  # includes the backend_cpu() query itself once
    print(f"{path}: {args.n} submissions, {statements} SQL statements each; load average {os.getloadavg()}")
    print(
        f"web CPU per submission: median {statistics.median(cpu) * 1000:.2f} ms, mean {statistics.mean(cpu) * 1000:.2f} ms,"
        f" min {min(cpu) * 1000:.2f} ms; wall median {statistics.median(wall) * 1000:.2f} ms"
    )
    print(f"PostgreSQL backend CPU per submission: {pg * 1000:.2f} ms (clock ticks of 1/{TICK} s)")
    if SPENT:
        print("CPU per submission by phase (process_time, nested phases included in their parents):")
        for label, _m, _p in TIMED:
            if label in SPENT:
                print(f"  {label:45s} {SPENT[label] * 1000 / args.n:7.2f} ms")
    if profiler:
        profiler.dump_stats(args.cprofile)
        stats = pstats.Stats(profiler)
        table = {}
        for (filename, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
            for label, names in PHASES:
                for name in names:
                    suffix, fn = name.split(":")
                    if filename.endswith(suffix) and func == fn:
                        table[label] = max(table.get(label, 0.0), ct)
        print("cProfile, CPU time (inflated by profiling overhead), ms per submission:")
        for label, _ in PHASES:
            if label in table:
                print(f"  {label:55s} {table[label] * 1000 / args.n:7.2f}")


if __name__ == "__main__":
    main()
