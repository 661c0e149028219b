"""CSV download of a published report (schema: docs/report-schema.md, "CSV")."""

from __future__ import annotations

import csv
import io
from typing import Any

CSV_COLUMNS = (
    "period",
    "version",
    "country",
    "country_name",
    "request_type",
    "request_type_label",
    "preservation",
    "national_security",
    "requests",
    "accounts",
    "with_data",
    "pct_with_data",
    "accounts_with_data",
    "content",
    "non_content",
    "no_data",
    "rejected",
    "withdrawn",
    "invalid",
    "pending",
    "emergency",
    "ndo",
    "users_notified",
    # Schema 2 (appended, so older readers keep their column positions):
    "requests_with_outcome",
    "open_requests",
    "distinct_accounts",
    "distinct_accounts_with_data",
)
_EXACT_ONLY = CSV_COLUMNS[10:]


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def report_csv(snapshot: dict[str, Any]) -> str:
    """One line per country x request type; national-security lines carry bands and nothing else."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    period, version = snapshot["period"]["code"], snapshot["version"]
    for r in snapshot["rows"]:
        w.writerow(
            [period, version, r["country"], r["name"], r["request_type"], r["label"], r["preservation"], False]
            + [_cell(r.get(c)) for c in CSV_COLUMNS[8:]]
        )
    for ns in snapshot.get("national_security") or []:  # none in quarterly reports (schema 2)
        # Bands only (50 U.S.C. 1874); no country, no exact figure, no other measure.
        w.writerow(
            [period, version, "", "", ns["request_type"], ns["label"], "false", "true", ns["requests"], ns["accounts"]]
            + [""] * len(_EXACT_ONLY)
        )
    return out.getvalue()
