"""The legal safeguards of issue 10 in the pages: the reviewer's 48-hour validation clock and the
enforcing State's 10 days (Reg. 2023/1543 Art. 4(5), 8, 10(2), 12), user notice decisions, and
nondisclosure orders recorded by the agency or a supervisor (18 U.S.C. 2705(b))."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from requests_app.lifecycle import Status
from requests_app.models import Document, EventType, LegalRequest, RequestEvent
from requests_app.production import services
from requests_app.production.models import UserNotice
from tests.factories import JUSTIFICATION, approve, close, closed_emergency, closed_under_ndo, minimal_pdf, submit_now

pytestmark = pytest.mark.django_db

EU = dict(legal_framework="eu_eevidence", country="DE", date_to=date(2026, 11, 30))


def review_url(lr, name=None):
    return reverse(f"review:{name}" if name else "review:request", args=[lr.reference])


def page(client, lr) -> str:
    response = client.get(review_url(lr))
    assert response.status_code == 200
    return response.content.decode()


def emergency_epoc(submit, capture):
    return submit_now(
        submit, capture, request_type="epoc", authority_kind="police", data_categories=["subscriber_info"],
        emergency=True, emergency_justification=JUSTIFICATION, emergency_attested=True, **EU,
    )  # fmt: skip


# --- Reg. 2023/1543 Art. 4(5): the 48-hour clock and the validation buttons ------------------------------


def test_review_page_shows_the_48_hour_clock_and_holds_production(
    submit, client_reviewer, reviewer, django_capture_on_commit_callbacks
):
    lr = emergency_epoc(submit, django_capture_on_commit_callbacks)
    html = page(client_reviewer, lr)
    assert 'id="validation-clock"' in html and f"{lr.validation_due_at:%Y-%m-%d %H:%M}" in html
    assert "47 h" in html  # just received: almost 48 hours left
    assert "Production held" in html and "ex-post validation" in html
    approve(lr, reviewer, {"subscriber_info": "approved"})
    with pytest.raises(services.ProductionError, match="ex-post validation"):
        services.production_start(request=lr, actor=reviewer.user)


def test_reviewer_records_the_validation_in_the_page(
    submit, client_reviewer, reviewer, django_capture_on_commit_callbacks
):
    lr = emergency_epoc(submit, django_capture_on_commit_callbacks)
    at = timezone.now() - timedelta(hours=2)
    response = client_reviewer.post(
        review_url(lr, "epoc_validation"),
        {
            "outcome": "validated",
            "validator": "Amtsgericht Tiergarten, Judge Weber",
            "at": at.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    lr.refresh_from_db()
    assert lr.validated_by_name == "Amtsgericht Tiergarten, Judge Weber" and lr.validated_at is not None
    html = page(client_reviewer, lr)
    assert "Validated by <strong>Amtsgericht Tiergarten, Judge Weber</strong>" in html
    assert 'id="validation-form"' not in html  # recorded once: no second form
    event = RequestEvent.objects.get(request=lr, event_type=EventType.LEGAL, payload__validated=True)
    assert event.actor == reviewer.user


def test_refusal_in_the_page_withdraws_the_order(submit, client_reviewer, django_capture_on_commit_callbacks):
    lr = emergency_epoc(submit, django_capture_on_commit_callbacks)
    client_reviewer.post(
        review_url(lr, "epoc_validation"),
        {"outcome": "refused", "validator": "Amtsgericht Tiergarten", "at": timezone.now().strftime("%Y-%m-%dT%H:%M")},
    )
    lr.refresh_from_db()
    assert lr.status == Status.WITHDRAWN and lr.validation_refused_at is not None
    assert "the order is withdrawn" in page(client_reviewer, lr)


@pytest.mark.parametrize(
    ("post", "message"),
    [
        (
            {"outcome": "validated", "validator": "  ", "at": "2026-12-01T10:00"},
            "Judge, court or prosecutor who decided: This field is required",
        ),
        ({"outcome": "validated", "validator": "AG Köln", "at": "2099-01-01T10:00"}, "cannot be in the future"),
        ({"validator": "AG Köln", "at": "2026-12-01T10:00"}, "This field is required"),
    ],
)
def test_validation_refusals_are_plain_messages(
    submit, client_reviewer, django_capture_on_commit_callbacks, post, message
):
    lr = emergency_epoc(submit, django_capture_on_commit_callbacks)
    response = client_reviewer.post(review_url(lr, "epoc_validation"), post, follow=True)
    assert message in response.content.decode()
    lr.refresh_from_db()
    assert lr.validated_at is None and lr.validation_refused_at is None


def test_officers_cannot_reach_the_validation_buttons(submit, client_a, client_b, django_capture_on_commit_callbacks):
    lr = emergency_epoc(submit, django_capture_on_commit_callbacks)
    for client in (client_a, client_b):
        for name in ("epoc_validation", "enforcing_state", "danger_over", "notice_decision", "ndo", "change_decision"):
            assert client.post(review_url(lr, name), {"outcome": "validated", "validator": "x"}).status_code == 404
    lr.refresh_from_db()
    assert lr.validated_at is None


# --- Art. 8(1), 10(2), 12: the enforcing State's notification, confirmation, refusal --------------------


def test_enforcing_state_buttons_show_the_10_day_wait(
    submit, client_reviewer, reviewer, django_capture_on_commit_callbacks
):
    lr = submit_now(
        submit, django_capture_on_commit_callbacks, request_type="epoc", authority_kind="judge",
        data_categories=["ip_logs"], **EU,
    )  # fmt: skip
    html = page(client_reviewer, lr)
    assert 'id="enforcing-notified"' in html and 'id="enforcing-confirmed"' not in html
    client_reviewer.post(review_url(lr, "enforcing_state"), {"event": "notified"})
    lr.refresh_from_db()
    assert lr.enforcing_notified_at is not None
    html = page(client_reviewer, lr)
    ends = max(lr.received_at, lr.enforcing_notified_at) + timedelta(days=10)
    assert f"10-day period ends {ends:%Y-%m-%d %H:%M} UTC (waiting)" in html
    assert 'id="enforcing-confirmed"' in html and 'id="enforcing-refused"' in html
    client_reviewer.post(review_url(lr, "enforcing_state"), {"event": "refused"})
    lr.refresh_from_db()
    assert lr.enforcing_refused_at is not None
    assert "nothing is transferred" in page(client_reviewer, lr)
    approve(lr, reviewer, {"ip_logs": "approved"})
    with pytest.raises(services.ProductionError, match="ground for refusal"):
        services.production_start(request=lr, actor=reviewer.user)


def test_enforcing_state_not_needed_is_a_plain_message(submit, client_reviewer, django_capture_on_commit_callbacks):
    lr = submit_now(submit, django_capture_on_commit_callbacks)  # a U.S. warrant
    response = client_reviewer.post(review_url(lr, "enforcing_state"), {"event": "notified"}, follow=True)
    assert "does not need a notification of the enforcing State" in response.content.decode()


# --- User notice: danger over, MLAT decision -------------------------------------------------------------


def test_danger_over_button_releases_the_notice(submit, client_reviewer, reviewer, django_capture_on_commit_callbacks):
    lr = closed_emergency(submit, reviewer, django_capture_on_commit_callbacks)
    assert 'id="danger-over-form"' in page(client_reviewer, lr)
    with django_capture_on_commit_callbacks(execute=True):
        client_reviewer.post(review_url(lr, "danger_over"), {"note": "The child was found safe (agency call)."})
    assert UserNotice.objects.get(request=lr).status == UserNotice.Status.SENT
    assert 'id="danger-over-form"' not in page(client_reviewer, lr)


def test_mlat_notice_decision_button(submit, client_reviewer, reviewer, django_capture_on_commit_callbacks):
    lr = submit_now(
        submit, django_capture_on_commit_callbacks, request_type="mlat", legal_framework="mlat",
        authority_kind="court", data_categories=["subscriber_info"],
    )  # fmt: skip
    close(lr, reviewer, django_capture_on_commit_callbacks)
    response = client_reviewer.post(review_url(lr, "notice_decision"), {"notify": "withhold"}, follow=True)
    assert "This field is required" in response.content.decode()  # the reason is required
    client_reviewer.post(review_url(lr, "notice_decision"), {"notify": "withhold", "reason": "Treaty Art. 7."})
    assert UserNotice.objects.get(request=lr).status == UserNotice.Status.WITHHELD
    assert "the user is not told" in page(client_reviewer, lr)


# --- Nondisclosure orders after submission (18 U.S.C. 2705(b)) -----------------------------------------


def pdf_upload(name="ndo.pdf"):
    return SimpleUploadedFile(name, minimal_pdf("Order"), content_type="application/pdf")


def test_officer_uploads_an_extended_order_on_the_request_page(
    submit, client_a, reviewer, django_capture_on_commit_callbacks
):
    lr = submit_now(
        submit, django_capture_on_commit_callbacks, data_categories=["subscriber_info"],
        ndo=True, ndo_until=timezone.localdate() + timedelta(days=30),
    )  # fmt: skip
    close(lr, reviewer, django_capture_on_commit_callbacks)
    detail = client_a.get(reverse("intake:request_detail", args=[lr.reference])).content.decode()
    assert 'id="officer-ndo-form"' in detail
    new_end = timezone.localdate() + timedelta(days=180)
    url = reverse("production:ndo_record", args=[lr.reference])
    response = client_a.post(url, {"until": new_end.isoformat()}, follow=True)
    assert "Upload the signed nondisclosure order" in response.content.decode()
    client_a.post(url, {"until": new_end.isoformat(), "document": pdf_upload()})
    lr.refresh_from_db()
    assert lr.ndo_until == new_end
    assert lr.documents.filter(kind=Document.Kind.NDO).count() == 1
    assert UserNotice.objects.get(request=lr).send_after == new_end + timedelta(days=1)


def test_an_order_that_is_not_a_pdf_is_refused_in_plain_words_and_nothing_changes(
    submit, client_a, reviewer, django_capture_on_commit_callbacks
):
    lr = submit_now(submit, django_capture_on_commit_callbacks, data_categories=["subscriber_info"])
    close(lr, reviewer, django_capture_on_commit_callbacks)
    until = (timezone.localdate() + timedelta(days=30)).isoformat()
    fake = SimpleUploadedFile("order.pdf", b"just text, no PDF", content_type="application/pdf")
    response = client_a.post(
        reverse("production:ndo_record", args=[lr.reference]), {"until": until, "document": fake}, follow=True
    )
    assert "order.pdf is not a PDF" in response.content.decode()
    lr.refresh_from_db()
    assert lr.ndo_until is None and not lr.documents.filter(kind=Document.Kind.NDO).exists()


def test_other_agency_and_reviewers_cannot_record_an_order(
    submit, client_b, client_reviewer, django_capture_on_commit_callbacks
):
    lr = submit_now(submit, django_capture_on_commit_callbacks, data_categories=["subscriber_info"])
    url = reverse("production:ndo_record", args=[lr.reference])
    until = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert client_b.post(url, {"until": until, "document": pdf_upload()}).status_code == 404
    assert client_reviewer.post(url, {"until": until}).status_code == 403
    response = client_reviewer.post(review_url(lr, "ndo"), {"until": until}, follow=True)
    assert "Only the requesting agency or a legal supervisor" in response.content.decode()
    lr.refresh_from_db()
    assert lr.ndo_until is None and not lr.documents.filter(kind=Document.Kind.NDO).exists()


def test_supervisor_marks_an_extension_pending_and_no_notice_leaves(
    submit, client_supervisor, reviewer, time_machine, django_capture_on_commit_callbacks
):
    lr = closed_under_ndo(submit, reviewer, django_capture_on_commit_callbacks, days=3)
    client_supervisor.post(review_url(lr, "ndo"), {"extension_pending": "on"})
    lr.refresh_from_db()
    assert lr.ndo_extension_pending
    assert "An extension of the nondisclosure order is pending" in page(client_supervisor, lr)
    time_machine.move_to(timezone.now() + timedelta(days=10))
    assert services.notices_send_due() == 0


def test_a_rolled_back_order_leaves_no_file_on_disk(submit, officer_a, monkeypatch, django_capture_on_commit_callbacks):
    """ndo_record stores the uploaded order inside its transaction; if that rolls back, the file goes too."""
    from requests_app.documents import DocumentInput

    lr = submit_now(submit, django_capture_on_commit_callbacks, data_categories=["subscriber_info"])
    before = set(_stored_files())

    def broken(**kw):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "event_record", broken)
    with pytest.raises(RuntimeError):
        services.ndo_record(
            request=lr, actor=officer_a.user, until=timezone.localdate() + timedelta(days=30),
            document=DocumentInput("ndo.pdf", minimal_pdf("Order")),
        )  # fmt: skip
    assert set(_stored_files()) == before
    assert not Document.objects.filter(request=lr, kind=Document.Kind.NDO).exists()
    assert LegalRequest.objects.get(pk=lr.pk).ndo_until is None


def _stored_files(path=""):
    dirs, files = default_storage.listdir(path) if default_storage.exists(path or ".") else ([], [])
    for name in files:
        yield f"{path}/{name}" if path else name
    for d in dirs:
        yield from _stored_files(f"{path}/{d}" if path else d)


# --- Art. 8(2): offence and person in the issuing State: no notification of the enforcing State ---------


@pytest.mark.parametrize(("declared", "notify"), [(False, True), (True, False)])
def test_domestic_exception_lifts_the_enforcing_state_notification(
    submit, reviewer, django_capture_on_commit_callbacks, declared, notify
):
    lr = submit_now(
        submit, django_capture_on_commit_callbacks, request_type="epoc", authority_kind="judge",
        data_categories=["media"], epoc_domestic_exception=declared, **EU,
    )  # fmt: skip
    assert lr.enforcing_notification_required is notify
    assert bool(lr.declarations.get("epoc_domestic_exception")) is declared
    approve(lr, reviewer, {"media": "approved"})
    if notify:
        with pytest.raises(services.ProductionError, match="notify the enforcing State"):
            services.production_start(request=lr, actor=reviewer.user)
    else:
        with django_capture_on_commit_callbacks(execute=True):
            assert services.production_start(request=lr, actor=reviewer.user) is not None


# --- The certificate of authenticity: a draft until a named custodian signs it -------------------------


@pytest.fixture
def unsigned(approved_request, reviewer, django_capture_on_commit_callbacks):
    from requests_app.production.models import Production

    with django_capture_on_commit_callbacks(execute=True):
        services.production_start(request=approved_request, actor=reviewer.user)
    production = Production.objects.get(request=approved_request)
    assert production.status == Production.Status.UNSIGNED
    return production


@pytest.mark.usefixtures("supervisor")
def test_only_a_custodian_sees_and_uses_the_sign_button(
    unsigned, client_a, client_b, client_reviewer, custodian, client_supervisor, django_capture_on_commit_callbacks
):
    from requests_app.production.models import Production

    page_url = f"/production/requests/{unsigned.request.reference}/"
    sign_url = reverse("production:certificate_sign", args=[unsigned.pk])
    officer_page = client_a.get(reverse("intake:request_detail", args=[unsigned.request.reference])).content.decode()
    assert "custodian of records is signing" in officer_page and "Download package" not in officer_page
    refused = client_a.get(f"/production/p/{unsigned.pk}/download/")
    assert refused.status_code == 403 and "not released yet" in refused.content.decode()
    assert 'id="sign-certificate"' not in client_supervisor.get(page_url).content.decode()
    assert "Waiting for a custodian of records" in client_supervisor.get(page_url).content.decode()
    assert client_supervisor.post(sign_url).status_code == 403
    assert client_a.post(sign_url).status_code == 403
    assert client_b.post(sign_url).status_code == 404
    assert Production.objects.get(pk=unsigned.pk).status == Production.Status.UNSIGNED
    # client_reviewer is the custodian (the fixture granted the permission before the request).
    assert 'id="sign-certificate"' in client_reviewer.get(page_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_reviewer.post(sign_url, {"next": page_url}, follow=True)
    assert "Certificate signed: the package is released" in response.content.decode()
    signed = Production.objects.get(pk=unsigned.pk)
    assert signed.status == Production.Status.READY and signed.certificate_signed_by == custodian.user
    assert "Download package" in client_a.get(page_url).content.decode()


def test_custodians_are_told_a_certificate_waits(
    approved_request, reviewer, custodian, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        services.production_start(request=approved_request, actor=reviewer.user)
    to_sign = [m for m in mail.outbox if "waits for your signature" in m.subject]
    assert len(to_sign) == 1 and to_sign[0].to == [custodian.user.email]
    assert approved_request.reference in to_sign[0].subject
    # The agency hears nothing until the package is released.
    assert not [m for m in mail.outbox if "ready for download" in m.subject]


def test_signing_a_package_whose_file_is_gone_is_a_plain_refusal(unsigned, custodian):
    from requests_app.production.models import Production

    default_storage.delete(unsigned.file.name)
    with pytest.raises(services.ProductionError, match="missing or damaged.*start the production again"):
        services.certificate_sign(production=unsigned, actor=custodian.user)
    assert Production.objects.get(pk=unsigned.pk).status == Production.Status.UNSIGNED


def test_queue_shows_the_validation_deadline(submit, client_reviewer, reviewer, django_capture_on_commit_callbacks):
    from requests_app.review import services as review

    lr = emergency_epoc(submit, django_capture_on_commit_callbacks)
    row = client_reviewer.get(reverse("review:queue")).content.decode().split(f'data-reference="{lr.reference}"')[1]
    assert f"validation due {lr.validation_due_at:%Y-%m-%d %H:%M} UTC" in row.split("</tr>")[0]
    review.epoc_validation_record(request=lr, actor=reviewer.user, validated=True, validator="AG Köln")
    row = client_reviewer.get(reverse("review:queue")).content.decode().split(f'data-reference="{lr.reference}"')[1]
    assert "validation due" not in row.split("</tr>")[0]


@pytest.mark.parametrize("state", [Status.AWAITING_VERIFICATION, Status.IN_REVIEW, Status.APPROVED])
def test_a_refused_validation_withdraws_the_order_in_any_open_state(
    submit, reviewer, django_capture_on_commit_callbacks, state
):
    from requests_app.review import services as review

    lr = emergency_epoc(submit, django_capture_on_commit_callbacks)
    if state == Status.APPROVED:
        approve(lr, reviewer, {"subscriber_info": "approved"})
    elif state == Status.IN_REVIEW:
        from requests_app.services import request_transition

        request_transition(request=lr, to=Status.IN_REVIEW, actor=reviewer.user)
    lr.refresh_from_db()
    assert lr.status == state
    review.epoc_validation_record(request=lr, actor=reviewer.user, validated=False, validator="AG Köln")
    lr.refresh_from_db()
    assert lr.status == Status.WITHDRAWN
    with pytest.raises(services.ProductionError):
        services.production_start(request=lr, actor=reviewer.user)
