"""Load demo data (idempotent) and print a short summary and the demo logins.

`make run` calls this; its output is kept to a screenful (issue 16 item 8): e-mails the demo
sends go to files under EMAIL_FILE_PATH in development, and only their count is printed here.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from requests_app import demo

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


class Command(BaseCommand):
    help = "Create demo agencies, officers, staff and requests in every state. Safe to run twice."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with DJANGO_ENV=production.")
        result = demo.seed(stdout=self.stdout)
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {result.requests} requests."))
        else:
            self.stdout.write(f"Demo data already present ({result.requests} requests); nothing added.")
        if settings.EMAIL_BACKEND == FILE_BACKEND:
            folder = Path(settings.EMAIL_FILE_PATH)
            shown = folder.relative_to(settings.BASE_DIR) if folder.is_relative_to(settings.BASE_DIR) else folder
            self.stdout.write(f"E-mails are not sent in development: each one is a file in {shown}/")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for email, role in result.logins:
            self.stdout.write(f"  {role:<11} {email}")
        self.stdout.write("")
        self.stdout.write("Every demo account has an authenticator app enrolled. Get the current 6-digit code with:")
        self.stdout.write("  .venv/bin/python manage.py demo_totp")
        self.stdout.write(f"Admin (operator): {settings.SITE_URL}/admin/  as admin@platform.example")
