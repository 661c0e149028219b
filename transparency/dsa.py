"""EU Digital Services Act export in the Commission's template: Implementing Regulation (EU) 2024/2835,
Annex I, the "member states orders" sheet (orders from Member States' authorities, reported under
Reg. 2022/2065 Art. 15(1)(a)).

The column headings, their order, the category codes and the row layout are the Commission's CSV
template as published, checked against the copy in the public repository
github:johnou/dsa-transparency-report-generator,
src/main/resources/4_EN_Annex_I__Templates_for_Transparency_Reports_CSV_Part_3_member_states_orders.csv,
and its Annex II instructions (same repository) — see docs/report-schema.md, "DSA export":

- Applicability "All"; Service = the platform's name; Reporting period "YYYY-MM-DD/YYYY-MM-DD".
- Rows: first Scope TOTAL (the TOTAL category, then each category followed by its sub-categories
  (KEYWORD_...) and KEYWORD_OTHER, then STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER), then the same block
  for each Member State from which an order was received ("remove AT […] SE and add rows for each
  respective Member State"), in the template's order (AT … SE) with Eurostat's codes (EL for Greece).
- Medians in hours. A count that applies but is zero is "0"; what does not apply is left blank: the
  portal receives orders to provide information (Art. 10), not orders to act against illegal content
  (Art. 9), so the order-to-act columns are blank and their contextual information says so.

Snapshots of schema 1 and 2 (before the Annex I taxonomy) export every order under
STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER with the old category named in the contextual information.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from requests_app import dsa_categories
from transparency.aggregation import DSA_KEYWORD_OTHER, DSA_TOTAL, EU_MEMBER_STATES

COLUMNS = (
    "Applicability",
    "Service",
    "Reporting period",
    "Category of illegal content",
    'Description of the sub-category "Other"',
    "Scope",
    "Number of orders to act against illegal content received",
    "Number of specific items of information included in the total number of orders to act against illegal content",
    "Median time to inform the authority of the receipt of the order to act against illegal content",
    "Median time to give effect to the order to act against illegal content",
    "Number of orders to provide information",
    "Median time to inform the authority of the receipt of the order to provide information",
    "Median time to give effect to the order to provide information",
    "Contextual information on number of orders to act against illegal content received",
    "Contextual information on number of specific items of information included in the total number of orders "
    "to act against illegal content",
    "Contextual information on Median time to inform the authority of the receipt of the order to act against "
    "illegal content",
    "Contextual information on Median time to give effect to the order to act against illegal content",
    "Contextual information on Number of orders to provide information",
    "Contextual information on Median time to inform the authority of the receipt of the order to provide information",
    "Contextual information on Median time to give effect to the order to provide information",
)
APPLICABILITY = "All"
NOT_ACTED = "Not applicable: orders to act against illegal content (Art. 9) are not received through this portal."
CONTEXT_ORDERS = (
    "Orders to provide information under Art. 10 of Regulation (EU) 2022/2065, including orders under national "
    "law that meet Art. 10(2) (flagged by the legal reviewer)."
)
CONTEXT_INFORM = "Hours from receipt of the order to the acknowledgement of receipt actually sent to the authority."
CONTEXT_EFFECT = "Hours from receipt of the order to its final outcome, whatever it was (produced, no data, rejected)."
OTHER_DESCRIPTION = "Orders of this category whose sub-category the legal reviewer did not record"
# Eurostat's glossary codes differ from ISO 3166 for Greece only.
EUROSTAT = {"GR": "EL"}


def _num(v: Any) -> str:
    return "" if v is None else str(round(v, 1)) if isinstance(v, float) else str(v)


def _cells(snapshot: dict[str, Any]) -> tuple[dict[tuple[str, str, str], dict[str, Any]], str]:
    """{(scope, category, keyword): cell} of the snapshot and an extra note for the orders' context."""
    dsa = snapshot.get("dsa")
    if dsa is not None and "cells" in dsa:  # schema 3
        return {(c["scope"], c["category"], c["keyword"]): c for c in dsa["cells"]}, ""
    cells: dict[tuple[str, str, str], dict[str, Any]] = {}
    ns = dsa_categories.NOT_SPECIFIED
    if dsa is not None:  # schema 2: per old category x Member State, no overall medians across categories
        old = []
        for block in dsa["categories"]:
            old.append(block["label"])
            for r in block["member_states"]:
                if r["orders"]:
                    prev = cells.get((r["member_state"], ns, ""))
                    cells[(r["member_state"], ns, "")] = (
                        {"orders": r["orders"] + prev["orders"]}
                        if prev
                        else {
                            "orders": r["orders"],
                            "median_hours_to_inform": r["median_hours_to_inform"],
                            "median_hours_to_give_effect": r["median_hours_to_give_effect"],
                        }
                    )
        total = {"orders": dsa["orders"]}
        if len(dsa["categories"]) == 1:
            t = dsa["categories"][0]["total"]
            total = {**t}
        note = f" Published before the Annex I taxonomy; categories then recorded: {', '.join(old) or 'none'}."
    else:  # schema 1: one list per Member State
        rows = snapshot.get("dsa_art10") or []
        for r in rows:
            if r["orders"]:
                cells[(r["member_state"], ns, "")] = {
                    "orders": r["orders"],
                    "median_hours_to_inform": r.get("median_hours_to_acknowledge"),
                    "median_hours_to_give_effect": r.get("median_hours_to_give_effect"),
                }
        total = {"orders": sum(r["orders"] for r in rows)}
        note = " Published before categories were recorded."
    for key in [k for k in cells if k[0] != DSA_TOTAL]:
        cells[(key[0], "", "")] = dict(cells[key])
    cells[(DSA_TOTAL, "", "")] = total
    cells[(DSA_TOTAL, ns, "")] = dict(total)
    return cells, note


def template_rows() -> list[tuple[str, str]]:
    """(category, keyword) of one Scope block, in the template's order ("" = the TOTAL row)."""
    rows = [("", "")]
    for cat, keywords in dsa_categories.KEYWORDS.items():
        rows.append((cat, ""))
        if cat != dsa_categories.NOT_SPECIFIED:
            rows.extend((cat, kw) for kw in keywords)
            rows.append((cat, DSA_KEYWORD_OTHER))
    return rows


def _code(category: str, keyword: str) -> str:
    if not category:
        return DSA_TOTAL
    return f"KEYWORD_{keyword}" if keyword else f"STATEMENT_CATEGORY_{category}"


def dsa_rows(snapshot: dict[str, Any], service: str | None = None) -> list[list[str]]:
    from transparency.selectors import publisher

    p = snapshot["period"]
    period = f"{p['start']}/{p['end']}"
    service = service or publisher()["platform_name"]
    cells, note = _cells(snapshot)
    scopes = [DSA_TOTAL, *(ms for ms in EU_MEMBER_STATES if (ms, "", "") in cells)]
    out = []
    for scope in scopes:
        for category, keyword in template_rows():
            cell = cells.get((scope, category, keyword), {})
            n = cell.get("orders", 0)
            other = OTHER_DESCRIPTION if keyword == DSA_KEYWORD_OTHER else ""
            out.append(
                [
                    APPLICABILITY,
                    service,
                    period,
                    _code(category, keyword),
                    other,
                    EUROSTAT.get(scope, scope),
                    "",
                    "",
                    "",
                    "",
                    str(n),
                    _num(cell.get("median_hours_to_inform")),
                    _num(cell.get("median_hours_to_give_effect")),
                    NOT_ACTED,
                    NOT_ACTED,
                    NOT_ACTED,
                    NOT_ACTED,
                    CONTEXT_ORDERS + (note if not category else ""),
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


def summary(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Schema 3: the all-categories row of Scope TOTAL and of each Member State, for the report page."""
    dsa = snapshot.get("dsa") or {}
    return [c for c in dsa.get("cells", []) if not c["category"]]
