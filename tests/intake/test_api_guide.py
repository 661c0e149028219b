"""Issue 16 item 3: docs/api.md served as a portal page, and the API docs page linking back."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_guide_renders_docs_api_md(anon):
    response = anon.get("/api/guide/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h2>7. Produced records (packages)</h2>" in body
    assert '<pre tabindex="0"><code class="language-sh">' in body  # code blocks reachable by keyboard
    assert 'href="/api/docs/"' in body and 'lang="en"' in body


def test_guide_escapes_raw_html(tmp_path, monkeypatch):
    from requests_app.intake import api_guide

    page = tmp_path / "api.md"
    page.write_text("# Title\n\n<script>alert(1)</script>\n")
    monkeypatch.setattr(api_guide, "GUIDE", page)
    body = Client().get("/api/guide/").content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_api_docs_page_links_to_the_portal_and_the_guide(anon):
    body = anon.get("/api/docs/").content.decode()
    assert '<html lang="en"' in body
    assert 'href="/"' in body and 'href="/api/guide/"' in body
    assert "<style" not in body  # strict CSP: no inline style
