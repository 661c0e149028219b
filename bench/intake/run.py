"""Benchmark: API submissions per second vs a bare DRF endpoint, same server, same run.

    .venv/bin/python bench/intake/run.py [--clients 8] [--seconds 15] [--workers 2] [--threads 4]

What it does:
1. (re)creates the PostgreSQL database `bench_intake` and migrates it;
2. seeds one verified agency, one officer and an API token;
3. starts gunicorn (gthread) on 127.0.0.1:8101 with BENCH_ENDPOINTS=true;
4. runs N concurrent clients (threads, keep-alive http.client) for a fixed time against
   (a) POST /api/bench/bare/  - a bare DRF view with the same token authentication,
   (b) POST /api/v1/requests/ - a real multipart submission with a one-page PDF
       (rule checks, PDF parse, AES-GCM encryption, request + targets + documents + audit
       events in one transaction), each with a distinct case number and target;
   (c) POST /api/bench/naive/ - the same multipart body saved by a plain DRF ModelSerializer
       create (request, target, document file; no rules, audit, encryption or scanning);
   then (a) again, so drift during the run shows;
5. prints req/s, p50/p95/p99 latency and the ratio, and writes bench/intake/results.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.common import BENCH_ENV, PY, bench_target, gunicorn_command, processes, warrant_submission  # noqa: E402

PORT, DB, DATABASE_URL = bench_target(port=8101, database="bench_intake")
REDIS_DB = os.environ.get("BENCH_REDIS_DB", "11")
BROKER = f"redis://127.0.0.1:6379/{REDIS_DB}"


def sh(*args: str, env: dict | None = None) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, cwd=ROOT, env=env).stdout


def server_env() -> dict:
    env = {**os.environ, **BENCH_ENV}
    env.update(DATABASE_URL=DATABASE_URL, BENCH_ENDPOINTS="true", MEDIA_ROOT="/tmp/bench_intake_media")
    # As in production: side effects (e-mails) are queued to a Redis broker, not run in the web process.
    # No worker consumes them during the run; the queue (Redis db 11) is flushed afterwards.
    env["CELERY_BROKER_URL"] = BROKER
    return env


SEED = """
from requests_app.models import Agency, Officer
from tests.factories import AgencyFactory, OfficerFactory, minimal_pdf
open("/tmp/bench_intake.pdf", "wb").write(minimal_pdf("Search warrant for the benchmark"))
from requests_app.intake.services import api_token_create
agency = AgencyFactory(name="Bench Police", country="US", email_domains=["bench.police.example"])
officer = OfficerFactory(agency=agency, user__email="bench@bench.police.example")
print(api_token_create(user=officer.user, name="bench")[1])
"""


def setup() -> str:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    env = server_env()
    sh(PY, "manage.py", "migrate", "--noinput", env=env)
    return sh(PY, "manage.py", "shell", "-c", SEED, env=env).strip().splitlines()[-1]


def submission(n: int, pdf: bytes) -> tuple[bytes, str]:
    return warrant_submission(case_number=f"BENCH-{n}", username=f"bench_user_{n}", pdf=pdf)


def cpu_seconds(server_pgid: int) -> dict[str, float]:
    """CPU time (user + system) used so far by the web server, PostgreSQL, Redis and this client."""
    out = {"web": 0.0, "postgres": 0.0, "redis": 0.0}
    for command, pgid, used in processes():
        if pgid == server_pgid:  # process group of gunicorn and its workers
            out["web"] += used
        elif command.startswith("postgres"):
            out["postgres"] += used
        elif command.startswith("redis-server"):
            out["redis"] += used
    times = os.times()
    out["client"] = times.user + times.system
    return out


def load(path: str, token: str, clients: int, seconds: float, make_body, server_pgid: int | None = None) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    counter = iter(range(10**9))
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        mine, bad = [], []
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter)
            body, ctype = make_body(n)
            start = time.perf_counter()
            try:
                conn.request(
                    "POST", path, body=body, headers={"Authorization": f"Bearer {token}", "Content-Type": ctype}
                )
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                status = 599
            mine.append(time.perf_counter() - start)
            if status != 201:
                bad.append(status)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    cpu_before = cpu_seconds(server_pgid) if server_pgid else None
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    cpu_ms = {}
    if cpu_before is not None and latencies:
        cpu_after = cpu_seconds(server_pgid)
        # CPU milliseconds each part spent per request (PostgreSQL includes other databases' background work).
        cpu_ms = {k: round((cpu_after[k] - cpu_before[k]) * 1000 / len(latencies), 2) for k in cpu_after}
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    return {
        "path": path,
        "requests": len(latencies),
        "errors": len(errors),
        "error_statuses": sorted(set(errors))[:5],
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(q[49] * 1000, 1),
        "p95_ms": round(q[94] * 1000, 1),
        "p99_ms": round(q[98] * 1000, 1),
        "cpu_ms_per_request": cpu_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    token = setup()
    pdf = Path("/tmp/bench_intake.pdf").read_bytes()
    server = subprocess.Popen(
        gunicorn_command(PORT, workers=args.workers, threads=args.threads),
        cwd=ROOT,
        env=server_env(),
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        bare_body = (json.dumps({"case_number": "BENCH"}).encode(), "application/json")
        warm = load("/api/v1/requests/", token, 2, 2, lambda n: submission(10**8 + n, pdf))  # warm-up, discarded
        assert warm["errors"] == 0, warm
        results = {
            "bare_1": load("/api/bench/bare/", token, args.clients, args.seconds, lambda n: bare_body, server.pid),
            "submit": load(
                "/api/v1/requests/", token, args.clients, args.seconds, lambda n: submission(n, pdf), server.pid
            ),
            "naive": load(
                "/api/bench/naive/", token, args.clients, args.seconds, lambda n: submission(n, pdf), server.pid
            ),
            "bare_2": load("/api/bench/bare/", token, args.clients, args.seconds, lambda n: bare_body, server.pid),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        subprocess.run(["redis-cli", "-n", REDIS_DB, "FLUSHDB"], check=False, capture_output=True)
    bare_rps = (results["bare_1"]["rps"] + results["bare_2"]["rps"]) / 2
    results["config"] = vars(args) | {
        "cpus": os.cpu_count(),
        "database": "PostgreSQL",
        "server": "gunicorn gthread",
        "broker": "Redis (tasks queued, not consumed)",
    }
    results["ratio_submit_to_bare"] = round(results["submit"]["rps"] / bare_rps, 3) if bare_rps else None
    results["ratio_submit_to_naive"] = round(results["submit"]["rps"] / results["naive"]["rps"], 3)
    (Path(__file__).parent / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
