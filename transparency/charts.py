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


# The drawing is 400 units wide and shown at most that wide: at a phone's ~330 px of usable width
# it shrinks by 0.82 at worst, so 14-unit labels stay at 11.5 px or more.
WIDTH = 400
TEXT = 14
LINE = 17  # line height of wrapped labels
LABEL_CHARS = 18  # characters per line of a wrapped label in the label column


def _fmt(n: float) -> str:
    return f"{int(n):,}" if float(n).is_integer() else f"{n:,.1f}"


def wrap(label: str, width: int = LABEL_CHARS) -> list[str]:
    """Words to lines of at most `width` characters (a longer word gets its own line): never clipped."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _svg(width: int, height: int, title: str, desc: str, body: list[str], uid: str) -> str:
    t, d = escape(title), escape(desc)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{uid}-t {uid}-d" class="chart">'
        f'<title id="{uid}-t">{t}</title><desc id="{uid}-d">{d}</desc>'
        f'<text x="0" y="18" font-family="{FONT}" font-size="{TEXT + 1}" font-weight="bold" fill="#222">{t}</text>'
        + "".join(body)
        + "</svg>"
    )


def data_table(items: Sequence[tuple[str, float]], title: str, column: str, value: str) -> str:
    """The chart's numbers as a table, for screen readers and anyone who prefers numbers."""
    rows = "".join(f'<tr><th scope="row">{escape(k)}</th><td class="n">{_fmt(v)}</td></tr>' for k, v in items)
    return (
        f'<table class="tr-chart-data"><caption>{escape(title)} (data)</caption>'
        f'<thead><tr><th scope="col">{escape(column)}</th><th scope="col">{escape(value)}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _uid(title: str) -> str:
    import hashlib

    return "c" + hashlib.sha256(title.encode()).hexdigest()[:8]


def _describe(items: Sequence[tuple[str, float]], value: str) -> str:
    if not items:
        return "No data."
    top = max(items, key=lambda kv: kv[1])
    return f"{len(items)} bars of {value.lower()}; the largest is {top[0]} with {_fmt(top[1])}."


def horizontal_bars(
    items: Sequence[tuple[str, float]],
    title: str,
    *,
    colours: Sequence[str] | None = None,
    width: int = WIDTH,
    column: str = "Category",
    value: str = "Requests",
) -> SafeString:
    """One labelled bar per item (labels wrapped, never cut), a hover title per bar, then the data table."""
    top, gap, label_w = 30, 8, 150
    span = width - label_w - 70
    peak = max((v for _, v in items), default=0) or 1
    body = []
    y = top
    if not items:
        body.append(f'<text x="0" y="{top + 16}" font-family="{FONT}" font-size="{TEXT}" fill="#444">No data</text>')
        y += 24
    for i, (label, v) in enumerate(items):
        lines = wrap(label)
        h = max(20, len(lines) * LINE + 3)
        w = max(1, round(span * v / peak)) if v else 0
        colour = colours[i] if colours and i < len(colours) else PALETTE[0]
        text = "".join(
            f'<tspan x="{label_w - 6}" dy="{0 if k == 0 else LINE}">{escape(line)}</tspan>'
            for k, line in enumerate(lines)
        )
        body.append(
            f"<g><title>{escape(label)}: {_fmt(v)}</title>"
            f'<text x="{label_w - 6}" y="{y + 15}" font-family="{FONT}" font-size="{TEXT}" fill="#222" '
            f'text-anchor="end">{text}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{h - 2}" fill="{colour}"/>'
            f'<text x="{label_w + w + 4}" y="{y + 15}" font-family="{FONT}" font-size="{TEXT}" fill="#222">'
            f"{_fmt(v)}</text></g>"
        )
        y += h + gap
    svg = _svg(width, y, title, _describe(items, value), body, _uid(title))
    return mark_safe(svg + data_table(items, title, column, value))  # noqa: S308 - every label and number is escaped


def vertical_bars(
    items: Sequence[tuple[str, float]],
    title: str,
    *,
    width: int = WIDTH,
    height: int = 230,
    column: str = "Period",
    value: str = "Requests",
) -> SafeString:
    """Columns, e.g. requests per period, oldest on the left; labels turn when the columns are narrow."""
    top, left = 46, 4
    n = max(1, len(items))
    slot = (width - left) / n
    slanted = slot < 64
    bottom = 70 if slanted else 30
    plot_h = height - top - bottom
    bar_w = max(4, min(60, slot * 0.7))
    peak = max((v for _, v in items), default=0) or 1
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width}" y2="{top + plot_h}" stroke="#777" stroke-width="1"/>']
    for i, (label, v) in enumerate(items):
        h = round(plot_h * v / peak) if v else 0
        x = left + i * slot + (slot - bar_w) / 2
        cx = x + bar_w / 2
        base = top + plot_h
        if slanted:
            lab = (
                f'<text x="{cx:.1f}" y="{base + 14}" font-family="{FONT}" font-size="{TEXT - 2}" fill="#222" '
                f'text-anchor="end" transform="rotate(-45 {cx:.1f} {base + 14})">{escape(label)}</text>'
            )
        else:
            lab = (
                f'<text x="{cx:.1f}" y="{base + 18}" font-family="{FONT}" font-size="{TEXT}" fill="#222" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
        num = (
            ""
            if slanted and n > 8
            else f'<text x="{cx:.1f}" y="{base - h - 4}" font-family="{FONT}" font-size="{TEXT - 2}" fill="#222" '
            f'text-anchor="middle">{_fmt(v)}</text>'
        )
        body.append(
            f"<g><title>{escape(label)}: {_fmt(v)}</title>"
            f'<rect x="{x:.1f}" y="{base - h}" width="{bar_w:.1f}" height="{h}" fill="{PALETTE[0]}"/>'
            f"{num}{lab}</g>"
        )
    svg = _svg(width, height, title, _describe(items, value), body, _uid(title))
    return mark_safe(svg + data_table(items, title, column, value))  # noqa: S308 - every label and number is escaped


def report_charts(snapshot: dict, history: Sequence[tuple[str, int]]) -> dict[str, SafeString]:
    """The four charts of a report, from its frozen snapshot (national security is never charted)."""
    from transparency.aggregation import OUTCOME_LABELS, OUTCOMES

    totals = snapshot["totals"]
    return {
        "history": vertical_bars(list(history), "Requests per period"),
        "countries": horizontal_bars(
            [(c["name"], c["requests"]) for c in snapshot["countries"][:10]],
            "Top countries by requests",
            column="Country",
        ),
        "outcomes": horizontal_bars(
            [(OUTCOME_LABELS[o], totals[o]) for o in OUTCOMES],
            "Outcome of requests",
            colours=[OUTCOME_COLOURS[o] for o in OUTCOMES],
            column="Outcome",
        ),
        "types": horizontal_bars(
            [(t["label"], t["requests"]) for t in snapshot["request_types"]], "Requests by type", column="Request type"
        ),
    }
