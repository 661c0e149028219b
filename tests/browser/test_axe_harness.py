"""The accessibility harness itself: a page with a known WCAG failure and a page too wide for a phone are
both caught, at the widths the issue asks for, and a clean page passes."""

from __future__ import annotations

import pytest

from tests.browser import axe

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>
<h1>Broken</h1><img src="/static/none.png"><div style="width: 900px">too wide for a phone</div>
</main></body></html>"""
CLEAN = """<!doctype html><html lang="en"><head><title>Clean</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Clean</h1><p>Nothing to see.</p></main></body></html>"""


def _serve(context, live_server, path, html):
    context.route(live_server.url + path, lambda route: route.fulfill(body=html, content_type="text/html"))


def test_violations_are_found_at_both_widths(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    _serve(context, live_server, "/broken/", BROKEN)
    page = context.new_page()
    page.goto("/broken/")
    found = axe.failures(chromium, [context])
    axe.done(context)  # this test expects the failures: the hook must not fail it again
    seen = {(v["id"], v["width"]) for v in found}
    assert ("image-alt", 1366) in seen and ("image-alt", 390) in seen
    assert ("horizontal-scroll", 390) in seen
    assert "image-alt" in axe.describe(found)


def test_a_clean_page_passes(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    _serve(context, live_server, "/clean/", CLEAN)
    context.new_page().goto("/clean/")
    assert axe.failures(chromium, [context]) == []
    assert len(context._axe_report.snapshots) == 1  # the page did report itself


def test_no_page_is_excepted_from_axe():
    """The new-request form's account rows are labelled now (i16f): no page is exempt from any rule."""
    assert axe.KNOWN_EXCEPTIONS == []
    assert not axe._excepted("http://x/le/requests/new/", "label")


def test_a_context_the_test_closes_itself_is_checked_too(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    _serve(context, live_server, "/broken/", BROKEN)
    context.new_page().goto("/broken/")
    context.close()
    assert len(chromium.axe_closed) == 1
    found = axe.failures(chromium, [], chromium.axe_closed)
    chromium.axe_closed.clear()  # this test expects the failures: the hook must not fail it again
    assert ("image-alt", 390) in {(v["id"], v["width"]) for v in found}


@pytest.mark.parametrize("order", [("/clean/", "/broken/"), ("/broken/", "/clean/")])
def test_each_snapshot_is_checked_on_its_own_at_phone_width(chromium, live_server, order):
    """Each snapshot of a test is checked as itself at 390 px (the broken page's problems are found whether it
    comes first or second, and are reported against its own address)."""
    context = chromium.new_context(base_url=live_server.url)
    _serve(context, live_server, "/clean/", CLEAN)
    _serve(context, live_server, "/broken/", BROKEN)
    page = context.new_page()
    for path in order:
        page.goto(path)
        axe.settle(context)  # each page's own check is in before the next page replaces it
    assert len(context._axe_report.snapshots) == 2
    found = axe.failures(chromium, [context])
    axe.done(context)  # this test expects the failures: the hook must not fail it again
    phone = {(axe._path(v["url"]), v["id"]) for v in found if v["width"] == 390}
    assert phone == {("/broken/", "image-alt"), ("/broken/", "horizontal-scroll")}
