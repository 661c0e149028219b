"""Services that fault tests start and break themselves: a redis-server on a free port and
Celery workers in their own processes (so `kill -9` kills a real worker, not the test).

They need a database another process can open: PostgreSQL (CI). On SQLite the test database
lives in this process's memory, so the tests using these fixtures are skipped there.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql" or not shutil.which("redis-server"),
    reason="fault tests run workers in other processes: they need PostgreSQL (CI) and redis-server",
)


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, every: float = 0.2) -> object:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throw-away redis-server (no persistence: a restart comes back empty, the worst case)."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.ping, timeout=10, what="redis-server to answer")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        """kill -9: whatever it held is gone."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


def celery_pools_reset(app: Any) -> None:
    """After the app's broker or eager setting changed: drop every pool bound to the old settings (the app's
    connection pool, its producer pool, kombu's global pools) and the result backend cached per thread."""
    from kombu import pools

    if app._pool is not None:
        app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()
    app._local.__dict__.pop("backend", None)


@contextmanager
def app_on_broker(url: str) -> Iterator[object]:
    """Point this process's Celery app at `url` (not eager): publishing crosses that broker."""
    from portal.celery import app

    keys = ("task_always_eager", "broker_url", "result_backend")
    saved = {k: app.conf.get(k) for k in keys}

    # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI sets it).
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.update(task_always_eager=False, broker_url=url, result_backend=None)
    celery_pools_reset(app)
    try:
        yield app
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        app.conf.update(saved)
        celery_pools_reset(app)


def database_url() -> str:
    """The URL of the test database this process uses (for another process to open)."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    """`celery -A portal worker` in its own process group, on the test database and a given broker."""

    def __init__(self, *, broker_url: str, log: Path, env: dict[str, str] | None = None):
        from django.conf import settings

        self.log = log
        self.env = {
            **os.environ,
            "DJANGO_ENV": "development",
            "DATABASE_URL": database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": broker_url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            # The console backend: each e-mail the worker sends is in its log, where the tests count them.
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            **(env or {}),
        }
        self.env.pop("CELERY_RESULT_BACKEND", None)
        self.proc: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "portal",
                    "worker",
                    "--pool=solo",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill -9 takes it all
            )
        return self

    def kill(self) -> None:
        """kill -9 the worker and anything it started: no shutdown, no acknowledgement."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def workers(transactional_db, tmp_path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start worker processes (`workers(broker_url=…, env={…})`); all stopped at the end."""
    started: list[WorkerProcess] = []

    def _start(*, broker_url: str, env: dict[str, str] | None = None) -> WorkerProcess:
        worker = WorkerProcess(broker_url=broker_url, log=tmp_path / f"worker-{len(started)}.log", env=env)
        started.append(worker.start())
        return worker

    yield _start
    for worker in started:
        worker.kill()
    # Their database sessions must not keep the test database from being flushed or dropped.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def run_django(code: str, *, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    """Run `code` in a fresh Django process (same environment a worker gets)."""
    script = "import django\ndjango.setup()\n" + code
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        timeout=timeout,
    )
