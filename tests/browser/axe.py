"""Accessibility checks that every browser test runs on every page it visits.

tests/conftest.py instruments each browser context (`instrument`): axe-core (node_modules/axe-core, installed
from the npm registry by `npm ci`, pinned in package-lock.json; never a CDN) is added to every document the
context opens. The page itself runs axe at its own (desktop, 1366 px) width when it has loaded and after each
htmx swap, and hands the result and a snapshot of its DOM to Python. When the test is over (`failures`),
every distinct snapshot is laid out again in a 390 px wide phone viewport without its scripts, and checked
there too: axe once more, and the page must not scroll sideways.

Any WCAG 2.1 A/AA violation, at either width, fails the test (conftest's pytest_runtest_call hook).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# Known exceptions: (path regex, axe rule ids) that are reported but do not fail a test.
# i16f reworks this form: the new-request form's own fields (its account rows) are rebuilt by that branch;
# the merger removes this entry once it is merged.
KNOWN_EXCEPTIONS: list[tuple[str, set[str]]] = []

_PAGE_SCRIPT = """
(() => {
  if (window !== window.top || window.__axeInstalled) return;
  window.__axeInstalled = true;
  const options = {runOnly: {type: 'tag', values: %(tags)s}, resultTypes: ['violations']};
  let queue = Promise.resolve();
  let timer = null;
  function check(reason) {
    queue = queue.then(() => axe.run(document, options)).then((result) => window.__axeReport({
      url: location.href, reason: reason, width: window.innerWidth,
      html: document.documentElement.outerHTML,
      violations: result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => ({target: n.target.join(' '), html: n.html.slice(0, 240)}))})),
    })).catch(() => {});  // the page navigated away while axe ran: the next page is checked instead
    return queue;
  }
  window.__axeIdle = () => queue;
  window.__axeCheckNow = (reason) => check(reason || 'test');
  window.addEventListener('load', () => check('load'));
  document.addEventListener('htmx:afterSettle', () => {
    clearTimeout(timer);
    timer = setTimeout(() => check('htmx swap'), 30);
  });
})();
"""


@dataclass
class Report:
    snapshots: dict[str, tuple[str, str]] = field(default_factory=dict)  # digest -> (url, html)
    violations: list[dict] = field(default_factory=list)
    enabled: bool = True


def _axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `npm ci` (make install does)")
    return AXE_JS.read_text()


def instrument(context, closed: list[Report] | None = None) -> Report:
    """Make `context` check every document it loads; returns the report it fills. A test that closes the
    context itself leaves its report in `closed`, checked with the others when the test is over."""
    report = Report()
    if closed is not None:
        plain_close = context.close

        def close(*args, **kwargs):
            if report.enabled:
                settle(context)  # the last page's check
                closed.append(report)
                report.enabled = False  # no late report after this
            return plain_close(*args, **kwargs)

        context.close = close

    def receive(source, payload):
        if not report.enabled:
            return
        url = payload["url"]
        if not url.startswith("http"):
            return
        digest = hashlib.sha256((url + payload["html"]).encode()).hexdigest()
        report.snapshots.setdefault(digest, (url, payload["html"]))
        for v in payload["violations"]:
            report.violations.append({**v, "url": url, "width": payload["width"], "reason": payload["reason"]})

    context.expose_binding("__axeReport", receive)
    context.add_init_script(script=_axe_source())
    context.add_init_script(script=_PAGE_SCRIPT % {"tags": json.dumps(WCAG_TAGS)})
    context._axe_report = report
    return report


def check(page, reason: str = "after the test's action") -> None:
    """Check the page as it is now (a state reached without a page load or an htmx swap, e.g. a script's
    rendering); the result joins the context's report like the automatic checks."""
    page.evaluate("(reason) => window.__axeCheckNow(reason)", reason)


def settle(context) -> None:
    """Wait for the checks the open pages have started (the last page of a test is checked too)."""
    for page in list(context.pages):
        with contextlib.suppress(Exception):  # closed or navigating: nothing left to wait for on this page
            page.evaluate("() => window.__axeIdle ? window.__axeIdle() : null")


def done(context) -> None:
    """The context's pages are checked (or the test expects their violations): report nothing more."""
    report = getattr(context, "_axe_report", None)
    if report is not None:
        report.enabled = False


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url) or "/"


def _excepted(url: str, rule: str) -> bool:
    path = _path(url)
    return any(re.search(pattern, path) and rule in rules for pattern, rules in KNOWN_EXCEPTIONS)


_SCRIPT_TAG = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)


def phone_check(browser, url: str, html: str) -> list[dict]:
    """Lay the snapshot out at 390 px (scripts removed, styles from the live server) and check it."""
    new_context = getattr(browser, "plain_new_context", browser.new_context)  # not instrumented itself
    context = new_context(viewport=PHONE)
    try:
        page = context.new_page()
        body = _SCRIPT_TAG.sub("", html)
        body = re.sub(r"(<head\b[^>]*>)", lambda m: m.group(1) + f'<base href="{url}">', body, count=1, flags=re.I)
        page.set_content(body, wait_until="load")
        page.add_script_tag(content=_axe_source())
        result = page.evaluate(
            """async (tags) => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
                const root = document.documentElement;
                const wide = [...document.querySelectorAll('body *')]
                  .filter((e) => e.getBoundingClientRect().right > root.clientWidth + 1)
                  .slice(0, 3).map((e) => e.outerHTML.slice(0, 160));
                return {
                  violations: r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map((n) => ({target: n.target.join(' '), html: n.html.slice(0, 240)}))})),
                  scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide: wide,
                };
            }""",
            WCAG_TAGS,
        )
    finally:
        context.close()
    found = [{**v, "url": url, "width": PHONE["width"], "reason": "phone"} for v in result["violations"]]
    if result["scrollWidth"] > result["clientWidth"]:
        found.append(
            {
                "id": "horizontal-scroll",
                "impact": "serious",
                "help": f"the page scrolls sideways at {PHONE['width']} px "
                f"(content {result['scrollWidth']} px wide for a {result['clientWidth']} px viewport)",
                "nodes": [{"target": "wider than the viewport", "html": h} for h in result["wide"]],
                "url": url,
                "width": PHONE["width"],
                "reason": "phone",
            }
        )
    return found


def failures(browser, contexts, closed: list[Report] | None = None) -> list[dict]:
    """Every violation the test's contexts (open, or closed by the test: `closed`) met, at both widths,
    minus the known exceptions."""
    reports: list[Report] = list(closed or [])
    for context in contexts:
        report = getattr(context, "_axe_report", None)
        if report is None or not report.enabled:
            continue
        settle(context)
        reports.append(report)
    found: list[dict] = []
    for report in reports:
        found.extend(report.violations)
        for url, html in report.snapshots.values():
            found.extend(phone_check(browser, url, html))
    unique: dict[tuple, dict] = {}
    for v in found:
        if _excepted(v["url"], v["id"]):
            continue
        unique.setdefault((_path(v["url"]).split("?")[0], v["id"], v["width"]), v)
    return list(unique.values())


def describe(violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility problem(s) (axe-core, WCAG 2.1 A/AA; 390 px reflow):"]
    for v in violations:
        lines.append(f"- {_path(v['url'])} at {v['width']} px ({v['reason']}): {v['id']} [{v['impact']}] {v['help']}")
        for n in v["nodes"]:
            lines.append(f"    {n['target']}: {n['html']}")
    return "\n".join(lines)
