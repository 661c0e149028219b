"""Re-wrap every encrypted file's key under FILE_ENCRYPTION_KEY (requests_app/filekeys.py).

Run after putting the new key in FILE_ENCRYPTION_KEY and the old one in FILE_ENCRYPTION_KEYS_OLD.
Idempotent: files already under the current key are left alone. Exits 1 when a file is missing or
was refused (it belongs to another record, was altered, or its key is not configured): keep the old
key until that is resolved.
"""

from django.core.management.base import BaseCommand, CommandError

from requests_app.filekeys import rotate_file_keys


class Command(BaseCommand):
    help = "Re-wrap every encrypted file's key under the current FILE_ENCRYPTION_KEY."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be re-wrapped; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        report = rotate_file_keys(dry_run=dry_run)
        verb = "would re-wrap" if dry_run else "re-wrapped"
        self.stdout.write(f"current master key {report.key_id}")
        for label, counts in report.counts.items():
            self.stdout.write(
                f"{label}: {verb} {counts['rewrapped']}, already current {counts['current']}, "
                f"missing {counts['missing']}, refused {counts['refused']}"
            )
        for line in report.refused:
            self.stderr.write(f"not re-wrapped: {line}")
        if not report.clean:
            raise CommandError("some files were not re-wrapped: keep FILE_ENCRYPTION_KEYS_OLD until they are resolved")
