"""Build, publish (freeze + sign), correct; verify_report accepts the download and refuses a tampered one."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from requests_app.models import RequestEvent
from tests.transparency.helpers import make_request
from transparency import services, signing
from transparency.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(supervisor, supervisor2):
    make_request(produced=["subscriber_info"], found=2)
    make_request(request_type="subpoena")
    draft = services.report_build(period="2025-H1", actor=supervisor.user)
    return services.report_publish(report=draft, actor=supervisor2.user)


def test_publish_freezes_hashes_and_signs(published):
    assert published.status == Report.Status.PUBLISHED and published.version == 1
    data = signing.canonical(published.snapshot)
    assert published.canonical.encode() == data
    assert published.sha256 == signing.sha256_hex(data)
    assert signing.verify_document(services.signed_document(published)) == published.sha256
    assert published.snapshot["version"] == 1 and published.snapshot["published_at"]
    assert RequestEvent.objects.filter(event_type="report", payload__sha256=published.sha256).exists()


def test_canonical_json_is_sorted_and_compact():
    assert signing.canonical({"b": 1, "a": [1, {"d": 2, "c": "é"}]}) == '{"a":[1,{"c":"é","d":2}],"b":1}'.encode()


def test_published_report_does_not_change_when_requests_do(published):
    make_request(produced=["media"])
    again = Report.objects.get(pk=published.pk)
    assert again.snapshot["totals"]["requests"] == 2
    with pytest.raises(services.ReportError, match="Only a finished draft"):
        services.report_publish(report=again)


def test_correction_publishes_next_version_with_note(published, supervisor, supervisor2):
    make_request(produced=["media"])
    with pytest.raises(services.ReportError, match="change note"):
        services.report_correct(period="2025-H1", actor=supervisor.user, change_note=" ")
    draft = services.report_correct(period="2025-H1", actor=supervisor.user, change_note="Three late imports added.")
    with pytest.raises(services.ReportError, match="another supervisor"):
        services.report_publish(report=draft, actor=supervisor.user)
    # What the approver sees: the figures that change from version 1.
    changes = services.snapshot_changes(published.snapshot, draft.snapshot)
    assert {"where": "Total", "measure": "requests", "old": 2, "new": 3} in changes
    v2 = services.report_publish(report=draft, actor=supervisor2.user)
    assert (v2.version, v2.snapshot["totals"]["requests"], v2.snapshot["change_note"]) == (
        2,
        3,
        "Three late imports added.",
    )
    assert Report.objects.get(pk=published.pk).snapshot["totals"]["requests"] == 2  # v1 kept as it was


@pytest.mark.usefixtures("published")
def test_republishing_a_period_without_note_is_refused():
    draft = services.report_build(period="2025-H1")
    with pytest.raises(services.ReportError, match="correction needs a change note"):
        services.report_publish(report=draft)


def test_only_supervisors_build(reviewer, officer_a):
    for person in (reviewer, officer_a):
        with pytest.raises(services.ReportError, match="supervisor"):
            services.report_build(period="2025-H1", actor=person.user)
    assert not Report.objects.exists()


def test_verify_report_command_accepts_and_refuses_tampered(published, tmp_path, capsys):
    path = tmp_path / "report.json"
    doc = services.signed_document(published)
    path.write_text(json.dumps(doc))
    call_command("verify_report", str(path))
    assert "Verified: 2025-H1 version 1" in capsys.readouterr().out

    tampered = json.loads(json.dumps(doc))
    tampered["report"]["totals"]["requests"] += 1
    path.write_text(json.dumps(tampered))
    with pytest.raises(CommandError, match="Hash mismatch"):
        call_command("verify_report", str(path))

    # A forger who also fixes the hash still cannot make the signature match.
    tampered["sha256"] = signing.sha256_hex(signing.canonical(tampered["report"]))
    path.write_text(json.dumps(tampered))
    with pytest.raises(CommandError, match="signature does not match"):
        call_command("verify_report", str(path))


def test_verify_with_explicit_public_key_file(published, tmp_path, settings):
    path = tmp_path / "report.json"
    path.write_text(json.dumps(services.signed_document(published)))
    key = tmp_path / "key.pem"
    key.write_text(signing.public_key_pem())
    call_command("verify_report", str(path), "--key", str(key))
    # Another portal's key does not verify our report.
    settings.REPORT_SIGNING_KEY = "b3RoZXItcG9ydGFsLXNpZ25pbmcta2V5LTMyYnl0ZSE="
    key.write_text(signing.public_key_pem())
    with pytest.raises(CommandError, match="signature"):
        call_command("verify_report", str(path), "--key", str(key))


def test_build_report_command(capsys):
    make_request(produced=["subscriber_info"])
    call_command("build_report", "2025-Q1", "--publish")
    out = capsys.readouterr().out
    assert "Published 2025-Q1 version 1" in out
    with pytest.raises(CommandError, match="not a period"):
        call_command("build_report", "2025-Q9")


def test_background_build_runs_task_on_commit(supervisor, django_capture_on_commit_callbacks):
    make_request(produced=["subscriber_info"])
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_build(period="2025-H1", actor=supervisor.user, background=True)
    report.refresh_from_db()
    assert (report.status, report.progress, report.snapshot["totals"]["requests"]) == ("draft", 100, 1)


def test_live_transition_refreshes_facts(supervisor, django_capture_on_commit_callbacks):
    from requests_app.services import request_transition
    from transparency.models import RequestFacts

    req = make_request(status="in_review")
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(
            request=req, to="rejected", actor=supervisor.user, reason="Overbroad", rejection_reason="overbroad"
        )
    facts = RequestFacts.objects.get(request=req)
    assert (facts.final, facts.outcome, facts.rejection_reason) == (True, "rejected", "overbroad")


def test_build_refreshes_stale_facts():
    from transparency.facts import facts_backfill

    req = make_request(status="in_review")
    facts_backfill()
    req.status, req.produced_categories, req.outcome = "closed", ["ip_logs"], "data_produced"
    req.save()  # changed without a transition: updated_at moves past the facts' time
    snap = services.report_build(period="2025-H1").snapshot
    assert (snap["totals"]["pending"], snap["totals"]["non_content"]) == (0, 1)


@pytest.mark.usefixtures("caplog")
def test_a_failing_facts_refresh_never_breaks_a_committed_transition(
    supervisor, monkeypatch, django_capture_on_commit_callbacks
):
    """The refresh is a follow-up: its failure is recorded on its outbox row, the transition stands."""
    from requests_app.models import FollowUp, LegalRequest
    from requests_app.services import request_transition
    from transparency import facts

    def boom(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(facts, "facts_refresh", boom)
    req = make_request(status="in_review")
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(
            request=req, to="rejected", actor=supervisor.user, reason="Overbroad", rejection_reason="overbroad"
        )
    assert LegalRequest.objects.get(pk=req.pk).status == "rejected"
    row = FollowUp.objects.get(task="transparency.tasks.facts_refresh_task", kwargs={"request_id": req.pk})
    # In-process (no broker) a retry cannot wait: the row stays pending for the sweep, with its error.
    assert row.status == FollowUp.Status.PENDING and row.last_error == "RuntimeError: database hiccup"


def test_drafter_cannot_approve_own_publication(supervisor, supervisor2):
    make_request(produced=["subscriber_info"])
    draft = services.report_build(period="2025-H1", actor=supervisor.user)
    with pytest.raises(services.ReportError, match="another supervisor must approve"):
        services.report_publish(report=draft, actor=supervisor.user)
    draft.refresh_from_db()
    assert draft.status == Report.Status.DRAFT and not draft.sha256
    published = services.report_publish(report=draft, actor=supervisor2.user)
    event = RequestEvent.objects.get(event_type="report", payload__sha256=published.sha256)
    assert (event.actor, event.payload["drafted_by"], event.payload["approved_by"]) == (
        supervisor2.user,
        supervisor.user.pk,
        supervisor2.user.pk,
    )


def test_reviewer_cannot_approve(supervisor, reviewer):
    make_request(produced=["subscriber_info"])
    draft = services.report_build(period="2025-H1", actor=supervisor.user)
    with pytest.raises(services.ReportError, match="supervisor"):
        services.report_publish(report=draft, actor=reviewer.user)


def test_open_requests_need_an_acknowledgement_and_are_stated(supervisor, supervisor2):
    make_request(produced=["subscriber_info"])
    make_request(status="in_review")
    draft = services.report_build(period="2025-H1", actor=supervisor.user)
    with pytest.raises(services.ReportError, match="1 request\\(s\\) of 2025-H1 are not final"):
        services.report_publish(report=draft, actor=supervisor2.user)
    assert not Report.objects.filter(status="published").exists()
    published = services.report_publish(report=draft, actor=supervisor2.user, acknowledge_open=True)
    assert (published.snapshot["open_at_publication"], published.open_acknowledged) == (1, 1)
    assert (
        RequestEvent.objects.get(event_type="report", payload__sha256=published.sha256).payload["open_acknowledged"]
        == 1
    )


def test_unfinished_period_cannot_even_be_drafted(supervisor):
    from django.utils import timezone

    now = timezone.now()
    with pytest.raises(services.ReportError, match="has not ended"):
        services.report_build(period=f"{now.year}-Q{(now.month - 1) // 3 + 1}", actor=supervisor.user)
    assert not Report.objects.exists()
