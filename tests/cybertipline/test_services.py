"""The register's services: create, review, submit, supplement, retract, follow-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app.crypto import decrypt_bytes
from requests_app.cybertipline import services
from requests_app.cybertipline.models import CyberTipReport, ReportFile
from requests_app.models import RequestEvent
from requests_app.services import PermissionDenied
from tests.factories import LegalRequestFactory, placeholder_image, report_data

Status = CyberTipReport.Status


def test_create_records_accounts_files_and_hashes(draft):
    assert draft.reference.startswith("CT-") and draft.status == Status.DRAFT
    account = draft.accounts.get()
    assert (account.user_id, account.upload_port) == ("5550001", 51234)
    f = draft.files.get(original_name="a.png")
    import hashlib

    with f.content.open("rb") as fh:
        stored = fh.read()
    assert placeholder_image(1) not in stored, "files are encrypted at rest"
    assert decrypt_bytes(stored, record=f"cybertipline.reportfile:{f.pk}") == placeholder_image(1)
    assert f.sha256 == hashlib.sha256(placeholder_image(1)).hexdigest()
    assert f.perceptual_hash == "pdq:ab12" and f.viewed_by_platform is False
    assert RequestEvent.objects.filter(event_type="cybertipline", message="CyberTipline report recorded").exists()


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"files": [services.FileInput(name="x", content=b"1", chat_type="secret_chat")]}, "end-to-end encrypted"),
        ({"hash_list": ""}, "name of the hash list"),
        ({"knowledge_at": timezone.now() + timedelta(days=1)}, "cannot be in the future"),
        ({"accounts": []}, "exactly one reported account"),
        ({"withheld_fields": ["phone"]}, "why the withheld fields"),
        ({"eu_nexus": True}, "Regulation (EU) 2021/1232"),
        ({"incident_type": "nonsense"}, "incident type"),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(ct_reviewer, overrides, words):
    with pytest.raises(services.CyberTipError, match=words.replace("(", r"\(").replace(")", r"\)")):
        services.report_create(actor=ct_reviewer.user, data=report_data(**overrides))
    assert CyberTipReport.objects.count() == 0 and ReportFile.objects.count() == 0


def test_staff_without_the_role_and_officers_cannot_write(reviewer, officer_a):
    for user in (reviewer.user, officer_a.user):
        with pytest.raises(PermissionDenied):
            services.report_create(actor=user, data=report_data())


def test_review_records_who_when_and_viewed_files(draft, ct_reviewer):
    first = draft.files.first()
    report = services.report_review(report=draft, actor=ct_reviewer.user, note="seen", viewed_file_ids=[first.pk])
    assert report.status == Status.REVIEWED and report.reviewed_by == ct_reviewer.user and report.reviewed_at
    assert list(report.files.filter(viewed_by_platform=True)) == [first]


def test_submit_needs_a_human_review(draft, ct_reviewer):
    with pytest.raises(services.CyberTipError, match="must review"):
        services.report_submit(report=draft, actor=ct_reviewer.user)


@pytest.mark.usefixtures("django_capture_on_commit_callbacks")
def test_withheld_fields_are_not_sent(ct_reviewer):
    from lxml import etree

    from requests_app.cybertipline import reportxml

    report = services.report_create(
        actor=ct_reviewer.user,
        data=report_data(withheld_fields=["phone", "signup_ip"], withheld_reason="Phone belongs to a victim"),
    )
    doc = etree.fromstring(reportxml.report_document(report))
    assert doc.find("personOrUserReported/personOrUserReportedPerson") is None
    assert [e.findtext("eventName") for e in doc.findall("personOrUserReported/ipCaptureEvent")] == ["Upload"]
    assert reportxml.sent_fields(report) == ["username", "upload_ip", "files"]


def test_supplement_and_retract_with_demo_transport(reviewed, ct_reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=reviewed, actor=ct_reviewer.user)
    original = CyberTipReport.objects.get(pk=reviewed.pk)
    assert original.status == Status.SUBMITTED and original.ncmec_report_id

    with pytest.raises(services.CyberTipError, match="acknowledged"):
        services.report_supplement(
            report=services.report_create(actor=ct_reviewer.user, data=report_data()),
            actor=ct_reviewer.user,
            data=report_data(),
        )
    supplement = services.report_supplement(report=original, actor=ct_reviewer.user, data=report_data(files=[]))
    assert supplement.supplements == original
    from lxml import etree

    from requests_app.cybertipline import reportxml

    doc = etree.fromstring(reportxml.report_document(supplement))
    assert doc.findtext("personOrUserReported/priorCTReports") == original.ncmec_report_id

    with pytest.raises(services.CyberTipError, match="why"):
        services.report_retract(report=original, actor=ct_reviewer.user, reason=" ")
    retracted = services.report_retract(report=original, actor=ct_reviewer.user, reason="Sent in error")
    assert retracted.status == Status.RETRACTED and retracted.retracted_by == ct_reviewer.user
    with pytest.raises(services.CyberTipError, match="already retracted"):
        services.report_retract(report=retracted, actor=ct_reviewer.user, reason="again")


def test_a_request_citing_the_report_id_is_linked_both_ways(reviewed, ct_reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=reviewed, actor=ct_reviewer.user)
    report = CyberTipReport.objects.get(pk=reviewed.pk)
    lr = LegalRequestFactory(case_number=f"CyberTipline report {report.ncmec_report_id}")
    other = LegalRequestFactory(case_number="CASE-1")
    assert services.followups_link_cited(request_id=lr.pk) == 1
    assert services.followups_link_cited(request_id=other.pk) == 0
    assert services.followups_link_cited(request_id=lr.pk) == 0  # idempotent
    assert list(report.followups.all()) == [lr]
    assert list(lr.cybertip_reports.all()) == [report]
    assert list(report.holds.get().followups.all()) == [lr]


def test_cited_ids_parsing():
    from requests_app.cybertipline.rules import cited_report_ids

    assert cited_report_ids("Re: CyberTipline Report #123456789", "NCMEC CT 98765432") == {"123456789", "98765432"}
    assert cited_report_ids("case 123456789") == set()
