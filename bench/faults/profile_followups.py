"""Profile: the CPU each follow-up of one submission costs, in process, on PostgreSQL (#11).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_<you> \\
        .venv/bin/python bench/faults/profile_followups.py [--submissions 200] [--targets 1] [--cprofile KIND]

What it does:
1. migrates the database named by $DATABASE_URL (it must exist; its FollowUp rows are deleted, nothing
   else) and seeds one agency and officer (created once, reused);
2. saves --submissions requests through `request_submit` (the service the API calls: the bench's search
   warrant, --targets username targets, one PDF), with the after-commit relay and the audit kick switched
   off, so every follow-up row stays pending;
3. runs each submission's follow-ups one after the other, as a worker would take them, each through
   `task.apply(task_id="followup-<row>")` (so `FollowUpTask`'s own statements are counted), and adds up per
   task kind:
   - `py ms`: this process's CPU (time.process_time) for the whole `apply`;
   - `body ms`: the part spent in the task's body (its `run`); `apply − body` is the fixed per-task cost
     (FollowUpTask's done check and marking, Celery's eager tracer);
   - `pg ms`: the CPU of this connection's PostgreSQL backend (from /proc/<pid>/stat, so only when the
     server runs on this machine; 10 ms clock ticks, so read it over many submissions);
   - `sequencing ms`: time inside `audit.sequence_pending` (the acknowledgement sequences the submission's
     events itself when the worker's sequencer has not yet run: its receipt needs the log position).
   With --batch, each commit's batchable rows run as the relay sends them, one `followups_batch_run_task` message
   (requests_app.outbox.followups_batch_run); the batch's own cost is shared out evenly over its rows as `fixed`.
--worker N: the same rows run by a real Celery worker (prefork, concurrency N) on $PROFILE_BROKER_URL (a Redis
database of your own): its whole CPU per follow-up, message handling included (with --batch: batch messages).
Not counted: what a real worker adds around each task (the broker message, the prefork pool's pipe, the
ack); bench/faults/run.py measures the worker's whole CPU per follow-up under load.

--cprofile KIND prints the 25 costliest functions (cumulative) of that task kind (a suffix of its name,
e.g. acknowledgement_mail_task).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.common import bench_environ, cpu_by_group, process_cpu  # noqa: E402

bench_environ()
os.environ.pop("CELERY_BROKER_URL", None)  # eager Celery: nothing leaves the process


def backend_cpu_ms(pid: int) -> float:
    """user + system CPU of one PostgreSQL backend process, in ms (0 if it is not on this machine)."""
    return process_cpu(pid) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--targets", type=int, default=1, help="username targets per submission")
    parser.add_argument("--cprofile", default="", help="task kind (name suffix) to profile function by function")
    parser.add_argument(
        "--batch",
        action="store_true",
        help="run each commit's batchable follow-ups as the relay sends them: one followups_batch_run_task message",
    )
    parser.add_argument(
        "--worker",
        type=int,
        default=0,
        help="instead of running the tasks in process, start a real Celery worker (prefork, this concurrency) "
        "on $PROFILE_BROKER_URL, publish the rows and measure the worker's CPU",
    )
    parser.add_argument(
        "--worker-cprofile",
        default="",
        help="with --worker: run one solo-pool worker under cProfile and write its profile to this file",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of your own (it is migrated; its outbox is emptied).")

    import django

    django.setup()
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "--noinput", verbosity=0)
    from celery import current_app

    from requests_app import audit, outbox
    from requests_app.documents import DocumentInput
    from requests_app.models import FollowUp
    from requests_app.services import request_submit
    from tests.factories import AgencyFactory, OfficerFactory, minimal_pdf, warrant_data

    mail.outbox = []
    current_app.loader.import_default_modules()
    # Every row stays pending: no after-commit publish (eager would run the tasks inside the commit) and no
    # sequencing at commit (a worker's sequencer runs a window later; the acknowledgement may come first).
    batches: list[list[int]] = []  # what each commit's relay would publish
    outbox._relay_rows = lambda rows, batched=False: batches.append([r.pk for r in rows]) or 0
    audit._kick = lambda: None

    from requests_app.models import Officer

    officer = Officer.objects.filter(user__email="profile@profile.police.example").first()
    if officer is None:
        agency = AgencyFactory(name="Profile Police", country="US", email_domains=["profile.police.example"])
        officer = OfficerFactory(agency=agency, user__email="profile@profile.police.example")
    FollowUp.objects.all().delete()
    pdf = minimal_pdf("Search warrant for the follow-up profile")
    run_tag = str(int(time.time()))

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pg_pid = cursor.fetchone()[0]

    intake_py = intake_pg = 0.0
    submitted = []
    for n in range(args.submissions):
        data = warrant_data(
            case_number=f"PRF-{run_tag}-{n}",
            targets=[("username", f"prf_{run_tag}_{n}_{t}") for t in range(args.targets)],
        )
        py0, pg0 = time.process_time(), backend_cpu_ms(pg_pid)
        lr = request_submit(actor=officer.user, data=data, documents=[DocumentInput("warrant.pdf", pdf)])
        intake_py += time.process_time() - py0
        intake_pg += backend_cpu_ms(pg_pid) - pg0
        submitted.append(lr.pk)

    # Time the bodies and the sequencer from inside.
    body: dict[str, float] = defaultdict(float)
    seq_time = [0.0]
    real_sequence = audit.sequence_pending

    def timed_sequence(**kw):
        t0 = time.process_time()
        try:
            return real_sequence(**kw)
        finally:
            seq_time[0] += time.process_time() - t0

    audit.sequence_pending = timed_sequence
    rows = list(FollowUp.objects.filter(status=FollowUp.Status.PENDING).order_by("pk"))
    kinds = sorted({r.task for r in rows})
    for name in kinds:
        task = current_app.tasks[name]
        real_run = task.run

        def run(*a, _real=real_run, _name=name, **kw):
            t0 = time.process_time()
            try:
                return _real(*a, **kw)
            finally:
                body[_name] += time.process_time() - t0

        task.run = run

    py: dict[str, float] = defaultdict(float)
    pg: dict[str, float] = defaultdict(float)
    seq: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    if args.worker:
        return through_worker(args, rows, batches, n_submissions=len(submitted))
    profiler = cProfile.Profile(time.process_time) if args.cprofile else None
    if args.batch:
        # Each commit's follow-ups as the relay sends them: batchable rows in one followups_batch_run_task message.
        by_pk = {r.pk: r for r in rows}
        runner = current_app.tasks[outbox.BATCH_TASK]
        for ids in batches:
            group = [by_pk[pk] for pk in ids if outbox.batchable(by_pk[pk].task)]
            for row in [by_pk[pk] for pk in ids if not outbox.batchable(by_pk[pk].task)]:
                current_app.tasks[row.task].apply(kwargs=row.kwargs, task_id=f"{outbox.TASK_ID_PREFIX}{row.pk}")
            s0, py0, pg0, b0 = seq_time[0], time.process_time(), backend_cpu_ms(pg_pid), dict(body)
            if profiler is not None:
                profiler.enable()
            runner.apply(kwargs={"ids": [r.pk for r in group]}, task_id=f"{outbox.BATCH_ID_PREFIX}{ids[0]}", throw=True)
            if profiler is not None:
                profiler.disable()
            # The batch's own cost (not a body) is shared out evenly over its rows.
            spent = time.process_time() - py0
            bodies = {k: body[k] - b0.get(k, 0.0) for k in body}
            overhead = (spent - sum(bodies.values())) / len(group)
            pg_each = (backend_cpu_ms(pg_pid) - pg0) / len(group)
            for row in group:
                py[row.task] += bodies.get(row.task, 0.0) + overhead
                pg[row.task] += pg_each
                count[row.task] += 1
            seq[group[0].task] += seq_time[0] - s0
    for row in [] if args.batch else rows:  # in commit order: each submission's follow-ups, then the next one's
        task = current_app.tasks[row.task]
        profiling = profiler is not None and row.task.endswith(args.cprofile)
        s0, py0, pg0 = seq_time[0], time.process_time(), backend_cpu_ms(pg_pid)
        if profiling:
            profiler.enable()
        task.apply(kwargs=row.kwargs, task_id=f"{outbox.TASK_ID_PREFIX}{row.pk}", throw=True)
        if profiling:
            profiler.disable()
        py[row.task] += time.process_time() - py0
        pg[row.task] += backend_cpu_ms(pg_pid) - pg0
        seq[row.task] += seq_time[0] - s0
        count[row.task] += 1

    left = FollowUp.objects.exclude(status=FollowUp.Status.DONE).count()
    n = len(submitted)
    print(
        f"{n} submissions × {args.targets} target(s), {len(rows)} follow-ups ({left} not done), "
        f"load average {open('/proc/loadavg').read().split()[:3]}"
    )
    print(f"intake (request_submit, in process): py {intake_py * 1000 / n:.1f} ms, pg {intake_pg / n:.1f} ms")
    print()
    print("| follow-up | runs | py ms | body ms | fixed ms | pg ms | sequencing ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    tot = defaultdict(float)
    for name in kinds:
        c = count[name]
        cells = {
            "py": py[name] * 1000 / c,
            "body": body[name] * 1000 / c,
            "fixed": (py[name] - body[name]) * 1000 / c,
            "pg": pg[name] / c,
            "seq": seq[name] * 1000 / c,
        }
        per_sub = c / n
        for k, v in cells.items():
            tot[k] += v * per_sub
        short = name.rsplit(".", 1)[1]
        print(
            f"| {short} | {c} | {cells['py']:.2f} | {cells['body']:.2f} | {cells['fixed']:.2f} | {cells['pg']:.2f} "
            f"| {cells['seq']:.2f} |"
        )
    print(
        f"| **per submission** | | **{tot['py']:.1f}** | {tot['body']:.1f} | {tot['fixed']:.1f} | **{tot['pg']:.1f}** "
        f"| {tot['seq']:.1f} |"
    )
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())


def group_cpu_ms(pgid: int) -> float:
    """CPU (user + system, ms) used so far by every live process of one process group."""
    return cpu_by_group({"group": pgid})["group"] * 1000


def through_worker(args, rows, batches, *, n_submissions: int) -> None:
    """The same rows run by a real Celery worker: its CPU per follow-up, against the in-process figures."""
    import signal
    import subprocess

    from django.db import connection

    from requests_app import outbox
    from requests_app.models import FollowUp

    broker = os.environ.get("PROFILE_BROKER_URL")
    if not broker:
        sys.exit("--worker needs PROFILE_BROKER_URL (a Redis database of your own, e.g. redis://127.0.0.1:6379/4)")
    env = dict(os.environ, CELERY_BROKER_URL=broker)
    log = open(f"/tmp/profile_followups_worker_{os.getpid()}.log", "wb")  # noqa: SIM115
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "worker",
        "--pool=prefork",
        f"--concurrency={args.worker}",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=WARNING",
    ]
    if args.worker_cprofile:  # one solo worker under cProfile: where a real worker's CPU goes
        argv = [sys.executable, str(ROOT / "bench/faults/cprofiled_worker.py"), args.worker_cprofile, *argv[3:]]
        argv[argv.index(f"--concurrency={args.worker}")] = "--pool=solo"
        argv.remove("--pool=prefork")
    worker = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # Wait until the worker is up and idle (its CPU stops growing).
        time.sleep(4)
        last = -1.0
        while (now := group_cpu_ms(worker.pid)) != last:
            last = now
            time.sleep(1)
        # Publish as the web's relay does, through a broker connection of this process.
        from django.conf import settings

        settings.CELERY_BROKER_URL = broker
        from celery import current_app

        current_app.conf.broker_url = broker
        current_app.conf.task_always_eager = False
        outbox.broker_down = lambda: False
        cpu0, t0 = group_cpu_ms(worker.pid), time.monotonic()
        ids = [r.pk for r in rows]
        if args.batch:  # as each commit's relay would have: its rows, batched
            by_pk = {r.pk: r for r in rows}
            for group in batches:
                outbox._publish_rows([by_pk[pk] for pk in group], batched=True)
        else:
            for i in range(0, len(ids), 500):
                outbox.relay(ids[i : i + 500])
        connection.close()
        while FollowUp.objects.filter(pk__in=ids).exclude(status=FollowUp.Status.DONE).exists():
            time.sleep(0.2)
        wall = time.monotonic() - t0
        cpu = group_cpu_ms(worker.pid) - cpu0
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    print(
        f"real worker (prefork, concurrency {args.worker}{', batched' if args.batch else ''}): {len(rows)} follow-ups of {n_submissions} submissions "
        f"in {wall:.1f} s; worker CPU {cpu / len(rows):.2f} ms per follow-up, {cpu / n_submissions:.1f} ms per "
        f"submission; load average {open('/proc/loadavg').read().split()[:3]}"
    )


if __name__ == "__main__":
    main()
