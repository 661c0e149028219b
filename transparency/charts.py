"""Server-side SVG charts, shared by the web page and the PDF.

Plain SVG with presentation attributes only (fill=, font-size=): no script, no
style element or attribute, so it passes a strict CSP and WeasyPrint draws it.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from html import escape
from pathlib import Path

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
        f'<text x="0" y="{20 if width > WIDTH else 18}" font-family="{FONT}" font-size="{TEXT + 1}" font-weight="bold" fill="#222">{t}</text>'
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


MAP_BINS = ("#dbe9f6", "#9ecae1", "#4a90c2", "#1f5f8b", "#0b3556")  # light to dark: more requests
MAP_NONE = "#eeeeee"


@functools.cache
def _world() -> dict:
    """Country outlines, generated from npm world-atlas by transparency/maps/build_world.py."""
    return json.loads((Path(__file__).parent / "maps" / "world-110m.json").read_text())


def _bins(values: Sequence[float]) -> list[float]:
    """Upper bounds of up to five classes, on a log scale so a few large countries do not wash out the rest."""
    peak = max(values, default=0)
    if peak <= 0:
        return []
    edges = sorted({max(1, round(math.exp(math.log(peak) * k / len(MAP_BINS)))) for k in range(1, len(MAP_BINS) + 1)})
    edges[-1] = peak
    return edges


def world_map(values: dict[str, float], names: dict[str, str], title: str, *, value: str = "Requests") -> SafeString:
    """Choropleth of `values` per ISO alpha-2 code: hover title per country, a legend, the data table.

    Drawn once per distinct input (published snapshots never change; ~3 ms each) and kept in a small cache.
    """
    return _world_map(tuple(sorted(values.items())), tuple(sorted(names.items())), title, value)


@functools.lru_cache(maxsize=64)
def _world_map(
    values_t: tuple[tuple[str, float], ...], names_t: tuple[tuple[str, str], ...], title: str, value: str
) -> SafeString:
    values, names = dict(values_t), dict(names_t)
    world = _world()
    w, h = world["width"], world["height"]
    # 800 units wide, shown up to 800 px: on a ~330 px phone screen it shrinks to 0.41, so its text is 27 units.
    big = 27
    top = 40
    edges = _bins([v for v in values.values() if v])
    colours = MAP_BINS[len(MAP_BINS) - len(edges) :] if edges else ()

    def colour(v: float) -> str:
        if not v:
            return MAP_NONE
        return next(c for c, e in zip(colours, edges, strict=True) if v <= e)

    body = [f'<g transform="translate(0 {top})" stroke="#ffffff" stroke-width="0.4">']
    for code, d in world["paths"].items():
        v = values.get(code, 0)
        name = names.get(code) or code
        body.append(f'<path d="{d}" fill="{colour(v)}"><title>{escape(name)}: {_fmt(v)}</title></path>')
    body.append("</g>")
    y = top + h + 16
    x = 0.0
    legend = [(MAP_NONE, "none")]
    for i, (c, e) in enumerate(zip(colours, edges, strict=True)):
        low = 1 if i == 0 else edges[i - 1] + 1
        legend.append((c, _fmt(e) if low >= e else f"{_fmt(low)}–{_fmt(e)}"))
    for c, label in legend:
        item_w = 52 + 16 * len(label)
        if x and x + item_w > w:  # next row rather than past the edge
            x, y = 0.0, y + 36
        body.append(
            f'<rect x="{x:.0f}" y="{y}" width="30" height="26" fill="{c}" stroke="#999" stroke-width="0.5"/>'
            f'<text x="{x + 36:.0f}" y="{y + 22}" font-family="{FONT}" font-size="{big}" fill="#222">'
            f"{escape(label)}</text>"
        )
        x += item_w
    total_h = y + 40
    items = sorted(((names.get(k) or k, v) for k, v in values.items() if v), key=lambda kv: (-kv[1], kv[0]))
    desc = f"World map of {value.lower()} per country, darker = more; {len(items)} countries with any." + (
        f" Most: {items[0][0]} ({_fmt(items[0][1])})." if items else ""
    )
    svg = _svg(w, total_h, title, desc, body, _uid(title)).replace(
        f'font-size="{TEXT + 1}" font-weight', f'font-size="{big}" font-weight', 1
    )
    return mark_safe(svg + data_table(items, title, "Country", value))  # noqa: S308 - names and numbers are escaped


def report_charts(snapshot: dict, history: Sequence[tuple[str, int]]) -> dict[str, SafeString]:
    """The four charts of a report, from its frozen snapshot (national security is never charted)."""
    from transparency.aggregation import OUTCOME_LABELS, OUTCOMES

    totals = snapshot["totals"]
    return {
        "map": world_map(
            {c["country"]: c["requests"] for c in snapshot["countries"]},
            {c["country"]: c["name"] for c in snapshot["countries"]},
            "Requests per country",
        ),
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
