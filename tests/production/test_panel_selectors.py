"""The production panels' data comes from production.selectors (the views pass it); the templates and
their tags run no query of their own, so the page's query count is the view's."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from requests_app.production import selectors

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/production/requests/x/")
    request.user = user
    request.session = {}
    return request


def test_staff_panel_template_runs_no_query(ready, reviewer, django_assert_num_queries):
    request = _request(reviewer.user)
    panel = selectors.staff_panel(request, ready.request)
    with django_assert_num_queries(0):
        html = render_to_string("production/staff_panel.html", {"production_panel": panel}, request=request)
    assert ready.manifest_sha256 in html


def test_officer_panel_template_runs_no_query(ready, officer_a, django_assert_num_queries):
    request = _request(officer_a.user)
    panel = selectors.officer_panel(request, ready.request)
    assert panel["officer"] is True
    with django_assert_num_queries(0):
        html = render_to_string("production/officer_panel.html", {"production_panel": panel}, request=request)
    assert ready.sha256 in html


def test_officer_panel_of_another_agency_offers_nothing(ready, officer_b):
    panel = selectors.officer_panel(_request(officer_b.user), ready.request)
    assert panel["officer"] is False and "ndo_form" not in panel
