"""Settings of the test run (pyproject.toml: DJANGO_SETTINGS_MODULE = "tests.settings").

The portal's own settings, with the choices that only make sense in tests: a fast password hasher
(every factory user hashes one) and no allauth rate limit (tests log in many times from one address;
django-axes' lock-out, tested in tests/security/, stays on). Processes the tests start (workers,
manage.py) use portal.settings.
"""

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ACCOUNT_RATE_LIMITS = False
