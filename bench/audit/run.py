"""Audited transactions per second with 16 concurrent writers on PostgreSQL: the old hash chain vs the Merkle log.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/audit/run.py [--seconds 20]

Both modes run in the same process, one after the other, on the same database (migrated first). Each writer
thread loops: BEGIN; insert one audited event (and, for "chain", lock the single head row, hash over the
previous hash, update the head, as requests_app.audit did before the Merkle log); COMMIT.
"log" mode: the event is inserted pending; a sequencer thread runs audit.sequence_pending() in a loop, as the
Celery task would (kicked on commit), and the delay between an event's commit and its position is reported
(p50/p99 of sequenced_at - created_at). Prints JSON and writes bench/audit/results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from requests_app import audit  # noqa: E402
from requests_app.models import EventType, RequestEvent  # noqa: E402

WRITERS = 16


def _chain_setup() -> None:
    with connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS bench_chain_head (id int PRIMARY KEY, seq bigint, hash text)")
        c.execute("INSERT INTO bench_chain_head VALUES (1, 0, %s) ON CONFLICT (id) DO NOTHING", ["0" * 64])


def _chain_write(n: int, i: int) -> None:
    """The old append: lock the head, hash over the previous hash, insert, update the head; in one transaction."""
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT seq, hash FROM bench_chain_head WHERE id = 1 FOR UPDATE")
        seq, prev = c.fetchone()
        event = audit.RequestEvent(event_type=EventType.SENSITIVE_VIEW, payload={"w": n, "i": i}, salt="")
        event.created_at = audit.timezone.now()
        digest = hashlib.sha256(prev.encode() + b"\n" + audit.canonical(event)).hexdigest()
        event.save(force_insert=True)
        c.execute("UPDATE bench_chain_head SET seq = %s, hash = %s WHERE id = 1", [seq + 1, digest])


def _log_write(n: int, i: int) -> None:
    with transaction.atomic():
        audit.event_record(event_type=EventType.SENSITIVE_VIEW, payload={"w": n, "i": i})


def _run(write, seconds: float) -> dict:
    stop = time.monotonic() + seconds
    counts = [0] * WRITERS
    barrier = threading.Barrier(WRITERS)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            i = 0
            while time.monotonic() < stop:
                write(n, i)
                i += 1
            counts[n] = i
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WRITERS)]
    started = time.monotonic()
    cpu0 = time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {
        "transactions": sum(counts),
        "seconds": round(elapsed, 2),
        "per_second": round(sum(counts) / elapsed, 1),
        "client_cpu_s": round(time.process_time() - cpu0, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/audit needs PostgreSQL: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    # The kick after each commit is what the real system does; here one sequencer thread stands in for the
    # Celery worker, so switch the per-commit kick off and loop the sequencer instead.
    audit.request_sequencing = lambda: None  # _save looks it up in the module at call time

    _chain_setup()
    chain = _run(_chain_write, args.seconds)

    stop = threading.Event()
    first_id = (RequestEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1

    def sequencer() -> None:
        try:
            while not stop.is_set():
                if not audit.sequence_pending():
                    time.sleep(0.005)
        finally:
            connections.close_all()

    seq_thread = threading.Thread(target=sequencer)
    seq_thread.start()
    log = _run(_log_write, args.seconds)
    deadline = time.monotonic() + 60
    while RequestEvent.objects.filter(seq__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    seq_thread.join()
    delays = sorted(
        (e.sequenced_at - e.created_at).total_seconds() * 1000
        for e in RequestEvent.objects.filter(id__gte=first_id).only("created_at", "sequenced_at")
        if e.sequenced_at
    )
    log["sequencing_delay_ms"] = {
        "p50": round(statistics.median(delays), 1),
        "p99": round(delays[int(len(delays) * 0.99) - 1], 1),
        "max": round(delays[-1], 1),
        "events": len(delays),
    }
    report = audit.verify_log()
    result = {
        "writers": WRITERS,
        "chain": chain,
        "log": log,
        "log_vs_chain": round(log["per_second"] / chain["per_second"], 2),
        "log_verified": report.ok,
        "cores": os.cpu_count(),
        "note": "shared 2-core machine, 7 other engineers working on it during the run",
    }
    print(json.dumps(result, indent=2))
    Path(__file__).with_name("results.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
