"""Reads of the review app (no writes, no audit): what the decisions add up to, what needs four eyes."""

from __future__ import annotations

from dataclasses import dataclass

from requests_app import rules
from requests_app.models import Decision, LegalRequest


def needs_four_eyes(request: LegalRequest, category: str, verdict: str) -> bool:
    """Disclosing content, or anything on an emergency request, needs a second supervisor."""
    if verdict != Decision.Verdict.APPROVED:
        return False
    return bool(request.emergency or rules.CATEGORIES[category].content)


@dataclass(frozen=True)
class DecisionSummary:
    approved: list[str]
    denied: list[str]
    missing: list[str]  # requested categories without a decision
    pending: list[str]  # decided, waiting for the second approval

    @property
    def complete(self) -> bool:
        return not self.missing and not self.pending


def decisions_summary(request: LegalRequest, decisions: list[Decision] | None = None) -> DecisionSummary:
    if decisions is None:
        decisions = list(request.decisions.all())
    by_category = {d.category: d for d in decisions}
    approved, denied, missing, pending = [], [], [], []
    for category in request.data_categories:
        d = by_category.get(category)
        if d is None:
            missing.append(category)
        elif not d.in_effect:
            pending.append(category)
        elif d.verdict == Decision.Verdict.APPROVED:
            approved.append(category)
        else:
            denied.append(category)
    return DecisionSummary(approved, denied, missing, pending)
