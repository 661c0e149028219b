"""The public report's CyberTipline section: reports submitted (supplements included, and said so),
accounts reported, follow-up requests received; kept out of the request totals."""

from __future__ import annotations

import pytest
import time_machine

from requests_app.cybertipline import selectors, services
from requests_app.cybertipline.models import CyberTipReport
from tests.factories import LegalRequestFactory, report_data
from transparency import aggregation, periods
from transparency.facts import facts_backfill


def _sent(actor, capture, **overrides):
    report = services.report_create(actor=actor, data=report_data(**overrides))
    report = services.report_review(report=report, actor=actor)
    with capture(execute=True):
        services.report_submit(report=report, actor=actor)
    return CyberTipReport.objects.get(pk=report.pk)


def test_counts_in_the_period_and_apart_from_request_totals(ct_reviewer, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    with time_machine.travel("2026-02-10 10:00Z", tick=False):
        first = _sent(ct_reviewer.user, cap)
        _sent(ct_reviewer.user, cap, accounts=[services.AccountInput(user_id="5550002")])
        supplement = services.report_supplement(report=first, actor=ct_reviewer.user, data=report_data(files=[]))
        services.report_review(report=supplement, actor=ct_reviewer.user)
        with cap(execute=True):
            services.report_submit(report=supplement, actor=ct_reviewer.user)
        retracted = _sent(ct_reviewer.user, cap, accounts=[services.AccountInput(user_id="999")])
        services.report_retract(report=retracted, actor=ct_reviewer.user, reason="error")
        followup = LegalRequestFactory()
        services.followup_link(report=first, request=followup)
    with time_machine.travel("2026-08-10 10:00Z", tick=False):
        _sent(ct_reviewer.user, cap)  # next half-year
    services.report_create(actor=ct_reviewer.user, data=report_data())  # never sent: not counted

    h1 = periods.parse("2026-H1")
    counts = selectors.public_counts(h1.start, h1.end)
    assert counts["reports_submitted"] == 3
    assert counts["of_which_supplements"] == 1
    assert counts["accounts_reported"] == 2  # 5550001 (twice) and 5550002; the retracted one is out
    assert counts["followup_requests"] == 1
    assert counts["counted_in_request_totals"] is False

    facts_backfill()
    snap = aggregation.build_snapshot(h1)
    assert snap["cybertipline"] == counts
    assert snap["totals"]["requests"] == 1  # the follow-up request only: reports are not requests


@pytest.mark.usefixtures("db")
def test_methodology_defines_each_figure(anon):
    page = anon.get("/transparency/methodology/").content.decode()
    for term in ("CyberTipline reports submitted", "Accounts reported", "Follow-up legal requests received"):
        assert term in page
    assert "supplement" in page and "never added to the request totals" in page
