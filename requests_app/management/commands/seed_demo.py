"""Load demo data (idempotent) and print the demo logins."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from requests_app import demo


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
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for email, role in result.logins:
            self.stdout.write(f"  {role:<11} {email}")
        self.stdout.write("")
        self.stdout.write("Every demo account has an authenticator app enrolled. Get the current 6-digit code with:")
        self.stdout.write("  .venv/bin/python manage.py demo_totp")
        self.stdout.write("Admin (operator): http://127.0.0.1:8000/admin/  as admin@platform.example")
