"""Recompute the audit Merkle tree from the events; compare it with every signed checkpoint (and one kept
outside the database with --checkpoint); exit non-zero naming what is wrong."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from requests_app import audit


class Command(BaseCommand):
    help = (
        "Verify the audit log: every event against its leaf, the tree against the signed checkpoints, and "
        "(--checkpoint FILE) against a checkpoint saved outside the database; alarms on events pending too long."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--checkpoint", help="a signed checkpoint saved earlier (e.g. by log_witness)")

    def handle(self, *args, **options) -> None:
        external = None
        if options["checkpoint"]:
            try:
                external = Path(options["checkpoint"]).read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot read the checkpoint file: {exc.strerror}") from exc
        report = audit.verify_log(external_checkpoint=external)
        if not report.ok:
            lines = [str(p) for p in report.problems[:20]]
            more = len(report.problems) - len(lines)
            raise CommandError(
                "Audit log check failed:\n  " + "\n  ".join(lines) + (f"\n  … and {more} more" if more else "")
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit log intact: {report.size} events verified against {report.checkpoints} signed checkpoint(s)"
                + (" and the checkpoint given" if external else "")
                + f"; {report.pending} pending."
            )
        )
