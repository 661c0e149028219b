"""The API guide (docs/api.md) as a page of the portal, at /api/guide/ (public, like the schema and its docs:
it describes, it discloses nothing)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from markdown_it import MarkdownIt

GUIDE = Path(settings.BASE_DIR) / "docs" / "api.md"


@lru_cache(maxsize=1)
def _rendered(mtime: float) -> str:
    # CommonMark with tables; raw HTML in the file is escaped, not passed through.
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    html = md.render(GUIDE.read_text(encoding="utf-8"))
    # Code blocks scroll sideways on a phone: keyboard users must be able to reach and scroll them too.
    html = html.replace("<pre>", '<pre tabindex="0">')
    return html.replace("<table>", '<div class="table-wrap" tabindex="0" role="region"><table class="table">').replace(
        "</table>", "</table></div>"
    )


@require_GET
def api_guide(request: HttpRequest) -> HttpResponse:
    """Anyone: the guide to the REST API."""
    html = _rendered(GUIDE.stat().st_mtime)
    return render(
        request,
        "intake/api_guide.html",
        # Safe: our own file, rendered with raw HTML disabled (markdown-it escapes any tag in it).
        {
            "guide": mark_safe(html),  # noqa: S308
            "guide_in_language": (get_language() or "en").startswith("en"),
        },
    )
