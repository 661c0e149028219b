"""Time the legal queue page at 1,000 and 1,000,000 requests in PostgreSQL.

    .venv/bin/python bench/queue/bench.py            # both sizes
    .venv/bin/python bench/queue/bench.py 1000       # one size
    BENCH_SKIP_SEED=1 .venv/bin/python bench/queue/bench.py 1000000   # re-measure what is loaded
    BENCH_EXPLAIN=1 ...                               # also print EXPLAIN ANALYZE of the page query

Uses its own database `bench_queue` (created if missing, migrated, truncated
before each size). Seeding is INSERT ... SELECT over generate_series, so 1M
requests plus ~2M targets take well under a minute. Each page is fetched
in-process through Django's test client (full middleware, session, 2FA check,
template) 5 times to warm up and then RUNS times; we report the median and p95
and the number of SQL queries per page.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DB = os.environ.get("BENCH_DB", "bench_queue")
BASE_URL = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{BASE_URL}/{DB}"
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
RUNS = int(os.environ.get("BENCH_RUNS", "30"))

COUNTRIES = [
    "US",
    "GB",
    "DE",
    "FR",
    "BR",
    "IN",
    "ES",
    "IT",
    "NL",
    "PL",
    "CA",
    "AU",
    "MX",
    "AR",
    "TR",
    "JP",
    "KR",
    "SE",
    "BE",
    "AT",
]
TYPES = ["search_warrant", "subpoena", "court_order_2703d", "preservation", "epoc"]
# Status by (id * 7919) % 100: 90 % of the history is closed; 10 % is open work.
# About 1 % of requests are emergencies (id % 97 == 0, independent of the status);
# only emergencies wait for verification.
STATUS_SQL = """
CASE
  WHEN h < 60 THEN 'closed' WHEN h < 80 THEN 'rejected' WHEN h < 85 THEN 'withdrawn' WHEN h < 90 THEN 'invalid'
  WHEN h = 90 THEN 'validated' WHEN h < 94 THEN 'in_review' WHEN h = 94 THEN 'needs_info'
  WHEN h = 95 AND mod(i, 97) = 0 THEN 'awaiting_verification' WHEN h = 95 THEN 'validated' WHEN h = 96 THEN 'approved' WHEN h = 97 THEN 'partially_approved'
  WHEN h = 98 THEN 'producing' ELSE 'delivered' END
"""


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DB}"')


def setup_django():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(n: int) -> dict:
    from django.db import connection

    from requests_app.models import Agency, Officer
    from tests.factories import AgencyFactory, StaffFactory

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE requests_app_target, requests_app_requestevent, requests_app_decision, requests_app_message, "
            "requests_app_document, requests_app_legalrequest RESTART IDENTITY CASCADE"
        )
    if not Officer.objects.filter(full_name="Bench Supervisor").exists():
        for i in range(200):
            AgencyFactory(name=f"Bench agency {i}", country=COUNTRIES[i % len(COUNTRIES)])
        for i in range(9):
            StaffFactory(full_name=f"Bench reviewer {i}")
        StaffFactory(full_name="Bench Supervisor", role=Officer.Role.SUPERVISOR)
    agencies = list(Agency.objects.filter(name__startswith="Bench agency").order_by("pk").values_list("pk", "country"))
    staff = list(Officer.objects.filter(full_name__startswith="Bench").order_by("pk").values_list("user_id", flat=True))
    agency_values = ",".join(f"({i},{pk},'{c}')" for i, (pk, c) in enumerate(agencies))
    staff_values = ",".join(f"({i},{uid})" for i, uid in enumerate(staff))
    types = "ARRAY[" + ",".join(f"'{t}'" for t in TYPES) + "]"
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            f"""
            WITH ag(idx, id, country) AS (VALUES {agency_values}),
                 st(idx, uid) AS (VALUES {staff_values}),
                 g AS (SELECT i, mod(i * 7919, 100) AS h FROM generate_series(1::bigint, %s::bigint) AS i)
            INSERT INTO requests_app_legalrequest (
                reference, agency_id, request_type, legal_framework, country, legal_basis, issuing_authority,
                authority_kind, case_number, emergency, emergency_justification, emergency_attested, ndo_indefinite,
                data_categories, findings, received_at, due_at, clock_paused_at, status, outcome, rejection_reason,
                produced_categories, assignee_id, created_at, updated_at,
                dsa_art10_2, dsa_category, declarations, enforcing_notification_required, ndo_extension_pending,
                notice_decision, validated_by_name)
            SELECT
                'LR-2026-' || lpad(i::text, 7, '0'), ag.id, ({types})[1 + mod(i, 5)], 'us_sca', ag.country, '', 'Court',
                'judge', 'CASE-' || i, mod(i, 97) = 0, '', false, false,
                '["subscriber_info"]'::jsonb, '[]'::jsonb,
                now() - interval '40 days' + mod(i, 1000) * interval '1 minute',
                now() + (mod(i * 104729, 5184000) - 2592000) * interval '1 second',
                CASE WHEN h = 94 THEN now() - interval '1 day' END,
                {STATUS_SQL}, '', '', '[]'::jsonb,
                CASE WHEN mod(i, 10) < 7 THEN st.uid END, now(), now(),
                false, '', '{{}}'::jsonb, false, false, '', ''
            FROM g
            JOIN ag ON ag.idx = mod(i, {len(agencies)})
            JOIN st ON st.idx = mod(i, {len(staff)})
            """,
            [n],
        )
        cur.execute(
            """
            INSERT INTO requests_app_target (request_id, identifier_type, raw_value, kind, value, lookup, account_ref)
            SELECT r.id, 'username', 'user_' || r.id || '_' || k, 'username', 'user_' || r.id || '_' || k, 'pending', ''
            FROM requests_app_legalrequest r, generate_series(1, 1 + mod(r.id, 3)::int) AS k
            """
        )
        cur.execute("ANALYZE requests_app_legalrequest")
        cur.execute("ANALYZE requests_app_target")
    return {"seed_seconds": round(time.perf_counter() - t0, 1), "staff": staff}


def measure(n: int) -> list[dict]:
    from django.db import connection
    from django.test import Client

    from requests_app.models import LegalRequest, Officer
    from tests.factories import login_verified

    boss = Officer.objects.get(full_name="Bench Supervisor").user
    reviewer = Officer.objects.filter(full_name="Bench reviewer 3").get().user
    client = Client()
    login_verified(client, boss)
    pages = [
        ("default order", {}),
        ("overdue", {"overdue": "true"}),
        ("not emergency", {"emergency": "false"}),
        ("status = in review", {"status": "in_review"}),
        ("assigned to one reviewer", {"assignee": reviewer.pk}),
        ("sorted by agency, descending", {"sort": "-agency"}),
        ("page 2", {"page": 2}),
    ]
    out = []
    for label, params in pages:
        for _ in range(5):
            assert client.get("/legal/", params).status_code == 200
        executed: list[str] = []

        def count(execute, sql, params, many, context, executed=executed):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get("/legal/", params)
        html = response.content.decode()
        rows = html.count('data-reference="')
        total = html.split('id="queue-total">', 1)[1].split("<", 1)[0] if 'id="queue-total">' in html else ""
        counts = [q for q in executed if "COUNT(" in q.upper()]
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            client.get("/legal/", params)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        out.append(
            {
                "size": n,
                "page": label,
                "rows": rows,
                "queries": len(executed),
                "count_queries": len(counts),
                "total_shown": total,
                "min_ms": round(times[0], 1),
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
            }
        )
    out.append({"size": n, "open_requests": LegalRequest.objects.open().count()})
    return out


def explain(params: dict) -> str:
    from django.test import RequestFactory

    from requests_app.models import LegalRequest
    from requests_app.review import workspace
    from requests_app.review.filters import QueueFilter

    base = LegalRequest.objects.all() if params.get("status") else LegalRequest.objects.open()
    qs = QueueFilter(params or None, queryset=base, request=RequestFactory().get("/")).qs.select_related(
        "agency", "assignee__officer"
    )
    qs = workspace.apply_sort(qs, workspace.parse_sort(params.get("sort")))[:51]
    return qs.explain(analyze=True)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 1_000_000]
    ensure_database()
    setup_django()
    results = []
    for n in sizes:
        if os.environ.get("BENCH_SKIP_SEED"):
            print(f"measuring the data already in {DB} (BENCH_SKIP_SEED)", flush=True)
        else:
            info = seed(n)
            print(f"seeded {n:,} requests in {info['seed_seconds']} s", flush=True)
        for row in measure(n):
            print(row, flush=True)
            results.append(row)
        if os.environ.get("BENCH_EXPLAIN"):
            from requests_app.models import Officer

            uid = Officer.objects.get(full_name="Bench reviewer 3").user_id
            for params in ({}, {"status": "in_review"}, {"assignee": uid}):
                print(params, "\n", explain(params), flush=True)


if __name__ == "__main__":
    main()
