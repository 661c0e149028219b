"""python manage.py verify_report REPORT.json [--key PUBLIC_KEY.pem]"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from transparency import signing


class Command(BaseCommand):
    help = "Check a downloaded report's SHA-256 and Ed25519 signature against the public key."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--key", help="public key file (PEM, or base64 raw); default: this portal's key")

    def handle(self, *args, file, key, **opts):
        try:
            doc = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        public = signing.load_public_key(Path(key).read_text()) if key else None
        try:
            digest = signing.verify_document(doc, public)
        except signing.VerificationError as exc:
            raise CommandError(f"NOT VERIFIED: {exc}") from exc
        report = doc["report"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Verified: {report['period']['code']} version {report['version']}, sha256 {digest}, signature valid."
            )
        )
