"""Pieces bench/faults/run.py loads into the web server and the worker (by dotted path, from env)."""

from __future__ import annotations

import os
import time

from django.core.mail.backends.base import BaseEmailBackend

from requests_app.production.records import DemoRecordSource


class SubjectLogBackend(BaseEmailBackend):
    """Appends one line per e-mail sent (its subject) to $BENCH_MAIL_LOG: the bench counts them."""

    def send_messages(self, email_messages):
        path = os.environ["BENCH_MAIL_LOG"]
        lines = "".join(f"{m.subject}\n" for m in email_messages)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, lines.encode())
        finally:
            os.close(fd)
        return len(email_messages)


class SlowSource(DemoRecordSource):
    """The demo record store, $BENCH_SLOW_RECORDS_SECONDS slower per file: builds last long enough to kill."""

    def records(self, *args):
        time.sleep(float(os.environ.get("BENCH_SLOW_RECORDS_SECONDS", "3")))
        return super().records(*args)
