"""Show the outbox: follow-ups per status, the oldest unfinished one, and every failed one.

`--retry-failed` puts failed follow-ups back to pending (after the cause is fixed); the
sweep then publishes them. Also shows the audit log's events still waiting for a position (the
sequencer runs after commit and from beat, not from the outbox). Exits 1 when any follow-up failed or
any event waited longer than LOG_PENDING_ALARM_SECONDS, so a monitor can alert on it.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from requests_app import audit, outbox
from requests_app.models import FollowUp


class Command(BaseCommand):
    help = "Counts of pending, sent, done and failed follow-ups; the oldest unfinished age; failed ones listed."

    def add_arguments(self, parser):
        parser.add_argument("--retry-failed", action="store_true", help="Put failed follow-ups back to pending.")

    def handle(self, *args, retry_failed: bool = False, **options):
        if retry_failed:
            n = outbox.retry_failed()
            self.stdout.write(f"{n} failed follow-ups put back to pending")
        summary = outbox.status_summary()
        counts = summary["counts"]
        self.stdout.write(" ".join(f"{name}={counts[name]}" for name in ("pending", "sent", "done", "failed")))
        age = summary["oldest_open_seconds"]
        self.stdout.write(f"oldest unfinished: {age:.0f} s" if age is not None else "oldest unfinished: none")
        failed = FollowUp.objects.filter(status=FollowUp.Status.FAILED).order_by("pk")[:50]
        for row in failed:
            self.stdout.write(
                f"FAILED #{row.pk} {row.event} {row.task} {row.kwargs} attempts={row.attempts}: {row.last_error}"
            )
        pending, late = audit.pending_alarm()
        self.stdout.write(
            f"audit log: {pending} event(s) waiting for a position, {late} longer than"
            f" {settings.LOG_PENDING_ALARM_SECONDS} s" + (" (ALARM: is the sequencer running?)" if late else "")
        )
        if counts["failed"] or late:
            raise SystemExit(1)
