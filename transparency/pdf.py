"""PDF of a published report, rendered by WeasyPrint from the frozen snapshot, with the same SVG charts."""

from __future__ import annotations

from django.template.loader import render_to_string

from transparency import charts, dsa, selectors
from transparency.aggregation import OUTCOME_LABELS, OUTCOMES
from transparency.models import Report

PDF_CSS = """
@page { size: A4; margin: 16mm 14mm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9pt; color: #222; }
h1 { font-size: 16pt; margin: 0 0 4pt; } h2 { font-size: 11pt; margin: 12pt 0 4pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 0.5pt solid #ccc; padding: 2pt 3pt; text-align: left; }
td.n { text-align: right; }
.meta { color: #555; font-size: 8pt; word-break: break-all; } .meta .url { word-break: normal; }
.figures td { width: 25%; vertical-align: top; }
.num { font-size: 13pt; font-weight: bold; color: #1f5f8b; display: block; }
.chart { margin: 4pt 0; }
.note { border-left: 2pt solid #d9a441; padding: 3pt 6pt; background: #fff6db; }
figure.chart { margin: 6pt 0; break-inside: avoid; }
figure.chart svg { width: 120mm; height: auto; }
figure.chart.map svg { width: 180mm; }
/* The charts' data tables are for screen readers on the web page; the PDF has the full tables. */
.tr-chart-data { display: none; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
code, samp { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; word-break: break-all; }
.tr-verify li { margin-bottom: 3pt; }
.appendix { break-before: page; }
.tr-method dt { font-weight: bold; margin-top: 4pt; } .tr-method dd { margin: 0 0 0 8pt; }
"""


def render_pdf(report: Report) -> bytes:
    from weasyprint import CSS, HTML

    snap = report.snapshot
    html = render_to_string(
        "transparency/pdf.html",
        {
            "report": report,
            "snap": snap,
            "charts": charts.report_charts(snap, selectors.history()),
            "outcomes": [(OUTCOME_LABELS[o], snap["totals"][o]) for o in OUTCOMES],
            "dsa_summary": dsa.summary(snap),
            **selectors.publisher(),
        },
    )
    # PDF/UA-1: a tagged PDF (structure tree, table headers marked as such), readable by screen readers.
    return HTML(string=html).write_pdf(stylesheets=[CSS(string=PDF_CSS)], pdf_variant="pdf/ua-1")
