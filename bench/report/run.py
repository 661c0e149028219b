"""Benchmark: a transparency report over 1,000,000 requests on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_report .venv/bin/python bench/report/run.py \
        [--requests 1000000] [--skip-generate] [--import-rows 0]

1. generates N requests (+ targets + report facts) with INSERT ... SELECT generate_series (fast);
2. times services.report_build (facts check + ORM GROUP BY queries + Python) against the same
   aggregation as ONE hand-written SQL statement, in the same run, and checks both agree;
3. measures peak Python memory (tracemalloc) and max RSS;
4. publishes, then times the public report page (Django test client, in process);
5. optionally times `import_requests` on a generated CSV of --import-rows rows.
Numbers go to bench/README.md under "## report" by hand.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_report")
# Half-year DSA block too (a very large online platform), so the build does the DSA template's work.
os.environ.setdefault("TRANSPARENCY_DSA_VLOP", "1")

import django  # noqa: E402
import django.utils.timezone  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from requests_app import rules  # noqa: E402
from transparency import aggregation, periods, services  # noqa: E402
from transparency.models import Report  # noqa: E402

COUNTRIES = [
    "US",
    "IN",
    "DE",
    "BR",
    "GB",
    "FR",
    "PL",
    "ES",
    "IT",
    "AU",
    "CA",
    "NL",
    "BE",
    "AT",
    "SE",
    "IE",
    "JP",
    "MX",
    "AR",
    "KR",
]
TYPES = (
    ["subpoena"] * 14
    + ["search_warrant"] * 12
    + ["court_order_other"] * 8
    + ["emergency"] * 5
    + ["preservation"] * 5
    + ["mlat"] * 3
    + ["court_order_2703d"] * 2
    + ["nsl"]
    + ["dsa_art10"] * 2
)  # 52 slots
PERIOD = "2025-H1"


def sql_list(values) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


def generate(n: int) -> None:
    """Seed with INSERT ... SELECT generate_series; every column the SQL does not give gets its field
    default (transparency.bulkcopy._insert_select), so new NOT NULL columns never break the seed."""
    from requests_app.models import Agency, LegalRequest, Target
    from transparency.bulkcopy import _insert_select as insert_select
    from transparency.bulkcopy import target_facts_columns
    from transparency.models import RequestFacts, TargetFacts

    now = django.utils.timezone.now()

    def _insert_select(cursor, model, mapped, from_sql, now):  # noqa: F811 (the SQL here uses % as modulo)
        return insert_select(
            cursor, model, {k: v.replace("%", "%%") for k, v in mapped.items()}, from_sql.replace("%", "%%"), now
        )

    with connection.cursor() as c:
        c.execute(
            "TRUNCATE transparency_targetfacts, transparency_requestfacts, requests_app_target, "
            "requests_app_legalrequest, requests_app_requestevent, requests_app_lognode, requests_app_logcheckpoint, "
            "requests_app_followup, transparency_report CASCADE"
        )
        c.execute("DELETE FROM requests_app_agency")
        _insert_select(
            c,
            Agency,
            {
                "name": "'Bench agency ' || g",
                "country": f"({sql_list(COUNTRIES)})[1 + g % 20]",
                "kind": "'police'",
                "verification_status": "'verified'",
            },
            "FROM generate_series(0, 39) g",
            now,
        )
        c.execute("SELECT min(id) FROM requests_app_agency")
        first_agency = c.fetchone()[0]
        t0 = time.perf_counter()
        dsa_cats = sql_list(["SCAMS_AND_FRAUD", "SCAMS_AND_FRAUD/PHISHING", "VIOLENCE", "PROTECTION_OF_MINORS", ""])
        _insert_select(
            c,
            LegalRequest,
            {
                "reference": "'BR-' || g",
                "request_type": f"({sql_list(TYPES)})[1 + g % 52]",
                "legal_framework": "'us_sca'",
                "country": f"({sql_list(COUNTRIES)})[1 + (g % 40) % 20]",
                "emergency": "g % 52 BETWEEN 34 AND 38",
                "ndo_until": "CASE WHEN g % 10 = 0 THEN date '2026-01-01' END",
                "ndo_indefinite": "g % 97 = 0",
                "data_categories": "'[\"subscriber_info\"]'::jsonb",
                "received_at": "rt",
                "decided_at": "CASE WHEN h < 85 THEN rt + (g % 9) * interval '1 day' + (g % 23) * interval '1 hour' END",
                "produced_at": "CASE WHEN h < 55 THEN rt + (g % 13) * interval '1 day' END",
                "closed_at": "CASE WHEN h < 85 THEN rt + (g % 15) * interval '1 day' END",
                "acknowledged_at": "rt + (g % 5) * interval '1 hour'",
                "status": "CASE WHEN h < 70 THEN 'closed' WHEN h < 80 THEN 'rejected' WHEN h < 85 THEN 'withdrawn' "
                "ELSE 'in_review' END",
                "outcome": "CASE WHEN h < 55 THEN 'data_produced' WHEN h < 70 THEN 'no_data' WHEN h < 80 THEN 'rejected' "
                "WHEN h < 85 THEN 'withdrawn' ELSE '' END",
                "rejection_reason": "CASE WHEN h >= 70 AND h < 80 THEN "
                "(ARRAY['overbroad','insufficient_process','no_such_account'])[1 + g % 3] ELSE '' END",
                "produced_categories": 'CASE WHEN h < 30 THEN \'["subscriber_info","cloud_chat_content"]\'::jsonb '
                "WHEN h < 55 THEN '[\"subscriber_info\"]'::jsonb ELSE '[]'::jsonb END",
                "dsa_category": f"({dsa_cats})[1 + g % 5]",
                "created_at": "now()",
                "updated_at": "now() - interval '1 day'",
                "agency_id": f"{first_agency} + g % 40",
            },
            f"""FROM (SELECT g, (g * 7919) % 100 AS h,
                         timestamptz '2025-01-01 00:00+00' + (g % 15638400) * interval '1 second' AS rt
                  FROM generate_series(1::bigint, {n}) g) s""",
            now,
        )
        # Targets: one per request, a second for every third; accounts repeat across requests (id % 250,000)
        # so distinct and summed accounts differ.
        _insert_select(
            c,
            Target,
            {
                "request_id": "id",
                "identifier_type": "'username'",
                "raw_value": "v",
                "kind": "'username'",
                "value": "v",
                "lookup": "lk",
                "notified_at": "na",
            },
            """FROM (SELECT id, 'u' || (id % 250000) v, CASE WHEN id % 9 = 0 THEN 'not_found' ELSE 'found' END lk,
                            CASE WHEN id % 13 = 0 THEN now() END na FROM requests_app_legalrequest
                     UNION ALL
                     SELECT id, 'v' || id, 'found', NULL::timestamptz FROM requests_app_legalrequest
                     WHERE id % 3 = 0) t""",
            now,
        )
        content = sql_list(sorted(rules.CONTENT))
        noncontent = sql_list(sorted(rules.NON_CONTENT))
        final = "r.status IN ('closed','rejected','withdrawn','invalid')"
        _insert_select(
            c,
            RequestFacts,
            {
                "request_id": "r.id",
                "received_at": "r.received_at",
                "country": "a.country",
                "request_type": "r.request_type",
                "emergency": "r.emergency",
                "preservation": f"r.request_type = ANY({sql_list(sorted(rules.PRESERVATION_TYPES))})",
                "national_security": f"r.request_type = ANY({sql_list(sorted(rules.NATIONAL_SECURITY_TYPES))})",
                "final": final,
                "outcome": "r.outcome",
                "rejection_reason": "r.rejection_reason",
                "accounts": "coalesce(t.n, 0)",
                "accounts_found": "coalesce(t.found, 0)",
                "accounts_with_data": "CASE WHEN jsonb_array_length(r.produced_categories) > 0 "
                "THEN coalesce(t.found, 0) ELSE 0 END",
                "users_notified": "coalesce(t.notified, 0)",
                "produced_any": "jsonb_array_length(r.produced_categories) > 0",
                "produced_content": f"r.produced_categories ?| {content}",
                "produced_noncontent": f"r.produced_categories ?| {noncontent}",
                "ndo": "r.ndo_indefinite OR r.ndo_until IS NOT NULL",
                "seconds_to_decision": "extract(epoch FROM r.decided_at - r.received_at)::bigint",
                "seconds_to_produce": "extract(epoch FROM r.produced_at - r.received_at)::bigint",
                "dsa_order": "r.request_type = 'dsa_art10'",
                "dsa_category": "split_part(r.dsa_category, '/', 1)",
                "dsa_keyword": "split_part(r.dsa_category, '/', 2)",
                "seconds_to_inform": "extract(epoch FROM r.acknowledged_at - r.received_at)::bigint",
                "seconds_to_final": f"CASE WHEN {final} THEN extract(epoch FROM r.closed_at - r.received_at)::bigint END",
                "updated_at": "now()",
            },
            """FROM requests_app_legalrequest r JOIN requests_app_agency a ON a.id = r.agency_id
                LEFT JOIN (SELECT request_id, count(*) n,
                                  count(*) FILTER (WHERE lookup IN ('found','e2ee_only')) found,
                                  count(notified_at) notified
                           FROM requests_app_target GROUP BY request_id) t ON t.request_id = r.id""",
            now,
        )
        _insert_select(
            c,
            TargetFacts,
            target_facts_columns(with_data="f.produced_any AND t.lookup = 'found'"),  # fmt: skip
            "FROM requests_app_target t JOIN transparency_requestfacts f ON f.request_id = t.request_id",
            now,
        )
        c.execute("ANALYZE")
        print(f"generated {n:,} requests (+ targets, facts, target facts) in {time.perf_counter() - t0:.1f} s")


RAW_SQL = """
WITH f AS (
  SELECT * FROM transparency_requestfacts WHERE received_at >= %(start)s AND received_at < %(end)s
), x AS (SELECT * FROM f WHERE NOT national_security), c AS (SELECT * FROM x WHERE NOT preservation)
SELECT json_build_object(
 'rows', (SELECT json_agg(r) FROM (
    SELECT country, request_type, count(*) requests, coalesce(sum(accounts),0) accounts,
      count(*) FILTER (WHERE produced_any) with_data, coalesce(sum(accounts_with_data),0) accounts_with_data,
      count(*) FILTER (WHERE produced_content) content,
      count(*) FILTER (WHERE produced_noncontent AND NOT produced_content) non_content,
      count(*) FILTER (WHERE final AND NOT produced_any AND outcome NOT IN ('rejected','withdrawn','invalid')) no_data,
      count(*) FILTER (WHERE NOT produced_any AND outcome = 'rejected') rejected,
      count(*) FILTER (WHERE NOT produced_any AND outcome = 'withdrawn') withdrawn,
      count(*) FILTER (WHERE NOT produced_any AND outcome = 'invalid') invalid,
      count(*) FILTER (WHERE NOT final AND NOT produced_any) pending,
      count(*) FILTER (WHERE emergency) emergency, count(*) FILTER (WHERE ndo) ndo,
      coalesce(sum(users_notified),0) users_notified
    FROM x GROUP BY country, request_type) r),
 'emergency', (SELECT json_build_object('requests', count(*), 'accounts', coalesce(sum(accounts),0),
               'with_data', count(*) FILTER (WHERE produced_any)) FROM c WHERE emergency),
 'reasons', (SELECT json_object_agg(rejection_reason, n) FROM (SELECT rejection_reason, count(*) n FROM c
             WHERE outcome = 'rejected' AND NOT produced_any GROUP BY 1) q),
 'ns', (SELECT json_object_agg(request_type, json_build_array(n, a)) FROM (SELECT request_type, count(*) n,
        coalesce(sum(accounts),0) a FROM f WHERE national_security GROUP BY 1) q),
 'medians', (SELECT json_agg(m) FROM (SELECT country,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds_to_decision) decision,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds_to_produce) produce
        FROM c GROUP BY GROUPING SETS ((country), ())) m),
 'dsa', (SELECT json_agg(d) FROM (SELECT country, count(*) n,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds_to_ack) ack,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds_to_produce) effect
        FROM x WHERE request_type = 'dsa_art10' AND country = ANY(%(eu)s) GROUP BY 1) d)
)
"""


def raw_query(period):
    with connection.cursor() as c:
        c.execute(RAW_SQL, {"start": period.start, "end": period.end, "eu": list(aggregation.EU_MEMBER_STATES)})
        return c.fetchone()[0]


def timed(fn, repeat=3):
    best, result = None, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1_000_000)
    ap.add_argument("--skip-generate", action="store_true")
    ap.add_argument("--import-rows", type=int, default=0)
    ap.add_argument("--import-only", action="store_true", help="only the import benchmark (with --import-rows)")
    ap.add_argument(
        "--import-exclusive", action="store_true", help="import with exclusive=True (foreign keys checked per table)"
    )
    args = ap.parse_args()
    assert connection.vendor == "postgresql", "run this on PostgreSQL (DATABASE_URL)"
    call_command("migrate", verbosity=0)
    if args.import_only:
        bench_import(args.import_rows, exclusive=args.import_exclusive)
        return
    if not args.skip_generate:
        generate(args.requests)
    Report.objects.all().delete()
    period = periods.parse(PERIOD)

    raw_t, raw = timed(lambda: raw_query(period))
    snap_t, snap = timed(lambda: aggregation.build_snapshot(period))

    def build():
        Report.objects.filter(status="draft").delete()
        return services.report_build(period=PERIOD)

    build_t, report = timed(build)
    tracemalloc.start()
    report = build()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # Both ways must give the same numbers.
    ours = {(r["country"], r["request_type"]): r for r in snap["rows"]}
    assert len(ours) == len(raw["rows"])
    for r in raw["rows"]:
        o = ours[(r["country"], r["request_type"])]
        assert all(o[k] == r[k] for k in aggregation.EXACT_MEASURES), (o, r)
    overall = next(m for m in raw["medians"] if m["country"] is None)
    assert snap["totals"]["median_days_to_respond"] == round(overall["decision"] / 86400, 1)

    report = services.report_publish(report=report, acknowledge_open=True)
    client = Client()
    url = f"/transparency/{PERIOD}/"
    assert client.get(url).status_code == 200

    def pages(n: int, cold: bool) -> tuple[list[float], float]:
        """Wall milliseconds per GET (sorted) and CPU milliseconds per GET of this process."""
        from django.core.cache import cache

        out, cpu0 = [], time.process_time()
        for _ in range(n):
            if cold:
                cache.clear()  # the cache miss: the whole page is built from the snapshot
            t0 = time.perf_counter()
            assert client.get(url).status_code == 200
            out.append((time.perf_counter() - t0) * 1000)
        return sorted(out), (time.process_time() - cpu0) * 1000 / n

    cold, cold_cpu = pages(20, cold=True)
    client.get(url)
    lat, warm_cpu = pages(200, cold=False)

    n = snap["totals"]["requests"] + snap["preservation"]["requests"]
    print(f"requests in period (excl. national security): {n:,}; country x type cells: {len(snap['rows'])}")
    print(f"raw SQL (one statement)          : {raw_t:.2f} s")
    print(f"aggregation.build_snapshot (ORM) : {snap_t:.2f} s  ratio {snap_t / raw_t:.2f}x")
    print(f"services.report_build (all)      : {build_t:.2f} s  ratio {build_t / raw_t:.2f}x")
    print(
        f"peak Python memory during build  : {peak / 1e6:.1f} MB; max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    print(
        f"published page, cache miss: median {statistics.median(cold):.1f} ms, p95 {cold[int(len(cold) * 0.95)]:.1f} ms, "
        f"CPU {cold_cpu:.1f} ms/GET (Django test client, in process, 20 GETs)"
    )
    print(f"load average at the end: {os.getloadavg()}")
    print(
        f"published page, cached: median {statistics.median(lat):.1f} ms, p95 {lat[int(len(lat) * 0.95)]:.1f} ms, "
        f"CPU {warm_cpu:.1f} ms/GET (Django test client, in process, 200 GETs)"
    )

    if args.import_rows:
        bench_import(args.import_rows, exclusive=args.import_exclusive)


def bench_import(rows: int, exclusive: bool = False) -> None:
    """Time import_requests on a generated CSV, then a raw COPY of the same file into a bare table."""
    import csv
    import tempfile

    from transparency.importer import COLUMNS, import_file

    path = Path(tempfile.gettempdir()) / f"bench-import-{rows}.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(rows):
            produced = "subscriber_info" if i % 2 else ""
            w.writerow(
                [
                    f"bench-imp-{i}",
                    f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z",
                    COUNTRIES[i % 20],
                    f"Import agency {i % 50}",
                    TYPES[i % 52],
                    "false",
                    f"imp_user_{i};+4915112345{i % 1000:03d}",
                    "",
                    "subscriber_info",
                    produced,
                    "closed",
                    "",
                    "",
                    f"2024-{1 + i % 12:02d}-28T23:00:00Z",
                    "",
                    "false",
                ]
            )
    size = path.stat().st_size
    with connection.cursor() as c:  # a re-run must import, not skip (the bench database only)
        c.execute(
            "TRUNCATE transparency_targetfacts, transparency_requestfacts, requests_app_target, "
            "requests_app_legalrequest, requests_app_requestevent, requests_app_lognode, requests_app_logcheckpoint, "
            "requests_app_followup, transparency_report CASCADE"
        )
    t0 = time.perf_counter()
    load = open("/proc/loadavg").read().split()[:3]
    result = import_file(
        path,
        batch_size=50_000,
        exclusive=exclusive,
        progress=lambda m: print(f"  {time.perf_counter() - t0:6.1f} s {m}", flush=True),
    )
    dt = time.perf_counter() - t0
    print(
        f"  {dt:6.1f} s committed (exclusive={exclusive}); load average before {' '.join(load)}, "
        f"after {' '.join(open('/proc/loadavg').read().split()[:3])}"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The floor: the same rows, as text, COPYed into a bare table with one column per CSV column.
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_raw_copy")
        c.execute("CREATE UNLOGGED TABLE bench_raw_copy (" + ", ".join(f"{col} text" for col in COLUMNS) + ")")
        t1 = time.perf_counter()
        with open(path, "rb") as fh, c.cursor.copy("COPY bench_raw_copy FROM STDIN (FORMAT csv, HEADER)") as cp:
            while chunk := fh.read(1 << 20):
                cp.write(chunk)
        raw = time.perf_counter() - t1
        c.execute("DROP TABLE bench_raw_copy")
    print(
        f"import_requests: {result.created:,} rows ({size / 1e6:.0f} MB CSV), {result.targets:,} targets in {dt:.1f} s "
        f"({result.created / dt:,.0f} rows/s); max RSS {rss:.0f} MB"
    )
    print(f"raw COPY of the same file: {raw:.1f} s ({rows / raw:,.0f} rows/s); import / raw COPY = {dt / raw:.1f}x")


if __name__ == "__main__":
    main()
