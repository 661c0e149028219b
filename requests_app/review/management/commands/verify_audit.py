"""Walk the whole audit hash chain; exit non-zero naming the first broken or missing event."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from requests_app.audit import verify_chain
from requests_app.models import AuditChainHead


class Command(BaseCommand):
    help = "Verify the hash chain of the event log (edited, deleted or reordered events)."

    def handle(self, *args, **options) -> None:
        problem = verify_chain()
        if problem is not None:
            raise CommandError(f"Audit chain broken at {problem}")
        head = AuditChainHead.objects.filter(pk=1).first()
        count = head.last_seq if head else 0
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {count} events verified."))
