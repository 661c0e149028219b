"""Personas shared by all tests: officers of agencies A and B, staff, anonymous.

Charlie (officer_b) must never see agency A's data.
"""

from __future__ import annotations

import pytest
from django.test import Client

from requests_app.models import Agency, Officer
from tests.factories import AgencyFactory, OfficerFactory, StaffFactory, client_for
from tests.faults import celery_pools_reset, redis_server, workers  # noqa: F401  (fixtures of the fault tests)

# Fixtures shared across packages (a submitted, approved, built and released request).
pytest_plugins = ("tests.production.fixtures",)


def pytest_configure(config):
    """Tasks run eagerly in tests, even when CELERY_BROKER_URL points at Redis (CI);
    only tests that use the `real_worker` fixture send them through the broker."""
    from portal.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Per-process memory of one test must not change the next: a broker outage it staged would make the
    relay skip publishing, and its kick of the audit sequencer would make the next commits wait for a
    kick window that, in tests, nothing ends."""
    from requests_app import audit, outbox

    outbox.note_broker(reachable=True)
    audit._kicked_until = 0.0


@pytest.fixture
def agency_a(db) -> Agency:
    return AgencyFactory(name="Metropolitan Police", country="GB", email_domains=["met.police.example"])


@pytest.fixture
def agency_b(db) -> Agency:
    return AgencyFactory(name="Polizei Berlin", country="DE", email_domains=["polizei.berlin.example"])


@pytest.fixture
def officer_a(agency_a) -> Officer:
    return OfficerFactory(agency=agency_a, full_name="Alice Officer", user__email="alice@met.police.example")


@pytest.fixture
def officer_b(agency_b) -> Officer:
    return OfficerFactory(agency=agency_b, full_name="Charlie Other", user__email="charlie@polizei.berlin.example")


@pytest.fixture
def reviewer(db) -> Officer:
    return StaffFactory(full_name="Rita Reviewer", user__email="rita@platform.example")


@pytest.fixture
def supervisor(db) -> Officer:
    return StaffFactory(full_name="Sam Supervisor", role=Officer.Role.SUPERVISOR, user__email="sam@platform.example")


@pytest.fixture
def supervisor2(db) -> Officer:
    return StaffFactory(full_name="Sue Supervisor", role=Officer.Role.SUPERVISOR, user__email="sue@platform.example")


@pytest.fixture
def client_a(officer_a) -> Client:
    return client_for(officer_a)


@pytest.fixture
def client_b(officer_b) -> Client:
    return client_for(officer_b)


@pytest.fixture
def client_reviewer(reviewer) -> Client:
    return client_for(reviewer)


@pytest.fixture
def client_supervisor(supervisor) -> Client:
    return client_for(supervisor)


@pytest.fixture
def client_supervisor2(supervisor2) -> Client:
    return client_for(supervisor2)


@pytest.fixture
def anon() -> Client:
    return Client()


# --- real Celery worker -----------------------------------------------------------


@pytest.fixture
def real_worker(transactional_db):
    """A real Celery worker thread consuming from the configured broker.

    With CELERY_BROKER_URL set (CI: Redis) tasks cross a real broker; without it
    they go through kombu's in-memory transport, still in a separate worker
    thread rather than eagerly. Yields the Celery app; call `.delay()` and
    `.get(timeout=…)` as production code would.
    """
    import os

    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    broker = os.environ.get("CELERY_BROKER_URL") or "memory://"
    saved = {k: app.conf.get(k) for k in ("task_always_eager", "broker_url", "result_backend")}
    app.conf.update(
        task_always_eager=False,
        broker_url=broker,
        result_backend=os.environ.get("CELERY_RESULT_BACKEND")
        or ("redis" + broker[5:] if broker.startswith("redis") else "cache+memory://"),
    )
    celery_pools_reset(app)
    # Start from an empty queue: nothing left over from an earlier run may reach this worker.
    app.control.purge()
    # The worker thread's database connection must not outlive the test (the test database
    # is dropped afterwards), so close it after every task.
    from celery.signals import task_postrun
    from django.db import connections

    def _close_connections(**kwargs):
        connections.close_all()

    task_postrun.connect(_close_connections, weak=False)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        yield app
    task_postrun.disconnect(_close_connections)
    # A connection the stopped worker thread opened outside a task (nothing closes it) would keep
    # the test database from being dropped at the end of the run.
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
    app.conf.update(saved)
    celery_pools_reset(app)


# --- headless Chromium (Debian's package; no browser download) ---------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    import os

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not os.path.exists(CHROMIUM):
        pytest.fail("Browser tests need Debian's chromium: apt-get install chromium (make test installs it)")
    from playwright.sync_api import sync_playwright

    from tests.browser import axe

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        plain_new_context = browser.new_context

        def new_context(**kwargs):
            """Every context a test opens runs axe-core on its pages (tests/browser/axe.py)."""
            kwargs.setdefault("viewport", axe.DESKTOP)
            context = plain_new_context(**kwargs)
            axe.instrument(context, closed=browser.axe_closed)
            return context

        browser.new_context = new_context
        browser.plain_new_context = plain_new_context
        browser.axe_closed = []  # reports of the contexts a test closed itself
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(15000)
    yield context
    context.close()


class _InFlight:
    """Requests the live server has started and not finished (Django's request_started/request_finished)."""

    def __init__(self) -> None:
        import threading

        self.count = 0
        self.changed = threading.Condition()

    def started(self, **kwargs) -> None:
        with self.changed:
            self.count += 1

    def finished(self, **kwargs) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify_all()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Let the live server finish what the browser left in flight before teardown flushes the database.

    On SQLite the live server's request threads share the test's connection. A late request (a download is
    recorded once it has been served, after the browser already holds the file) still writing while teardown
    flushes the tables fails with "database table is locked".
    """
    if "live_server" not in getattr(item, "fixturenames", ()):
        return (yield)
    from django.core.signals import request_finished, request_started

    from tests.browser import axe

    flight = _InFlight()
    request_started.connect(flight.started)
    request_finished.connect(flight.finished)
    problems: list[dict] = []
    try:
        passed = False
        result = yield
        passed = True
        return result
    finally:
        try:
            browser = item.funcargs.get("chromium")
            contexts = list(browser.contexts) if browser else []
            closed = getattr(browser, "axe_closed", [])
            if passed and browser:
                # Every page the test visited, at 1366 and 390 px (tests/browser/axe.py).
                problems = axe.failures(browser, contexts, closed)
            for context in contexts:
                axe.done(context)
                context.close()  # the test is over: no page may start another request (an htmx poll)
            closed.clear()
            with flight.changed:
                flight.changed.wait_for(lambda: flight.count <= 0, timeout=15)
        finally:
            request_started.disconnect(flight.started)
            request_finished.disconnect(flight.finished)
        if problems:
            pytest.fail(axe.describe(problems), pytrace=False)


# --- a real ClamAV daemon (Debian's clamav-daemon) with the project's test signatures ----

CLAMD = "/usr/sbin/clamd"
CLAMAV_TEST_DB = __import__("pathlib").Path(__file__).parent / "clamav"


@pytest.fixture(scope="session")
def clamd_server(tmp_path_factory):
    """A real clamd for the session, on its own Unix socket, loading only tests/clamav/
    (EICAR's signature: the official databases need the internet; production runs freshclam).
    Yields the socket path."""
    import shutil
    import subprocess
    import time

    from clamav_client.clamd import ClamdError, ClamdUnixSocket

    binary = shutil.which("clamd") or CLAMD
    if not __import__("os").path.exists(binary):
        pytest.fail("Malware-scan tests need Debian's clamav-daemon: apt-get install clamav-daemon (make test does)")
    root = tmp_path_factory.mktemp("clamd")
    sock = root / "clamd.sock"
    conf = root / "clamd.conf"
    conf.write_text(
        "Foreground yes\n"
        f"LocalSocket {sock}\n"
        f"DatabaseDirectory {CLAMAV_TEST_DB}\n"
        f"TemporaryDirectory {root}\n"
        f"LogFile {root / 'clamd.log'}\n"
        f"PidFile {root / 'clamd.pid'}\n"
        "LogTime yes\n"
    )
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    client = ClamdUnixSocket(path=str(sock), timeout=5)
    deadline = time.monotonic() + 60
    while True:
        try:
            if client.ping() == "PONG":
                break
        except ClamdError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log = (root / "clamd.log").read_text() if (root / "clamd.log").exists() else ""
            pytest.fail(f"clamd did not start:\n{log[-2000:]}")
        time.sleep(0.1)
    yield str(sock)
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def clamd(settings, clamd_server):
    """Uploads in this test are scanned by the real clamd (clamd_server)."""
    settings.CLAMD_SOCKET = clamd_server
    settings.CLAMD_HOST = ""
    return clamd_server
