"""The NCMEC client against a local server that implements the documented endpoints and
validates what it receives against the schema."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from lxml import etree

from requests_app import outbox
from requests_app.cybertipline import services
from requests_app.cybertipline.client import NcmecClient, NcmecUnavailable
from requests_app.cybertipline.models import CyberTipReport
from requests_app.models import FollowUp
from requests_app.production.models import PreservationHold

Status = CyberTipReport.Status


def _queue(report, actor, django_capture_on_commit_callbacks):
    # Capture (not run) the queued task: the test drives report_send itself.
    with django_capture_on_commit_callbacks(execute=False):
        services.report_submit(report=report, actor=actor)


def test_happy_path_open_upload_fileinfo_finish(ncmec, reviewed, ct_reviewer, django_capture_on_commit_callbacks):
    _queue(reviewed, ct_reviewer.user, django_capture_on_commit_callbacks)
    report = services.report_send(report_id=reviewed.pk)

    assert ncmec.calls == ["/submit", "/upload", "/fileinfo", "/upload", "/fileinfo", "/finish"]
    assert report.status == Status.SUBMITTED
    assert report.ncmec_report_id in ncmec.reports
    received = ncmec.reports[report.ncmec_report_id]
    assert received.finished == 1
    # The server got the decrypted file bytes, and its answers were stored.
    contents = sorted(received.files.values())
    assert len(contents) == 2 and all(c.startswith(b"\x89PNG") for c in contents)
    assert {f.ncmec_file_id for f in report.files.all()} == set(received.files)
    assert "<reportDoneResponse>" in report.ncmec_response
    assert report.acknowledged_at is not None
    # What the report said: the account, its IP events, the human look per file.
    doc = etree.fromstring(received.xml)
    assert doc.findtext("personOrUserReported/espIdentifier") == "5550001"
    assert doc.findtext("personOrUserReported/ipCaptureEvent/port") == "51234"
    details = [etree.fromstring(x) for x in received.fileinfo.values()]
    assert {d.findtext("fileViewedByEsp") for d in details} == {"true"}
    assert any(d.findtext("additionalInfo").endswith("pdq:ab12") for d in details)


def test_failure_mid_upload_resumes_without_a_duplicate_report(
    ncmec, reviewed, ct_reviewer, django_capture_on_commit_callbacks
):
    _queue(reviewed, ct_reviewer.user, django_capture_on_commit_callbacks)
    # The first upload passes; then the server is told to answer the next upload with a 503.
    client = NcmecClient()
    real_upload = client.upload

    def upload(*args, **kwargs):
        answer = real_upload(*args, **kwargs)
        ncmec.fail_next["/upload"] = 1
        return answer

    client.upload = upload
    with pytest.raises(NcmecUnavailable):
        services.report_send(report_id=reviewed.pk, client=client)
    mid = CyberTipReport.objects.get(pk=reviewed.pk)
    assert mid.status == Status.SUBMITTING and mid.ncmec_report_id
    assert "503" in mid.last_error
    assert PreservationHold.objects.count() == 0

    # The retry (what the task's autoretry does) resumes: same report id, the missing file only.
    report = services.report_send(report_id=reviewed.pk)
    assert report.status == Status.SUBMITTED
    assert len(ncmec.reports) == 1, "a second report was opened"
    assert ncmec.calls.count("/submit") == 1
    assert ncmec.finished_reports == [report.ncmec_report_id]
    assert len(ncmec.reports[report.ncmec_report_id].files) == 2
    # Running it again (a duplicated task message) sends nothing.
    n = len(ncmec.calls)
    services.report_send(report_id=reviewed.pk)
    assert len(ncmec.calls) == n


def test_schema_invalid_report_is_refused_before_sending(ncmec, reviewed, ct_reviewer, settings):
    settings.NCMEC_REPORTER_EMAIL = ""  # an empty <email> breaks the schema
    with pytest.raises(services.CyberTipError, match="schema"):
        services.report_submit(report=reviewed, actor=ct_reviewer.user)
    assert ncmec.calls == []
    assert CyberTipReport.objects.get(pk=reviewed.pk).status == Status.REVIEWED


def test_ncmec_refusal_is_recorded_and_not_retried(ncmec, reviewed, ct_reviewer, django_capture_on_commit_callbacks):
    _queue(reviewed, ct_reviewer.user, django_capture_on_commit_callbacks)
    ncmec.schema = etree.XMLSchema(
        etree.XML(b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="other"/></xs:schema>')
    )  # the server's schema no longer accepts our report: it answers responseCode 1000
    report = services.report_send(report_id=reviewed.pk)
    assert report.status == Status.REVIEWED
    assert "code 1000" in report.last_error
    assert report.ncmec_report_id == ""


@pytest.mark.usefixtures("ncmec")
def test_wrong_credentials_are_retried_not_lost(reviewed, ct_reviewer, settings, django_capture_on_commit_callbacks):
    _queue(reviewed, ct_reviewer.user, django_capture_on_commit_callbacks)
    settings.NCMEC_API_PASSWORD = "wrong"
    with pytest.raises(NcmecUnavailable, match="401"):
        services.report_send(report_id=reviewed.pk)
    assert CyberTipReport.objects.get(pk=reviewed.pk).status == Status.SUBMITTING


def test_retract_calls_ncmec(ncmec, reviewed, ct_reviewer, django_capture_on_commit_callbacks):
    _queue(reviewed, ct_reviewer.user, django_capture_on_commit_callbacks)
    report = services.report_send(report_id=reviewed.pk)
    report = services.report_retract(report=report, actor=ct_reviewer.user, reason="Duplicate of an earlier report")
    assert report.status == Status.RETRACTED
    assert ncmec.reports[report.ncmec_report_id].retracted is True


def test_task_runs_the_submission_on_commit(ncmec, reviewed, ct_reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=reviewed, actor=ct_reviewer.user)
    assert CyberTipReport.objects.get(pk=reviewed.pk).status == Status.SUBMITTED
    assert len(ncmec.finished_reports) == 1


def test_a_lost_submission_is_completed_once_by_the_outbox_sweep(
    ncmec, reviewed, ct_reviewer, settings, django_capture_on_commit_callbacks
):
    # The submission is a follow-up row written with the "submitting" status; its publish after
    # commit is lost (the captured relay never runs: a broker outage or a killed web process).
    _queue(reviewed, ct_reviewer.user, django_capture_on_commit_callbacks)
    row = FollowUp.objects.get(task="requests_app.cybertipline.tasks.report_send_task")
    assert row.status == FollowUp.Status.PENDING and row.kwargs == {"report_id": reviewed.pk}
    assert ncmec.calls == []

    later = timezone.now() + timedelta(seconds=settings.OUTBOX_RELAY_GRACE_SECONDS + 1)
    assert outbox.sweep(now=later) == 1
    assert CyberTipReport.objects.get(pk=reviewed.pk).status == Status.SUBMITTED
    assert ncmec.finished_reports and len(ncmec.reports) == 1
    row.refresh_from_db()
    assert row.status == FollowUp.Status.DONE

    # A later sweep finds nothing open: the report is never sent twice.
    calls = len(ncmec.calls)
    assert outbox.sweep(now=later + timedelta(days=1)) == 0
    assert len(ncmec.calls) == calls


def test_a_claimed_report_is_retried_not_marked_done(ncmec, reviewed, ct_reviewer, django_capture_on_commit_callbacks):
    # A worker killed mid-send leaves its claim; another attempt must stay open and retry, not
    # return as if the report were sent (its follow-up would then be done and the report stuck).
    _queue(reviewed, ct_reviewer.user, django_capture_on_commit_callbacks)
    now = timezone.now()
    CyberTipReport.objects.filter(pk=reviewed.pk).update(claimed_until=now + services.CLAIM)
    with pytest.raises(services.SubmissionBusy):
        services.report_send(report_id=reviewed.pk, now=now)
    assert ncmec.calls == []
    # Once the dead worker's claim has run out, the retry sends it.
    report = services.report_send(report_id=reviewed.pk, now=now + services.CLAIM + timedelta(seconds=1))
    assert report.status == Status.SUBMITTED
    assert len(ncmec.finished_reports) == 1


def test_production_without_an_api_url_never_uses_the_demo_transport(settings):
    from requests_app.cybertipline.client import DemoTransport, transport

    settings.NCMEC_API_URL = ""
    assert isinstance(transport(), DemoTransport)
    settings.PRODUCTION = True
    with pytest.raises(NcmecUnavailable, match="NCMEC_API_URL"):
        transport()


def test_demo_transport_records_what_would_be_sent_and_never_the_file_bytes(
    reviewed, ct_reviewer, settings, django_capture_on_commit_callbacks
):
    import json
    from pathlib import Path

    settings.NCMEC_API_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=reviewed, actor=ct_reviewer.user)
    lines = (Path(settings.MEDIA_ROOT) / "cybertipline-demo-outbox" / "calls.jsonl").read_text().splitlines()
    calls = [json.loads(line) for line in lines]
    assert [c["path"] for c in calls] == ["/submit", "/upload", "/fileinfo", "/upload", "/fileinfo", "/finish"]
    assert "<report>" in calls[0]["xml"] and "<espIdentifier>5550001</espIdentifier>" in calls[0]["xml"]
    uploads = [c["file"] for c in calls if c["path"] == "/upload"]
    assert {u["sha256"] for u in uploads} == set(reviewed.files.values_list("sha256", flat=True))
    assert "PNG" not in "".join(lines)
