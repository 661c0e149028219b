"""seed_demo: every type in every state, idempotent, refuses production."""

import os
import re

import pytest
from django.core.management import CommandError, call_command

from requests_app import rules
from requests_app.audit import sequence_pending, verify_log
from requests_app.lifecycle import Status
from requests_app.models import LegalRequest
from requests_app.production.models import PreservationHold, Production, UserNotice
from transparency.models import Report

pytestmark = pytest.mark.django_db


def test_seed_demo_covers_types_and_states_and_is_idempotent(capsys, django_capture_on_commit_callbacks):
    # As under `make run`: what is queued on commit (package builds, notices) runs.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    out = capsys.readouterr().out
    assert "rita@platform.example" in out and "demo_totp" in out
    assert set(LegalRequest.objects.values_list("status", flat=True)) == set(Status)
    assert set(LegalRequest.objects.values_list("request_type", flat=True)) == set(rules.REQUEST_TYPES)
    count = LegalRequest.objects.count()
    call_command("seed_demo")
    assert LegalRequest.objects.count() == count
    sequence_pending()
    assert verify_log().ok
    # One package released by the custodian's signature; the others wait for it (issue 10).
    ready = Production.objects.get(status=Production.Status.READY)
    assert ready.certificate_signed_by.email == "sam@platform.example"
    assert Production.objects.filter(status=Production.Status.UNSIGNED).exists()
    assert Report.objects.filter(status=Report.Status.PUBLISHED).count() == 2
    # The CyberTipline register: a sent report with its hold, one waiting, one overdue, a follow-up.
    from requests_app.cybertipline.models import CyberTipReport

    statuses = sorted(CyberTipReport.objects.values_list("status", flat=True))
    assert statuses == ["draft", "reviewed", "submitted"]
    sent = CyberTipReport.objects.get(status="submitted")
    assert sent.holds.count() == 1 and sent.followups.count() == 1
    # The legal safeguards, one example each (issue 10).
    epoc = LegalRequest.objects.get(case_number="DE-EMG-EPOC-1")
    assert epoc.validation_due_at is not None and epoc.validated_at is None
    assert LegalRequest.objects.filter(request_type__in=rules.NATIONAL_SECURITY_TYPES - {"nsl"}).exists()
    # FISA process is published only in bands (50 U.S.C. 1874(a)), never as an exact number.
    banded = [
        row
        for report in Report.objects.filter(status=Report.Status.PUBLISHED)
        for row in (report.snapshot or {}).get("national_security") or []
        if row["request_type"].startswith("fisa")
    ]
    assert {row["request_type"] for row in banded} == {"fisa_content", "fisa_non_content", "fisa_702"}
    assert all(re.fullmatch(r"\d+-\d+", row["requests"]) for row in banded)
    kept = PreservationHold.objects.get(request__case_number="NY-KEPT-1")
    assert kept.released_at is None and kept.kept_for_followup_at is not None
    assert UserNotice.objects.filter(
        status=UserNotice.Status.BY_PROCESS, request__request_type__in=rules.NATIONAL_SECURITY_TYPES
    ).exists()


def test_seed_demo_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_seed_demo_prints_a_short_summary_and_writes_mail_to_files(
    capsys, settings, tmp_path, django_capture_on_commit_callbacks
):
    # As under `make run` (issue 16 item 8): e-mails go to files, the terminal gets a screenful.
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) <= 25, out
    assert "Content-Type" not in out and "MIME-Version" not in out
    assert "alice@met.police.example" in out
    assert f"each one is a file in {tmp_path / 'mail'}/" in out
    mails = list((tmp_path / "mail").glob("*.log"))
    assert mails and any("MIME-Version" in m.read_text() for m in mails)


def test_development_settings_write_mail_to_a_git_ignored_folder():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ENV", "EMAIL_BACKEND", "EMAIL_FILE_PATH"}}
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND); print(settings.EMAIL_FILE_PATH)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    backend, folder = result.stdout.split()[-2:]
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(folder) == root / "var" / "mail"
    assert "var/" in (root / ".gitignore").read_text().splitlines()
