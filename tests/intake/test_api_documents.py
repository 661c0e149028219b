"""POST /api/v1/requests/<ref>/documents/."""

from __future__ import annotations

import pytest

from tests.intake.helpers import pdf_upload

pytestmark = pytest.mark.django_db


def test_other_agency_cannot_add_documents(api_b, lr):
    response = api_b.post(f"/api/v1/requests/{lr.reference}/documents/", {"file": pdf_upload()}, multipart=True)
    assert response.status_code == 404 and lr.documents.count() == 1


def test_add_document_refusals(api_a, lr):
    response = api_a.post(
        f"/api/v1/requests/{lr.reference}/documents/", {"file": pdf_upload("a.pdf", b"%PDF-1.7 junk")}, multipart=True
    )
    assert response.status_code == 400 and response.json()["errors"]["file"][0]["code"] == "broken"
    api_a.post(f"/api/v1/requests/{lr.reference}/withdraw/", {})
    response = api_a.post(f"/api/v1/requests/{lr.reference}/documents/", {"file": pdf_upload()}, multipart=True)
    assert response.status_code == 409
    assert lr.documents.count() == 1
