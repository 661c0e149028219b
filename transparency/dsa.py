"""EU Digital Services Act export in the Commission's template: Implementing Regulation (EU) 2024/2835,
Annex I, the "member states orders" sheet (orders from Member States' authorities, reported under
Reg. 2022/2065 Art. 15(1)(a)).

Columns in the template's order (see docs/report-schema.md, "DSA export", for where they were checked);
one row per DSA illegal-content category x Member State, and a Total row per category. The portal
receives orders to provide information (Art. 10); orders to act against illegal content (Art. 9) do not
come through it, so their columns are empty and their contextual-information column says so.
Schema-1 snapshots (before categories were recorded) export every order as "Not categorised".
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.conf import settings

from transparency.aggregation import EU_MEMBER_STATES

COLUMNS = (
    "Applicability",
    "Service",
    "Reporting period",
    "Category of illegal content",
    'Description of the sub-category "Other"',
    "Scope",
    "Number of orders to act against illegal content received",
    "Number of items of illegal content specified in the orders to act",
    "Median time to inform the authority of the receipt of the order to act",
    "Median time to give effect to the order to act",
    "Number of orders to provide information received",
    "Median time to inform the authority of the receipt of the order to provide information",
    "Median time to give effect to the order to provide information",
    "Contextual information: orders to act against illegal content",
    "Contextual information: number of orders to provide information",
    "Contextual information: median time to inform the authority of the receipt of the order to provide information",
    "Contextual information: median time to give effect to the order to provide information",
)
APPLICABILITY = "All providers of intermediary services (Art. 15(1)(a) of Regulation (EU) 2022/2065)"
TOTAL = "Total"
NOT_ACTED = "Orders to act against illegal content (Art. 9) are not received through this portal."
CONTEXT_ORDERS = (
    "Orders to provide information under Art. 10, including national-law orders that meet Art. 10(2) "
    "(flagged by the legal reviewer)."
)
CONTEXT_INFORM = "Hours from receipt to the acknowledgement of receipt actually sent to the issuing authority."
CONTEXT_EFFECT = "Hours from receipt to the final outcome of the order, whatever it was (produced, no data, rejected)."


def _num(v: Any) -> str:
    return "" if v is None else str(v)


def _blocks(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The snapshot's DSA categories, schema 2 as is; schema 1's per-Member-State list as one block."""
    if snapshot.get("dsa") is not None:
        return snapshot["dsa"]["categories"]
    old = snapshot.get("dsa_art10") or []
    if not old:
        return []
    rows = [
        {
            "member_state": r["member_state"],
            "orders": r["orders"],
            "median_hours_to_inform": r.get("median_hours_to_acknowledge"),
            "median_hours_to_give_effect": r.get("median_hours_to_give_effect"),
        }
        for r in old
    ]
    total = {
        "orders": sum(r["orders"] for r in rows),
        # Schema 1 kept no overall DSA median; the Total row leaves it empty rather than guess.
        "median_hours_to_inform": None,
        "median_hours_to_give_effect": None,
    }
    return [{"category": "", "label": "Not categorised", "member_states": rows, "total": total}]


def dsa_rows(snapshot: dict[str, Any]) -> list[list[str]]:
    p = snapshot["period"]
    period = f"{p['start']} – {p['end']}"
    service = settings.PRODUCTION_PLATFORM_NAME
    blocks = _blocks(snapshot)
    if not blocks:
        # No order in the period: one all-zero block so the file still shows every Member State.
        zero = {"orders": 0, "median_hours_to_inform": None, "median_hours_to_give_effect": None}
        blocks = [
            {
                "category": "",
                "label": "No orders",
                "member_states": [{"member_state": ms, **zero} for ms in EU_MEMBER_STATES],
                "total": zero,
            }
        ]
    out = []
    for block in blocks:
        other = "Not recorded by the portal" if block["category"] == "OTHER" else ""
        for scope, row in [*((r["member_state"], r) for r in block["member_states"]), (TOTAL, block["total"])]:
            out.append(
                [
                    APPLICABILITY,
                    service,
                    period,
                    block["label"],
                    other,
                    scope,
                    "",
                    "",
                    "",
                    "",
                    str(row["orders"]),
                    _num(row["median_hours_to_inform"]),
                    _num(row["median_hours_to_give_effect"]),
                    NOT_ACTED,
                    CONTEXT_ORDERS,
                    CONTEXT_INFORM,
                    CONTEXT_EFFECT,
                ]
            )
    return out


def dsa_csv(snapshot: dict[str, Any]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(dsa_rows(snapshot))
    return out.getvalue()
