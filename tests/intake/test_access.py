"""Every portal URL refuses anonymous users, staff (wrong role) and officers of another agency."""

from __future__ import annotations

import pytest

from requests_app.documents import DocumentInput
from requests_app.intake import services
from requests_app.intake.models import ApiToken
from requests_app.models import Document
from requests_app.services import request_submit
from tests.factories import minimal_pdf, warrant

pytestmark = pytest.mark.django_db


@pytest.fixture
def lr(officer_a):
    return request_submit(actor=officer_a.user, data=warrant(), documents=[DocumentInput("warrant.pdf", minimal_pdf())])


def request_urls(lr) -> list[tuple[str, str]]:
    doc = Document.objects.filter(request=lr).first()
    base = f"/le/requests/{lr.reference}/"
    return [
        ("get", base),
        ("post", base + "messages/"),
        ("post", base + "documents/"),
        ("get", base + f"documents/{doc.pk}/"),
        ("post", base + "answer/"),
        ("post", base + "withdraw/"),
    ]


GENERAL = [
    ("get", "/le/requests/"),
    ("get", "/le/requests/new/"),
    ("post", "/le/requests/new/"),
    ("post", "/le/requests/new/check/"),
    ("get", "/le/tokens/"),
    ("post", "/le/tokens/"),
]


def call(client, method, url):
    return client.get(url) if method == "get" else client.post(url, {})


def test_anonymous_is_sent_to_login_everywhere(anon, lr, officer_a):
    token, _ = services.api_token_create(user=officer_a.user, name="t")
    for method, url in [*GENERAL, *request_urls(lr), ("post", f"/le/tokens/{token.pk}/revoke/")]:
        response = call(anon, method, url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_staff_are_refused_the_officer_portal(client_reviewer, client_supervisor, lr):
    for client in (client_reviewer, client_supervisor):
        for method, url in [*GENERAL, *request_urls(lr)]:
            assert call(client, method, url).status_code == 403, url


def test_other_agency_gets_404_on_every_request_url(client_b, lr, officer_a):
    token, _ = services.api_token_create(user=officer_a.user, name="t")
    for method, url in [*request_urls(lr), ("post", f"/le/tokens/{token.pk}/revoke/")]:
        assert call(client_b, method, url).status_code == 404, url
    lr.refresh_from_db()
    assert lr.is_open and lr.messages.count() == 0 and lr.documents.count() == 1
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_staff_page_urls_refuse_officers(client_a, anon, agency_b, officer_b):
    urls = ["/legal/agencies/", f"/legal/agencies/{agency_b.pk}/officers/"]
    posts = [
        f"/legal/agencies/{agency_b.pk}/verify/",
        f"/legal/agencies/{agency_b.pk}/suspend/",
        f"/legal/agencies/officers/{officer_b.pk}/verify/",
        f"/legal/agencies/officers/{officer_b.pk}/suspend/",
    ]
    for url in urls:
        assert client_a.get(url).status_code == 403 and anon.get(url).status_code == 302
    for url in posts:
        assert (
            client_a.post(url, {"reason": "x"}).status_code == 403
            and anon.post(url, {"reason": "x"}).status_code == 302
        )
    agency_b.refresh_from_db()
    officer_b.refresh_from_db()
    assert agency_b.is_verified and officer_b.status == officer_b.Status.ACTIVE


def test_broken_management_form_saves_nothing(client_a):
    from tests.intake.helpers import form_data, pdf_upload

    data = {k: v for k, v in form_data().items() if not k.startswith("targets-")}
    response = client_a.post("/le/requests/new/", {**data, "documents": pdf_upload()})
    assert response.status_code == 400
    from requests_app.models import LegalRequest

    assert LegalRequest.objects.count() == 0
