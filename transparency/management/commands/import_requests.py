"""python manage.py import_requests FILE [--batch-size N] [--exclusive]"""

from django.core.management.base import BaseCommand, CommandError

from transparency.importer import ImportRefused, import_file


class Command(BaseCommand):
    help = "Import historical requests from CSV or JSON Lines (docs/import.md); all or nothing, idempotent."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--exclusive",
            action="store_true",
            help="PostgreSQL, CSV: check foreign keys once per table instead of once per row; locks the request "
            "tables against readers until the import commits (docs/import.md)",
        )

    def handle(self, *args, file, batch_size, exclusive, **opts):
        try:
            result = import_file(file, batch_size=batch_size, progress=self.stdout.write, exclusive=exclusive)
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {file}") from exc
        except ImportRefused as exc:
            for line in exc.errors:
                self.stderr.write(line)
            if exc.total > len(exc.errors):
                self.stderr.write(f"... and {exc.total - len(exc.errors)} more.")
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.created} requests with {result.targets} targets "
                f"({result.skipped} already imported, {result.agencies_created} new agencies)."
            )
        )
