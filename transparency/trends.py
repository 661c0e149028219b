"""Each measure over every published period (latest versions), for the index, country pages and CSV.

Pure presentation over frozen snapshots: no aggregation, no query. To show a new figure, add a row
to MEASURES (a snapshot without it shows a dash, so older versions stay readable).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

# (key in the snapshot's totals or country entry, column heading)
MEASURES: list[tuple[str, str]] = [
    ("requests", "Requests"),
    ("accounts", "Accounts specified"),
    ("pct_with_data", "% with some data produced"),
    ("accounts_with_data", "Accounts with data produced"),
    ("emergency", "Emergency requests"),
    ("ndo", "Under a nondisclosure order"),
    ("users_notified", "Users notified"),
    ("median_days_to_respond", "Median days to respond"),
]
COUNTRY_EXTRA: list[tuple[str, str]] = [("preservation_requests", "Preservation requests")]


def _row(report, values: dict[str, Any] | None, measures: Sequence[tuple[str, str]]) -> dict[str, Any]:
    values = values or {}
    return {
        "period": report.period,
        "label": report.snapshot["period"]["label"],
        "version": report.version,
        "values": [values.get(key) for key, _ in measures],
    }


def overall(reports: Sequence) -> dict[str, Any]:
    """Totals of every period, oldest first (`reports`: latest versions, oldest first)."""
    measures = [*MEASURES, ("preservation_requests", "Preservation requests")]
    rows = []
    for r in reports:
        vals = dict(r.snapshot["totals"])
        vals["preservation_requests"] = r.snapshot.get("preservation", {}).get("requests")
        rows.append(_row(r, vals, measures))
    return {"headings": [h for _, h in measures], "rows": rows}


def for_country(reports: Sequence, code: str) -> dict[str, Any]:
    measures = [*MEASURES, *COUNTRY_EXTRA]
    rows = []
    for r in reports:
        entry = next((c for c in r.snapshot["countries"] if c["country"] == code), None)
        rows.append(_row(r, entry or {"requests": 0}, measures))
    return {"headings": [h for _, h in measures], "rows": rows}


def country_csv(reports: Sequence, code: str) -> str:
    """One line per period and request type for one country, then a line per period for all types."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["period", "version", "country", "request_type", "requests", "accounts", "pct_with_data"])
    for r in reports:
        for row in r.snapshot["rows"]:
            if row["country"] == code:
                w.writerow(
                    [
                        r.period,
                        r.version,
                        code,
                        row["request_type"],
                        row["requests"],
                        row["accounts"],
                        row["pct_with_data"],
                    ]
                )
        entry = next((c for c in r.snapshot["countries"] if c["country"] == code), None)
        if entry:
            w.writerow([r.period, r.version, code, "ALL", entry["requests"], entry["accounts"], entry["pct_with_data"]])
    return out.getvalue()
