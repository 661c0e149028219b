"""The certificate follows the request's legal system (real PDFs from WeasyPrint, read back with pdftotext)."""

from __future__ import annotations

import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from requests_app.models import LegalRequest
from requests_app.production.certificate import certificate_pdf

pytestmark = pytest.mark.django_db

MANIFEST = {
    "categories": [
        {"code": "subscriber_info", "label": "Subscriber information"},
        {"code": "ip_logs", "label": "IP addresses and connection logs"},
    ],
    "files": [{"path": "a/subscriber_info.csv", "records": 1, "size": 10, "sha256": "ab" * 32}],
}


def text_of(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(out.split())


@pytest.mark.parametrize(
    ("framework", "country", "declarations", "present", "absent"),
    [
        (
            "us_sca",
            "US",
            {},
            ["902(11)", "902(13)", "902(14)", "under the laws of the United States of America"],
            ["Regulation (EU) 2023/1543"],
        ),
        # A UK request under national law gets a custodian statement, never a U.S. FRE 902(11) declaration.
        ("national", "GB", {}, ["Custodian Statement", "SHA-256"], ["902(11)", "penalty of perjury"]),
        (
            "eu_eevidence",
            "DE",
            {},
            ["Regulation (EU) 2023/1543", "Art. 5(5)(d)", "traffic data (Art. 3(11))", "subscriber data"],
            ["902(11)"],
        ),
        (
            "eu_eevidence",
            "DE",
            {"ip_identification_only": True, "ip_identification_times": "2026-11-02 14:03 UTC"},
            ["sole purpose of identifying the user (Art. 3(10))", "2026-11-02 14:03 UTC"],
            ["traffic data (Art. 3(11))"],
        ),
    ],
)
def test_certificate_form_follows_the_legal_system(submit, framework, country, declarations, present, absent):
    lr = submit()
    LegalRequest.objects.filter(pk=lr.pk).update(legal_framework=framework, country=country, declarations=declarations)
    lr.refresh_from_db()
    text = text_of(
        certificate_pdf(
            request=lr,
            manifest=MANIFEST,
            manifest_sha256="cd" * 32,
            generated_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        )
    )
    assert lr.reference in text
    for phrase in present:
        assert phrase in text, phrase
    for phrase in absent:
        assert phrase not in text, phrase
