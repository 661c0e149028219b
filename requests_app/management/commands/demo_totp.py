"""Print the current TOTP code of the demo accounts (development only)."""

from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from requests_app.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the 6-digit code that the demo accounts' authenticator would show now."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_totp refuses to run with DJANGO_ENV=production.")
        counter = next(iter(yield_hotp_counters_from_time()))
        self.stdout.write(f"{hotp_value(DEMO_TOTP_SECRET, counter):06d}")
