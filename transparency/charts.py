"""Server-side SVG charts, shared by the web page and the PDF.

Plain SVG with presentation attributes only (fill=, font-size=): no script, no
style element or attribute, so it passes a strict CSP and WeasyPrint draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

FONT = "DejaVu Sans, Arial, sans-serif"
PALETTE = ("#1f5f8b", "#4a90c2", "#8cbfe0", "#c0504d", "#9b9b9b", "#d9a441", "#6b8e23", "#7a5195")
OUTCOME_COLOURS = {
    "content": "#1f5f8b",
    "non_content": "#4a90c2",
    "no_data": "#8cbfe0",
    "rejected": "#c0504d",
    "withdrawn": "#9b9b9b",
    "invalid": "#6d6d6d",
    "pending": "#d9a441",
}


def _fmt(n: float) -> str:
    return f"{int(n):,}" if float(n).is_integer() else f"{n:,.1f}"


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    t = escape(title)
    return mark_safe(  # noqa: S308 - every label and number below is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{t}" class="chart">'
        f"<title>{t}</title>"
        f'<text x="0" y="16" font-family="{FONT}" font-size="14" font-weight="bold" fill="#222">{t}</text>'
        + "".join(body)
        + "</svg>"
    )


def horizontal_bars(
    items: Sequence[tuple[str, float]], title: str, *, colours: Sequence[str] | None = None, width: int = 640
) -> SafeString:
    """One labelled bar per item, longest first as given."""
    bar_h, gap, top, label_w = 18, 6, 28, 190
    height = top + max(1, len(items)) * (bar_h + gap) + 4
    peak = max((v for _, v in items), default=0) or 1
    span = width - label_w - 70
    body = []
    if not items:
        body.append(f'<text x="0" y="{top + 14}" font-family="{FONT}" font-size="12" fill="#555">No data</text>')
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_h + gap)
        w = max(1, round(span * value / peak)) if value else 0
        colour = colours[i] if colours and i < len(colours) else PALETTE[0]
        short = label if len(label) <= 30 else label[:29] + "…"
        body.append(
            f'<text x="{label_w - 6}" y="{y + 13}" font-family="{FONT}" font-size="12" fill="#222" '
            f'text-anchor="end">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{colour}"/>'
            f'<text x="{label_w + w + 4}" y="{y + 13}" font-family="{FONT}" font-size="12" fill="#222">'
            f"{_fmt(value)}</text>"
        )
    return _svg(width, height, title, body)


def vertical_bars(items: Sequence[tuple[str, float]], title: str, *, width: int = 640, height: int = 220) -> SafeString:
    """Columns, e.g. requests per period, oldest on the left."""
    top, bottom, left = 40, 36, 8
    plot_h = height - top - bottom
    n = max(1, len(items))
    slot = (width - left) / n
    bar_w = max(4, min(60, slot * 0.7))
    peak = max((v for _, v in items), default=0) or 1
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width}" y2="{top + plot_h}" stroke="#999" stroke-width="1"/>']
    for i, (label, value) in enumerate(items):
        h = round(plot_h * value / peak) if value else 0
        x = left + i * slot + (slot - bar_w) / 2
        cx = x + bar_w / 2
        body.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h}" width="{bar_w:.1f}" height="{h}" fill="{PALETTE[0]}"/>'
            f'<text x="{cx:.1f}" y="{top + plot_h - h - 4}" font-family="{FONT}" font-size="11" fill="#222" '
            f'text-anchor="middle">{_fmt(value)}</text>'
            f'<text x="{cx:.1f}" y="{top + plot_h + 16}" font-family="{FONT}" font-size="11" fill="#222" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    return _svg(width, height, title, body)


def report_charts(snapshot: dict, history: Sequence[tuple[str, int]]) -> dict[str, SafeString]:
    """The four charts of a report, from its frozen snapshot (national security is never charted)."""
    from transparency.aggregation import OUTCOME_LABELS, OUTCOMES

    totals = snapshot["totals"]
    return {
        "history": vertical_bars(list(history), "Requests per period"),
        "countries": horizontal_bars(
            [(c["name"], c["requests"]) for c in snapshot["countries"][:10]], "Top countries by requests"
        ),
        "outcomes": horizontal_bars(
            [(OUTCOME_LABELS[o], totals[o]) for o in OUTCOMES],
            "Outcome of requests",
            colours=[OUTCOME_COLOURS[o] for o in OUTCOMES],
        ),
        "types": horizontal_bars([(t["label"], t["requests"]) for t in snapshot["request_types"]], "Requests by type"),
    }
