"""seed_demo: every type in every state, idempotent, refuses production."""

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
