"""Reporting periods: calendar years (`2025`), half-years (`2025-H1`) and quarters (`2025-Q3`), as UTC
datetime ranges. Years exist for the EU DSA template (Reg. 2024/2835 Art. 2: a calendar year)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from requests_app.exceptions import Refused

_RE = re.compile(r"^(?P<year>\d{4})(?:-(?P<kind>[HQ])(?P<n>\d))?$")


class PeriodError(Refused, ValueError):
    pass


@dataclass(frozen=True)
class Period:
    year: int
    kind: str  # "Y", "H" or "Q"
    n: int

    @property
    def code(self) -> str:
        return str(self.year) if self.kind == "Y" else f"{self.year}-{self.kind}{self.n}"

    @property
    def months(self) -> int:
        return {"Y": 12, "H": 6}.get(self.kind, 3)

    @property
    def first_day(self) -> date:
        return date(self.year, (self.n - 1) * self.months + 1, 1)

    @property
    def end_day(self) -> date:
        """First day after the period (exclusive end)."""
        month = self.n * self.months + 1
        return date(self.year + 1, 1, 1) if month > 12 else date(self.year, month, 1)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end_day.toordinal() - 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, datetime.min.time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.end_day, datetime.min.time(), tzinfo=UTC)

    @property
    def label(self) -> str:
        first, last = self.first_day, self.last_day
        return f"{first:%B} – {last:%B} {self.year}"

    def __str__(self) -> str:
        return self.code


def parse(code: str) -> Period:
    m = _RE.match((code or "").strip().upper())
    if not m:
        raise PeriodError(
            f"“{code}” is not a period: write a year like 2025, a half-year like 2025-H1 or a quarter like 2025-Q3."
        )
    year, kind, n = int(m["year"]), m["kind"] or "Y", int(m["n"] or 1)
    if (kind == "H" and n not in (1, 2)) or (kind == "Q" and not 1 <= n <= 4):
        raise PeriodError(f"“{code}” is not a period: half-years are H1 and H2, quarters Q1 to Q4.")
    if not 2000 <= year <= 2100:
        raise PeriodError(f"“{code}”: the year must be between 2000 and 2100.")
    return Period(year, kind, n)


def sort_key(code: str) -> tuple[int, int, int]:
    """Chronological order: by start date; years, then half-years, then quarters starting the same day."""
    p = parse(code)
    return (p.first_day.toordinal(), {"Y": 0, "H": 1}.get(p.kind, 2), 0)
