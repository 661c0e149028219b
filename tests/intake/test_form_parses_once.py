"""The officer's web form checks each uploaded PDF once: the form's check marks the input, and the
submission service does not parse the same bytes again (the API already did so: test_i13s_cheaper_submission).
A file the check refuses is still refused with the officer's message and nothing is saved."""

import pytest

from requests_app.models import Document, LegalRequest
from tests.intake.helpers import count_parses, form_data, pdf_upload

pytestmark = pytest.mark.django_db


def test_the_web_form_parses_each_pdf_once(client_a, monkeypatch):
    parses = count_parses(monkeypatch)
    response = client_a.post("/le/requests/new/", form_data(documents=pdf_upload()))
    assert response.status_code == 302, response.content.decode()[:500]
    assert LegalRequest.objects.count() == 1 and Document.objects.count() == 1
    assert len(parses) == 1


def test_a_file_that_is_not_a_pdf_is_still_refused_by_the_form(client_a):
    response = client_a.post("/le/requests/new/", form_data(documents=pdf_upload(content=b"not a pdf at all")))
    assert response.status_code == 400
    assert "PDF" in response.content.decode()
    assert LegalRequest.objects.count() == 0 and Document.objects.count() == 0
