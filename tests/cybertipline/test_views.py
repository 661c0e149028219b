"""Every page of the register: who may see it (and who is refused), audit of views and file
openings, files never inline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from requests_app.cybertipline import services
from requests_app.cybertipline.models import CyberTipReport
from requests_app.models import RequestEvent
from tests.factories import LegalRequestFactory


def _urls(report) -> list[tuple[str, str, dict]]:
    f = report.files.first()
    hold_pk = 999999
    ref = report.reference
    return [
        ("get", reverse("cybertipline:register"), {}),
        ("get", reverse("cybertipline:new"), {}),
        ("post", reverse("cybertipline:new"), {"incident_type": "child_pornography"}),
        ("get", reverse("cybertipline:eu_annual"), {}),
        ("get", reverse("cybertipline:report", args=[ref]), {}),
        ("post", reverse("cybertipline:review", args=[ref]), {"note": "x"}),
        ("post", reverse("cybertipline:submit", args=[ref]), {}),
        ("post", reverse("cybertipline:retract", args=[ref]), {"reason": "x"}),
        ("post", reverse("cybertipline:link", args=[ref]), {"reference": "LR-1"}),
        ("get", reverse("cybertipline:file", args=[ref, f.pk]), {}),
        ("post", reverse("cybertipline:hold_extend", args=[ref, hold_pk]), {"until": "2030-01-01", "reason": "x"}),
    ]


def _call(client, method, url, data):
    return client.get(url) if method == "get" else client.post(url, data)


@pytest.mark.parametrize("i", range(11))
def test_anonymous_is_sent_to_sign_in(anon, draft, i):
    method, url, data = _urls(draft)[i]
    resp = _call(anon, method, url, data)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


@pytest.mark.parametrize("i", range(11))
def test_officers_get_404(client_a, draft, i):
    method, url, data = _urls(draft)[i]
    assert _call(client_a, method, url, data).status_code == 404


@pytest.mark.parametrize("i", range(11))
def test_legal_staff_without_the_role_are_refused(client_reviewer, client_supervisor, draft, i):
    method, url, data = _urls(draft)[i]
    for client in (client_reviewer, client_supervisor):
        resp = _call(client, method, url, data)
        assert resp.status_code == 403
        assert b"CyberTipline role" in resp.content
    assert CyberTipReport.objects.get(pk=draft.pk).status == CyberTipReport.Status.DRAFT


def test_holder_sees_the_register_and_the_view_is_audited(client_ct, draft, ct_reviewer, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        resp = client_ct.get(reverse("cybertipline:register"))
    assert resp.status_code == 200 and draft.reference in resp.content.decode()
    assert RequestEvent.objects.filter(event_type="cybertipline", message="Register viewed", actor=ct_reviewer.user)
    resp = client_ct.get(reverse("cybertipline:report", args=[draft.reference]))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert draft.files.first().sha256 in body
    assert "<img" not in body, "files are never shown inline"
    assert RequestEvent.objects.filter(event_type="cybertipline", message="Report viewed").count() == 1


def test_file_is_an_attachment_and_its_opening_is_audited(client_ct, draft, ct_reviewer):
    f = draft.files.first()
    resp = client_ct.get(reverse("cybertipline:file", args=[draft.reference, f.pk]))
    assert resp.status_code == 200
    assert resp["Content-Disposition"].startswith("attachment;")
    assert resp["Content-Type"] == "application/octet-stream"
    assert resp.content.startswith(b"\x89PNG")
    event = RequestEvent.objects.get(event_type="cybertipline", message="File opened")
    assert event.actor == ct_reviewer.user and event.payload["sha256"] == f.sha256


@pytest.mark.usefixtures("ct_reviewer")
def test_record_review_submit_through_pages(client_ct):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import placeholder_image

    resp = client_ct.post(
        reverse("cybertipline:new"),
        {
            "incident_type": "child_pornography",
            "knowledge_at": "2026-06-01T10:00",
            "detection_source": "hash_match",
            "hash_list": "Industry hash list",
            "user_id": "777",
            "chat_type": "channel",
            "eu_legal_basis": "none",
            "file": SimpleUploadedFile("p.png", placeholder_image(3)),
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    report = CyberTipReport.objects.get()
    assert report.files.get().chat_type == "channel"
    # Bad input: a clear sentence, nothing saved.
    resp = client_ct.post(
        reverse("cybertipline:new"),
        {
            "incident_type": "child_pornography",
            "knowledge_at": "2026-06-01T10:00",
            "detection_source": "hash_match",
            "user_id": "778",
            "chat_type": "group",
            "eu_legal_basis": "none",
        },
    )
    assert resp.status_code == 200 and "name of the hash list" in resp.content.decode()
    assert CyberTipReport.objects.count() == 1


def test_request_page_shows_the_report_only_to_holders(
    client_ct, client_reviewer, reviewed, ct_reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=reviewed, actor=ct_reviewer.user)
    lr = LegalRequestFactory()
    services.followup_link(report=reviewed, request=lr)
    url = reverse("review:request", args=[lr.reference])
    assert reviewed.reference in client_ct.get(url).content.decode()
    assert "data held until" in client_ct.get(url).content.decode()
    assert reviewed.reference not in client_reviewer.get(url).content.decode()
    page = client_ct.get(reverse("cybertipline:report", args=[reviewed.reference])).content.decode()
    assert lr.reference in page


def test_eu_annual_csv(client_ct, ct_reviewer):
    from tests.factories import report_data

    services.report_create(actor=ct_reviewer.user, data=report_data(eu_nexus=True, eu_legal_basis="reg_2021_1232_art3"))
    year = CyberTipReport.objects.get().knowledge_at.year
    resp = client_ct.get(reverse("cybertipline:eu_annual") + f"?year={year}")
    assert resp["Content-Type"].startswith("text/csv")
    lines = resp.content.decode().splitlines()
    header = lines[0].split(",")
    assert "cases_identified" in header and "complaints" in header and "retention" in header
    row = next(line for line in lines[1:] if ",child_pornography," in line)
    assert row.split(",")[header.index("cases_identified")] == "1"
    assert row.split(",")[header.index("files_processed")] == "2"
    assert client_ct.get(reverse("cybertipline:eu_annual") + "?year=abc").status_code == 400
