"""Demo transparency data for `make run`: historical requests imported for the
last four half-years, and the last two complete half-years published.

Called by requests_app.demo.seed after the core demo data. Deterministic.
"""

from __future__ import annotations

import random
import tempfile
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from transparency import periods
from transparency.importer import import_file, write_csv
from transparency.models import Report
from transparency.services import report_build, report_publish

# (country, agency, request types it sends, relative volume)
SOURCES = [
    (
        "US",
        "Federal Bureau of Investigation",
        ["subpoena", "search_warrant", "court_order_2703d", "nsl", "emergency", "preservation"],
        30,
    ),
    ("US", "New York City Police Department", ["subpoena", "search_warrant", "emergency", "preservation"], 20),
    ("GB", "Metropolitan Police Service", ["cloud_act", "court_order_other", "emergency"], 15),
    ("DE", "Polizei Berlin", ["epoc", "epoc_pr", "court_order_other"], 12),
    ("FR", "Parquet de Paris", ["epoc", "dsa_art10", "mlat"], 10),
    ("BR", "Polícia Federal", ["court_order_other", "mlat", "emergency"], 8),
    ("IN", "Central Bureau of Investigation", ["mlat", "court_order_other"], 6),
    ("JP", "National Police Agency", ["court_order_other", "emergency"], 4),
]
CATEGORIES = {
    "subpoena": ["subscriber_info", "ip_logs"],
    "court_order_2703d": ["ip_logs", "contacts"],
    "search_warrant": ["subscriber_info", "cloud_chat_content", "media"],
    "nsl": ["subscriber_info"],
    "emergency": ["subscriber_info", "ip_logs"],
    "preservation": ["cloud_chat_content", "media"],
    "cloud_act": ["subscriber_info", "cloud_chat_content"],
    "court_order_other": ["subscriber_info", "ip_logs"],
    "epoc": ["subscriber_info", "ip_logs"],
    "epoc_pr": ["cloud_chat_content"],
    "dsa_art10": ["subscriber_info"],
    "mlat": ["subscriber_info", "group_channel_content"],
}
REASONS = ["insufficient_process", "overbroad", "wrong_jurisdiction", "no_such_account"]


def demo_rows(rng: random.Random, codes: list[str], per_period: int) -> list[dict]:
    rows = []
    weights = [w for *_, w in SOURCES]
    for code in codes:
        period = periods.parse(code)
        span = (period.end - period.start).total_seconds()
        for n in range(per_period):
            country, agency, types, _ = rng.choices(SOURCES, weights=weights)[0]
            rtype = rng.choice(types)
            received = period.start + timedelta(seconds=rng.uniform(0, span - 86400 * 20))
            targets = [f"demo_hist_{code}_{n}_{i}".replace("-", "_") for i in range(rng.choice([1, 1, 1, 2, 3]))]
            not_found = [t for t in targets if rng.random() < 0.12]
            roll = rng.random()
            decided = received + timedelta(
                days=rng.uniform(0.1, 12) if rtype != "emergency" else rng.uniform(0.05, 0.5)
            )
            row = {
                "external_id": f"DEMO-{code}-{n:05d}", "received_at": received.isoformat(), "country": country,
                "agency": agency, "request_type": rtype, "emergency": rtype == "emergency", "targets": targets,
                "targets_not_found": not_found, "data_categories": CATEGORIES[rtype], "produced_categories": [],
                "final_status": "closed", "rejection_reason": "", "decided_at": decided.isoformat(),
                "closed_at": (decided + timedelta(days=rng.uniform(0.5, 5))).isoformat(),
                "ndo_until": "", "user_notified": False,
            }  # fmt: skip
            if roll < 0.18:
                row.update(final_status="rejected", rejection_reason=rng.choice(REASONS))
            elif roll < 0.22:
                row.update(final_status="withdrawn")
            elif rtype not in {"preservation", "epoc_pr"} and len(not_found) < len(targets):
                cats = CATEGORIES[rtype]
                row["produced_categories"] = cats if rng.random() < 0.7 else cats[:1]
                if rng.random() < 0.35:
                    row["ndo_until"] = (received + timedelta(days=rng.choice([90, 180, 365]))).date().isoformat()
                else:
                    row["user_notified"] = rng.random() < 0.8
            rows.append(row)
    return rows


def last_complete_half_years(count: int) -> list[str]:
    today = timezone.now().date()
    year, half = today.year, 1 if today.month <= 6 else 2
    out = []
    for _ in range(count):
        half -= 1
        if half == 0:
            year, half = year - 1, 2
        out.append(f"{year}-H{half}")
    return list(reversed(out))


def seed(*, stdout=None) -> None:
    if Report.objects.exists():
        return
    rng = random.Random(1874)
    codes = last_complete_half_years(4)
    rows = demo_rows(rng, codes, per_period=400)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo-history.csv"
        path.write_text(write_csv(rows), encoding="utf-8")
        import_file(path)
    for code in codes[-2:]:
        # Demo requests of the period may still be open: the published report says how many.
        report_publish(report=report_build(period=code), acknowledge_open=True)
    if stdout is not None:
        stdout.write(f"Transparency: imported {len(rows)} historical demo requests; published {', '.join(codes[-2:])}.")
