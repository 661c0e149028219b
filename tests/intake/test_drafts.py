"""Drafts of the new-request form and "start from an earlier request" (issue 16 item 2): saved and
resumed with the fields intact, owned by their officer (404 for anyone else), audited without their
content, deleted when sent, discarded or expired, never seen by the legal team or the reports."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app.intake import drafts
from requests_app.intake.models import Draft, PendingUpload
from requests_app.models import EventType, LegalRequest, RequestEvent
from tests.factories import OfficerFactory, client_for
from tests.intake.helpers import form_data, pdf_upload

pytestmark = pytest.mark.django_db

NEW = "/le/requests/new/"


def _save(client, **overrides) -> Draft:
    response = client.post(NEW, {**form_data(**overrides), "save_draft": "1", "documents": pdf_upload()})
    assert response.status_code == 302 and response["Location"] == "/le/requests/#drafts"
    return Draft.objects.latest("pk")


def test_saving_a_draft_keeps_the_fields_not_the_files_and_is_audited_without_content(client_a, officer_a):
    draft = _save(client_a, case_number="CASE-SECRET-77")
    assert draft.user == officer_a.user and draft.agency == officer_a.agency
    assert draft.data["case_number"] == ["CASE-SECRET-77"]
    assert draft.data["targets-0-value"] == ["+1 202 555 0143"]
    assert "documents" not in draft.data and "csrfmiddlewaretoken" not in draft.data
    assert PendingUpload.objects.count() == 0  # files are asked again, never kept with a draft
    assert LegalRequest.objects.count() == 0
    assert draft.expires_at - draft.updated_at == timedelta(days=30)
    event = RequestEvent.objects.get(event_type=EventType.DRAFT)
    assert event.actor == officer_a.user and event.agency == officer_a.agency
    assert event.payload == {"draft": draft.pk, "created": True}
    assert "CASE-SECRET-77" not in event.message + str(event.payload)
    page = client_a.get("/le/requests/").content.decode()
    assert f'href="/le/drafts/{draft.pk}/"' in page and "CASE-SECRET-77" in page


def test_a_resumed_draft_has_its_fields_and_is_deleted_once_submitted(client_a):
    draft = _save(client_a, case_number="CR-DRAFT-1")
    html = client_a.get(f"/le/drafts/{draft.pk}/").content.decode()
    assert 'value="CR-DRAFT-1"' in html
    assert re.search(r'name="targets-1-value" value="@Some_User"', html)
    assert re.search(r'value="cloud_chat_content"[^>]*checked', html)
    assert f'<input type="hidden" name="draft" value="{draft.pk}">' in html
    assert "Attach the PDFs again" in html
    assert 'class="errorlist"' not in html
    # Saved again: the same draft, not a second one.
    client_a.post(NEW, {**form_data(case_number="CR-DRAFT-2"), "draft": str(draft.pk), "save_draft": "1"})
    assert Draft.objects.get().data["case_number"] == ["CR-DRAFT-2"]
    response = client_a.post(
        NEW, {**form_data(case_number="CR-DRAFT-2"), "draft": str(draft.pk), "documents": pdf_upload(), "submit": "1"}
    )
    assert response.status_code == 302
    assert LegalRequest.objects.get().case_number == "CR-DRAFT-2"
    assert not Draft.objects.exists()
    assert RequestEvent.objects.filter(event_type=EventType.DRAFT, payload__reason="submitted").exists()


def test_another_agencys_draft_cannot_be_opened_or_discarded(client_a, client_b, agency_a):
    draft = _save(client_a)
    assert client_b.get(f"/le/drafts/{draft.pk}/").status_code == 404
    assert client_b.post(f"/le/drafts/{draft.pk}/discard/").status_code == 404
    # Posting its id with a form does not reach it either: a new draft of the other officer is made.
    client_b.post(NEW, {**form_data(case_number="B-1"), "draft": str(draft.pk), "save_draft": "1"})
    draft.refresh_from_db()
    assert draft.data["case_number"] == ["CR-2026-0042"]
    assert Draft.objects.count() == 2
    # A colleague of the same agency does not see it: a draft is its officer's own.
    colleague = client_for(OfficerFactory(agency=agency_a))
    assert colleague.get(f"/le/drafts/{draft.pk}/").status_code == 404
    assert f"/le/drafts/{draft.pk}/" not in colleague.get("/le/requests/").content.decode()


def test_anonymous_and_staff_cannot_open_drafts(client_a, anon, client_reviewer):
    draft = _save(client_a)
    assert anon.get(f"/le/drafts/{draft.pk}/").status_code == 302  # to the login page
    assert client_reviewer.get(f"/le/drafts/{draft.pk}/").status_code == 403


def test_discarding_a_draft(client_a):
    draft = _save(client_a)
    response = client_a.post(f"/le/drafts/{draft.pk}/discard/")
    assert response.status_code == 302 and not Draft.objects.exists()
    assert RequestEvent.objects.filter(event_type=EventType.DRAFT, payload__reason="discarded").exists()


def test_drafts_expire_and_are_purged(client_a, settings):
    settings.DRAFT_TTL_DAYS = 7
    draft = _save(client_a)
    assert draft.expires_at - draft.updated_at == timedelta(days=7)
    Draft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client_a.get(f"/le/drafts/{draft.pk}/").status_code == 404
    assert f"/le/drafts/{draft.pk}/" not in client_a.get("/le/requests/").content.decode()
    assert drafts.drafts_purge() == 1
    assert not Draft.objects.exists()
    assert RequestEvent.objects.get(event_type=EventType.PURGED).payload == {"drafts": [draft.pk]}
    assert drafts.drafts_purge() == 0


def test_a_draft_never_reaches_the_legal_queue_or_the_reports(client_a, client_reviewer):
    from transparency import aggregation, periods

    _save(client_a, case_number="DRAFT-ONLY-9")
    queue = client_reviewer.get("/legal/")
    assert queue.status_code == 200 and "DRAFT-ONLY-9" not in queue.content.decode()
    today = timezone.now().date()
    code = f"{today.year}-H{1 if today.month <= 6 else 2}"
    assert aggregation.build_snapshot(periods.parse(code))["totals"]["requests"] == 0


def test_start_from_an_earlier_request_of_the_agency(client_a):
    response = client_a.post(NEW, {**form_data(case_number="CR-FIRST"), "documents": pdf_upload(), "submit": "1"})
    earlier = LegalRequest.objects.get()
    assert response.status_code == 302
    detail = client_a.get(f"/le/requests/{earlier.reference}/").content.decode()
    assert f'href="/le/requests/new/?from={earlier.reference}"' in detail
    html = client_a.get(NEW, {"from": earlier.reference.lower()}).content.decode()
    assert 'value="CR-FIRST"' in html and 'value="+1 202 555 0143"' in html
    assert re.search(r'<option value="search_warrant" selected', html)
    assert "documents are not copied" in html
    assert "kept_upload" not in html  # no file comes with it
    # Sent as it is, it has no legal process: the officer must attach the new one.
    assert "document_missing" in html


def test_another_agencys_request_cannot_be_used_to_start_from(client_a, client_b):
    client_a.post(NEW, {**form_data(case_number="CR-A"), "documents": pdf_upload(), "submit": "1"})
    earlier = LegalRequest.objects.get()
    response = client_b.get(NEW, {"from": earlier.reference})
    assert response.status_code == 404
    assert "CR-A" not in response.content.decode()


def test_the_officers_page_reads_drafts_in_one_query(client_a, officer_a):
    """As many queries with one draft as with six (no query per draft)."""
    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    drafts.draft_save(user=officer_a.user, data=QueryDict("case_number=ONE"))
    client_a.get("/le/requests/")  # warm the session
    with CaptureQueriesContext(connection) as one:
        client_a.get("/le/requests/")
    for i in range(5):
        drafts.draft_save(user=officer_a.user, data=QueryDict(f"case_number=N{i}"))
    with CaptureQueriesContext(connection) as six:
        html = client_a.get("/le/requests/").content.decode()
    assert len(six.captured_queries) == len(one.captured_queries)
    assert html.count('class="btn secondary small"') == 6
