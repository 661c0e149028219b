"""EU Digital Services Act export: orders to provide information (Reg. 2022/2065 Art. 10, reported
under Art. 15(1)(a)), laid out like the "orders received from Member States' authorities" table of
the Commission's harmonised transparency template (Implementing Regulation (EU) 2024/2835).

One row per Member State: number of orders, median time to inform the issuing authority of receipt
(hours), median time to give effect to the order (hours). The portal does not classify orders by type
of illegal content, so that column says "not categorised" (see docs/report-schema.md).
"""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = (
    "Reporting period start",
    "Reporting period end",
    "Member State",
    "Type of illegal content concerned",
    "Number of orders to provide information received",
    "Median time to inform the authority of receipt (hours)",
    "Median time to give effect to the order (hours)",
)
NOT_CATEGORISED = "not categorised"


def _num(v: Any) -> str:
    return "" if v is None else str(v)


def dsa_rows(snapshot: dict[str, Any]) -> list[list[str]]:
    p = snapshot["period"]
    return [
        [
            p["start"],
            p["end"],
            row["member_state"],
            NOT_CATEGORISED,
            str(row["orders"]),
            _num(row["median_hours_to_acknowledge"]),
            _num(row["median_hours_to_give_effect"]),
        ]
        for row in snapshot["dsa_art10"]
    ]


def dsa_csv(snapshot: dict[str, Any]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(dsa_rows(snapshot))
    return out.getvalue()
