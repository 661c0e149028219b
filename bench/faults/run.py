"""Benchmark: intake under load while the broker, the worker or a web process is broken (#11).

    .venv/bin/python bench/faults/run.py [--seconds 30] [--clients 4] [--only baseline,broker_down,...]

What it does:
1. (re)creates the PostgreSQL database $BENCH_DB (default bench_faults) and migrates it; seeds an
   agency, an officer with an API token, a reviewer;
2. starts its own redis-server on a free port (no persistence: a restart comes back empty, the
   worst case), gunicorn (gthread) on $BENCH_PORT, a real Celery worker (prefork) and Celery beat
   (outbox sweep every 2 s, production stall check every 2 s);
3. per scenario, runs N clients submitting real multipart requests (with a PDF) for --seconds,
   breaking one thing in the middle:
   - baseline:       nothing (also measures follow-up vs intake throughput);
   - broker_down:    redis-server killed for the middle third of the run, then started again (empty);
   - broker_restart: redis-server killed -9 and restarted empty at once (queued messages lost);
   - worker_kill:    the worker killed -9 (with production builds in flight) and restarted 3 s later;
   - web_kill:       one gunicorn worker killed -9 mid-run (requests in flight, commits not yet published);
4. waits (bounded) for the follow-ups to drain and prints, per scenario: sent, 2xx, 4xx, 5xx,
   no answer, lost follow-ups, duplicated follow-ups, half-saved requests, stuck builds, drain time;
   writes bench/faults/results.json.

Definitions. A request is *committed* if its row is in the database (whatever the client saw).
*lost follow-ups*: committed requests without their outbox rows, plus rows that failed for good. *unfinished after wait*: rows not done, and
requests not acknowledged or without facts, when the bounded wait (--drain) ended. *duplicated*: acknowledgement e-mails sent
more than once for one request (counted from the e-mails actually sent), plus packages beyond one per
production. *half-saved*: committed requests missing their targets, document, document file or
submission event, plus stored files no row names. *stuck builds*: productions still building.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.common import BENCH_ENV, PY, bench_target, cpu_by_group, gunicorn_command, warrant_submission  # noqa: E402

PORT, DB, DATABASE_URL = bench_target(port=8111, database="bench_faults")
WORK = Path(os.environ.get("BENCH_WORKDIR", f"/tmp/bench_faults_{PORT}"))
MAIL_LOG = WORK / "mail.log"
SCENARIOS = ["baseline", "broker_down", "broker_restart", "worker_kill", "web_kill"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


REDIS_PORT = free_port()
BROKER = f"redis://127.0.0.1:{REDIS_PORT}/0"


def env() -> dict:
    e = {**os.environ, **BENCH_ENV}
    e.update(
        DATABASE_URL=DATABASE_URL,
        CELERY_BROKER_URL=BROKER,
        EMAIL_BACKEND="bench.faults.support.SubjectLogBackend",
        BENCH_MAIL_LOG=str(MAIL_LOG),
        RECORD_SOURCE="bench.faults.support.SlowSource",
        MEDIA_ROOT=str(WORK / "media"),
        PRODUCTION_TMP_DIR=str(WORK / "build-tmp"),
        # Short operational periods so a one-minute run sees the recovery (defaults: 15 s, 10 s, 900 s, 600 s).
        OUTBOX_SWEEP_SECONDS="2",
        OUTBOX_RELAY_GRACE_SECONDS="3",
        OUTBOX_REDELIVER_SECONDS="10",
        PRODUCTION_HEARTBEAT_SECONDS="1",
        PRODUCTION_STALL_SECONDS="6",
        PRODUCTION_STALL_CHECK_SECONDS="2",
    )
    e.pop("CELERY_RESULT_BACKEND", None)
    return e


os.environ.update(env())


def sh(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, cwd=ROOT, env=env()).stdout


class Proc:
    def __init__(self, name: str, argv: list[str]):
        self.name, self.argv, self.p = name, argv, None

    def start(self) -> Proc:
        log = open(WORK / f"{self.name}.log", "ab")  # noqa: SIM115
        self.p = subprocess.Popen(
            self.argv, cwd=ROOT, env=env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.p and self.p.poll() is None:
            os.killpg(self.p.pid, sig)
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(timeout=10)
        self.p = None


redis = Proc(
    "redis", ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
)
# BENCH_WEB_NICE=N runs gunicorn at nice N: on a machine that runs both sides, the worker then gets the
# CPU it needs first and intake takes what is left (see "faults" in bench/README.md).
NICE = ["nice", "-n", os.environ["BENCH_WEB_NICE"]] if os.environ.get("BENCH_WEB_NICE") else []
web = Proc("web", [*NICE, *gunicorn_command(PORT, workers=int(os.environ.get("BENCH_WEB_WORKERS", "2")))])
# BENCH_WORKER_CPROFILE=FILE: the worker is one solo-pool process under cProfile (CPU time as its clock),
# its profile written to FILE when it stops: where the worker's CPU goes under the bench's load.
WORKER_CPROFILE = os.environ.get("BENCH_WORKER_CPROFILE", "")
CPROFILED = [str(ROOT / "bench/faults/cprofiled_worker.py"), WORKER_CPROFILE]
WORKER_ARGV = [
    PY,
    *(CPROFILED if WORKER_CPROFILE else ["-m", "celery"]),
    "-A",
    "portal",
    "worker",
    *(
        ["--pool=solo"]
        if WORKER_CPROFILE
        else ["--pool=prefork", "--concurrency=" + os.environ.get("BENCH_WORKER_CONCURRENCY", "2")]
    ),
    "--without-gossip",
    "--without-mingle",
    "--loglevel=" + os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING"),
]
# BENCH_SOLO_WORKERS=N: instead of one prefork worker, N solo-pool workers (each takes its messages from the broker
# itself: no parent process handing them to a child over a pipe), started by one shell in one process group (killed
# together, their CPU counted together).
SOLO_WORKERS = int(os.environ.get("BENCH_SOLO_WORKERS", "0") or 0)
if SOLO_WORKERS:
    solo = [a for a in WORKER_ARGV if not a.startswith(("--pool", "--concurrency"))] + ["--pool=solo"]
    one = " ".join(solo)
    WORKER_ARGV = ["sh", "-c", " & ".join(f"exec {one} -n solo{i}@%h" for i in range(SOLO_WORKERS)) + " & wait"]
worker = Proc("worker", WORKER_ARGV)
beat = Proc(
    "beat",
    [
        PY,
        "-m",
        "celery",
        "-A",
        "portal",
        "beat",
        "--scheduler",
        "celery.beat:PersistentScheduler",
        "-s",
        str(WORK / "beat-schedule"),
        "--loglevel=WARNING",
    ],
)


def wait_for(cond, timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cond():
                return True
        except Exception:  # noqa: S110
            pass
        time.sleep(every)
    return False


def redis_up() -> bool:
    import redis as r

    try:
        return bool(r.Redis(port=REDIS_PORT, socket_connect_timeout=0.3).ping())
    except r.RedisError:
        return False


def start_redis() -> None:
    redis.start()
    assert wait_for(redis_up, 10), "redis-server did not start"


def web_up() -> bool:
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
    c.request("GET", "/healthz")
    return c.getresponse().status == 200


def setup() -> tuple[str, int]:
    import shutil

    for name in ("media", "build-tmp"):
        shutil.rmtree(WORK / name, ignore_errors=True)
    MAIL_LOG.unlink(missing_ok=True)
    for log in WORK.glob("*.log"):
        log.unlink()
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    sh(PY, "manage.py", "migrate", "--noinput")
    import django

    django.setup()
    from requests_app.intake.services import api_token_create
    from tests.factories import AgencyFactory, OfficerFactory, StaffFactory, minimal_pdf

    (WORK / "warrant.pdf").write_bytes(minimal_pdf("Search warrant for the fault benchmark"))
    agency = AgencyFactory(name="Bench Police", country="US", email_domains=["bench.police.example"])
    officer = OfficerFactory(agency=agency, user__email="bench@bench.police.example")
    reviewer = StaffFactory(full_name="Bench Reviewer", user__email="reviewer@platform.example")
    return api_token_create(user=officer.user, name="bench")[1], reviewer.pk


def submission(tag: str, n: int, pdf: bytes):
    return warrant_submission(case_number=f"FLT-{tag}-{n}", username=f"flt_{tag}_{n}", pdf=pdf)


def load(tag: str, token: str, clients: int, seconds: float, pdf: bytes) -> Counter:
    counts: Counter = Counter()
    lock = threading.Lock()
    counter = iter(range(10**9))
    deadline = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        mine: Counter = Counter()
        while time.monotonic() < deadline:
            with lock:
                n = next(counter)
            body, ctype = submission(tag, n, pdf)
            try:
                conn.request(
                    "POST",
                    "/api/v1/requests/",
                    body=body,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": ctype},
                )
                response = conn.getresponse()
                response.read()
                mine[f"{response.status // 100}xx"] += 1
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                mine["no_answer"] += 1
                time.sleep(0.1)
            mine["sent"] += 1
        with lock:
            counts.update(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


def start_productions(tag: str, reviewer_id: int, count: int) -> list[int]:
    """Approve `count` of this scenario's committed requests and start their production (builds ~6 s each)."""
    from requests_app.lifecycle import Status
    from requests_app.models import LegalRequest, Officer
    from requests_app.production import services
    from tests.production.conftest import approve

    reviewer = Officer.objects.get(pk=reviewer_id)
    started = []
    for lr in LegalRequest.objects.filter(case_number__startswith=f"FLT-{tag}-", status=Status.VALIDATED)[:count]:
        approve(lr, reviewer, {"subscriber_info": "approved", "cloud_chat_content": "approved"})
        production = services.production_start(request=lr, actor=reviewer.user)
        if production is not None:
            started.append(production.pk)
    return started


def fault(tag: str, seconds: float, reviewer_id: int, log: list[str]) -> None:
    """Runs beside the load: break one thing in the middle of the run."""
    third = seconds / 3
    if tag == "broker_down":
        time.sleep(third)
        redis.kill()
        log.append(f"redis killed at {third:.0f} s")
        time.sleep(third)
        start_redis()
        log.append(f"redis back (empty) at {2 * third:.0f} s")
    elif tag == "broker_restart":
        time.sleep(seconds / 2)
        redis.kill()
        start_redis()
        log.append(f"redis killed -9 and restarted empty at {seconds / 2:.0f} s")
    elif tag == "worker_kill":  # its builds were started (and are in flight) before the load began
        time.sleep(1)
        log.append(f"builds in flight: {len(list((WORK / 'build-tmp').glob('*.part')))} (temp files)")
        worker.kill()
        log.append("worker killed -9")
        time.sleep(3)
        worker.start()
        log.append("worker restarted 3 s later")
    elif tag == "web_kill":
        time.sleep(seconds / 2)
        children = subprocess.run(["pgrep", "-P", str(web.p.pid)], capture_output=True, text=True).stdout.split()
        if children:
            os.kill(int(children[0]), signal.SIGKILL)
            log.append(f"gunicorn worker {children[0]} killed -9 at {seconds / 2:.0f} s")


def followup_rows(tag: str):
    from requests_app.models import FollowUp, LegalRequest

    ids = list(LegalRequest.objects.filter(case_number__startswith=f"FLT-{tag}-").values_list("pk", flat=True))
    return ids, FollowUp.objects.filter(kwargs__request_id__in=ids)


def open_followups(tag: str) -> int:
    from requests_app.models import FollowUp

    _ids, rows = followup_rows(tag)
    return rows.exclude(status=FollowUp.Status.DONE).count()


def measure(tag: str, drain_timeout: float) -> dict:
    from django.db.models import Count

    from requests_app import files
    from requests_app.models import Document, EventType, FollowUp, LegalRequest, RequestEvent
    from requests_app.production.models import Production
    from transparency.models import RequestFacts

    drain_started = time.monotonic()

    def drained() -> bool:
        return (
            open_followups(tag) == 0
            and not Production.objects.filter(status=Production.Status.BUILDING).exists()
            and not LegalRequest.objects.filter(case_number__startswith=f"FLT-{tag}-", acknowledged_at=None).exists()
        )

    wait_for(drained, drain_timeout, every=0.5)
    drain = time.monotonic() - drain_started
    ids, rows = followup_rows(tag)
    committed = LegalRequest.objects.filter(pk__in=ids)
    with_rows = {kw.get("request_id") for kw in rows.values_list("kwargs", flat=True)}
    without_rows = sum(1 for pk in ids if pk not in with_rows)
    not_done = rows.exclude(status=FollowUp.Status.DONE).count()
    unacked = committed.filter(acknowledged_at=None).count()
    no_facts = committed.exclude(pk__in=RequestFacts.objects.values("request_id")).count()
    refs = set(committed.values_list("reference", flat=True))
    mails: Counter = Counter()
    if MAIL_LOG.exists():
        for line in MAIL_LOG.read_text(errors="replace").splitlines():
            words = line.split()  # "Request <reference> received": the acknowledgement
            if len(words) == 3 and words[0] == "Request" and words[2] == "received" and words[1] in refs:
                mails[words[1]] += 1
    # Each committed request gets exactly one acknowledgement.
    dup_mails = sum(n - 1 for n in mails.values() if n > 1)
    half = (
        committed.annotate(t=Count("targets", distinct=True)).filter(t=0).count()
        + committed.annotate(d=Count("documents", distinct=True)).filter(d=0).count()
        + committed.exclude(
            pk__in=RequestEvent.objects.filter(event_type=EventType.SUBMITTED).values("request_id")
        ).count()
        + sum(1 for d in Document.objects.filter(request__in=committed) if not os.path.exists(d.file.path))
    )
    known = files.referenced_names("documents")
    media = WORK / "media"
    orphans = (
        sum(1 for p in (media / "documents").rglob("*") if p.is_file() and str(p.relative_to(media)) not in known)
        if (media / "documents").exists()
        else 0
    )
    productions = Production.objects.filter(request__in=committed)
    BUILT = (Production.Status.UNSIGNED, Production.Status.READY)  # built: signed, or waiting for the custodian
    extra_packages = sum(
        max(0, n - 1)
        for n in productions.filter(status__in=BUILT)
        .values("request")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    return {
        "committed": len(ids),
        # Lost: never to be done (no row, or a row failed for good). Unfinished: not done yet when the wait ended.
        "lost_followups": without_rows + rows.filter(status=FollowUp.Status.FAILED).count(),
        "unfinished_after_wait": not_done + unacked + no_facts,
        "duplicated_followups": dup_mails + extra_packages,
        "reruns": rows.filter(attempts__gt=1).count(),  # a task run again after a kill (idempotent)
        "half_saved": half + orphans,
        "stuck_builds": productions.filter(status=Production.Status.BUILDING).count(),
        "builds_ready": productions.filter(status__in=BUILT).count(),
        "build_attempts": sum(productions.values_list("attempts", flat=True)),
        "stale_temp_files": len(list((WORK / "build-tmp").glob("*.part"))) if (WORK / "build-tmp").exists() else 0,
        "drain_seconds": round(drain, 1),
    }


def throughput(tag: str, seconds: float, token: str, clients: int, pdf: bytes) -> dict:
    """Follow-ups finished per second against follow-ups created per second while intake runs flat out."""
    from django.utils import timezone

    from requests_app.models import FollowUp

    groups = {"web": web.p.pid, "worker": worker.p.pid}
    loadavg_start = open("/proc/loadavg").read().split()[:3]  # noqa: SIM115
    cpu_before = cpu_by_group(groups)
    start = timezone.now()
    counts = load(tag, token, clients, seconds, pdf)
    end = timezone.now()
    cpu = {k: v - cpu_before.get(k, 0.0) for k, v in cpu_by_group(groups).items()}
    created = FollowUp.objects.filter(created_at__gte=start, created_at__lt=end).count()
    finished = FollowUp.objects.filter(finished_at__gte=start, finished_at__lt=end).count()
    backlog = FollowUp.objects.exclude(status=FollowUp.Status.DONE).count()
    return {
        "counts": counts,
        "intake_rps": round(counts["2xx"] / seconds, 1),
        "followups_created_per_s": round(created / seconds, 1),
        "followups_done_per_s": round(finished / seconds, 1),
        "ratio": round(finished / created, 2) if created else None,
        "backlog_at_end": backlog,
        "loadavg_start": loadavg_start,
        "loadavg_end": open("/proc/loadavg").read().split()[:3],  # noqa: SIM115
        # CPU per unit of work while both ran flat out (the machine's 2 cores are shared by both, and PostgreSQL).
        "web_cpu_ms_per_submission": round(cpu["web"] * 1000 / max(counts["2xx"], 1), 1),
        "worker_cpu_ms_per_followup": round(cpu["worker"] * 1000 / max(finished, 1), 1),
        # Of which the prefork pool's parent (receiving messages, handing them to the children).
        "worker_parent_cpu_ms_per_followup": round(cpu.get("worker_leader", 0.0) * 1000 / max(finished, 1), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--drain", type=float, default=240, help="longest wait for follow-ups after a scenario")
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--out", default="results.json", help="file name in bench/faults/")
    args = parser.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    start_redis()
    token, reviewer_id = setup()
    pdf = (WORK / "warrant.pdf").read_bytes()
    web.start()
    worker.start()
    beat.start()
    results = {}
    try:
        assert wait_for(web_up, 60), "gunicorn did not start"
        load("warmup", token, 2, 2, pdf)
        for tag in args.only.split(","):
            log: list[str] = []
            before: Counter = Counter()
            if tag == "worker_kill":
                # Builds first (the queue is drained), so that the kill finds them mid-way, not still queued.
                before = load(tag, token, 1, 2, pdf)
                wait_for(lambda t=tag: not open_followups(t), 60)
                log.append(f"productions started: {start_productions(tag, reviewer_id, 3)}")
                wait_for(lambda: len(list((WORK / "build-tmp").glob("*.part"))) >= 2, 60)
            t = threading.Thread(target=fault, args=(tag, args.seconds, reviewer_id, log))
            t.start()
            if tag == "baseline":
                tp = throughput(tag, args.seconds, token, args.clients, pdf)
                counts = tp.pop("counts")
            else:
                tp = None
                counts = load(tag, token, args.clients, args.seconds, pdf)
            t.join()
            counts.update(before)
            row = {"scenario": tag, **{k: counts.get(k, 0) for k in ("sent", "2xx", "4xx", "5xx", "no_answer")}}
            row.update(measure(tag, args.drain))
            row["faults"] = log
            if tp:
                row["throughput"] = tp
            results[tag] = row
            print(json.dumps(row), flush=True)
    finally:
        for p in (beat, worker, web, redis):
            p.kill(signal.SIGTERM if p is not redis else signal.SIGKILL)
    cols = [
        "sent",
        "2xx",
        "4xx",
        "5xx",
        "no_answer",
        "committed",
        "lost_followups",
        "unfinished_after_wait",
        "duplicated_followups",
        "half_saved",
        "stuck_builds",
        "builds_ready",
        "build_attempts",
        "stale_temp_files",
        "reruns",
        "drain_seconds",
    ]
    print("\n| scenario | " + " | ".join(cols) + " |")
    print("| --- " * (len(cols) + 1) + "|")
    for tag, row in results.items():
        print(f"| {tag} | " + " | ".join(str(row[c]) for c in cols) + " |")
    if "baseline" in results:
        print("\nthroughput (baseline):", json.dumps(results["baseline"]["throughput"]))
    out = {
        "seconds": args.seconds,
        "clients": args.clients,
        "web_workers": int(os.environ.get("BENCH_WEB_WORKERS", "2")),
        "worker_concurrency": int(os.environ.get("BENCH_WORKER_CONCURRENCY", "2")),
        "web_nice": int(os.environ.get("BENCH_WEB_NICE", "0")),
        "loadavg_end": open("/proc/loadavg").read().split()[:3],  # noqa: SIM115
        "results": results,
    }
    (Path(__file__).parent / args.out).write_text(json.dumps(out, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
