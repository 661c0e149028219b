"""Production refuses to start without its secrets; check --deploy is clean."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser fixtures in this process; check --deploy warns about it.
    dropped = {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ENV", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, check=False
    )


def _key():
    return base64.b64encode(os.urandom(32)).decode()


PLUGINS = {
    "RECORD_SOURCE": "requests_app.production.records.DemoRecordSource",
    "USER_NOTIFIER": "requests_app.production.notifier.DemoUserNotifier",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "CLAMD_SOCKET": "/run/clamav/clamd.ctl",  # uploads are scanned for malware (requests_app/scanning.py)
}


def production_env(**overrides: str) -> dict[str, str]:
    """Everything a production configuration requires, each overridable."""
    return {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "portal.example.org",
        "FILE_ENCRYPTION_KEY": _key(),
        "REPORT_SIGNING_KEY": _key(),
        "LOG_SIGNING_KEY": _key(),
        **PLUGINS,
        **overrides,
    }


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "FILE_ENCRYPTION_KEY",
        "REPORT_SIGNING_KEY",
        "LOG_SIGNING_KEY",
        "RECORD_SOURCE",
        "USER_NOTIFIER",
        "EMAIL_BACKEND",
        "CLAMD_SOCKET",
    ],
)
def test_production_refuses_without_secret(missing):
    env = production_env()
    env.pop(missing)
    result = _manage("check", **env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_check_deploy_has_no_warnings():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_ENV="production", SECRET_KEY=base64.b64encode(os.urandom(48)).decode(),
        ALLOWED_HOSTS="portal.example.org", FILE_ENCRYPTION_KEY=_key(), REPORT_SIGNING_KEY=_key(), LOG_SIGNING_KEY=_key(), **PLUGINS,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_bad_boolean_is_an_error():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0 and "DEBUG must be true or false" in result.stderr


def test_production_refuses_an_email_backend_that_delivers_nothing():
    env = production_env(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "does not deliver mail" in result.stderr
