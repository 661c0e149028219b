"""Audited transactions per second with 16 concurrent writers on PostgreSQL: the old hash chain vs the Merkle log.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/audit/run.py [--seconds 20]

Both modes run one after the other on the same database (migrated first), each with 16 writer processes
(as many gunicorn workers would be; threads in one process were capped by the GIL). Each writer loops: BEGIN; insert one audited event (and, for "chain", lock the single head row, hash over the
previous hash, update the head, as requests_app.audit did before the Merkle log); COMMIT.
"log" mode: the event is inserted pending; a sequencer process runs audit.sequence_pending() in a loop, as the
Celery worker would (kicked on commit), and the delay between an event's commit and its position is reported
(p50/p99 of sequenced_at - created_at). Prints JSON and writes bench/audit/results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import statistics
import sys
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
LOAD_BEFORE = [round(x, 2) for x in os.getloadavg()]


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
        audit.insert_new([event])  # the same INSERT as the log's writers: only the chain's lock and head differ
        c.execute("UPDATE bench_chain_head SET seq = %s, hash = %s WHERE id = 1", [seq + 1, digest])


def _log_write(n: int, i: int) -> None:
    with transaction.atomic():
        audit.event_record(event_type=EventType.SENSITIVE_VIEW, payload={"w": n, "i": i})


def _writer(mode: str, n: int, seconds: float, barrier, results) -> None:
    """One writer process (a gunicorn worker's stand-in): loop audited transactions until the time is up."""
    connections.close_all()  # never share the parent's connection across fork
    write = _chain_write if mode == "chain" else _log_write
    cpu0 = time.process_time()
    barrier.wait()
    stop = time.monotonic() + seconds
    i = 0
    while time.monotonic() < stop:
        write(n, i)
        i += 1
    results.put((i, time.process_time() - cpu0))
    connections.close_all()


def _run(mode: str, seconds: float) -> dict:
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(WRITERS + 1)
    results = ctx.Queue()
    connections.close_all()
    procs = [ctx.Process(target=_writer, args=(mode, n, seconds, barrier, results)) for n in range(WRITERS)]
    for p in procs:
        p.start()
    barrier.wait()
    started = time.monotonic()
    done = [results.get(timeout=seconds + 120) for _ in procs]
    elapsed = time.monotonic() - started
    for p in procs:
        p.join()
    total = sum(n for n, _ in done)
    return {
        "transactions": total,
        "seconds": round(elapsed, 2),
        "per_second": round(total / elapsed, 1),
        "writers_cpu_s": round(sum(c for _, c in done), 2),
    }


def _sequencer(stop, cpu) -> None:
    """The sequencer in its own process, as the Celery worker runs it: loop until told to stop."""
    connections.close_all()
    cpu0 = time.process_time()
    try:
        while not stop.is_set():
            if not audit.sequence_pending():
                time.sleep(0.005)
        while audit.sequence_pending():  # drain what the writers left
            pass
    finally:
        cpu.value = time.process_time() - cpu0
        connections.close_all()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/audit needs PostgreSQL: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    # The kick after each commit is what the real system does; here one sequencer process stands in for the
    # Celery worker, so switch the per-commit kick off and loop the sequencer instead.
    audit.request_sequencing = lambda: None  # _save looks it up in the module at call time

    _chain_setup()
    chain = _run("chain", args.seconds)
    # The chain's events went into the event table without a position: sequence them now, untimed, so the
    # log run starts with nothing pending, as the chain run did (before, its sequencer began with the chain's
    # whole backlog to work off, on the same two cores as the log's writers).
    backlog_start = time.monotonic()
    chain["events_sequenced_before_the_log_run"] = audit.sequence_pending()
    chain["sequencing_them_s"] = round(time.monotonic() - backlog_start, 2)

    first_id = (RequestEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    ctx = multiprocessing.get_context("fork")
    stop, seq_cpu = ctx.Event(), ctx.Value("d", 0.0)
    connections.close_all()
    seq_proc = ctx.Process(target=_sequencer, args=(stop, seq_cpu))
    seq_proc.start()
    log = _run("log", args.seconds)
    stop.set()
    seq_proc.join(timeout=300)
    log["sequencer_cpu_s"] = round(seq_cpu.value, 2)
    log["still_pending"] = RequestEvent.objects.filter(id__gte=first_id, seq__isnull=True).count()
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
        "load_average_before": LOAD_BEFORE,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result, indent=2))
    Path(__file__).with_name("results.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
