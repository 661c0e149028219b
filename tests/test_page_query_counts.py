"""Exact query counts of the list and report pages (issue 17): each page's count is fixed, whatever
the number of rows it shows (n = 1 and n = 3 give the same count), so a template or a row property
that starts querying per row fails here."""

from __future__ import annotations

import pytest

from requests_app.production.models import UserNotice
from tests.factories import AgencyFactory, LegalRequestFactory, OfficerFactory, TargetFactory, preservation_hold
from tests.transparency.helpers import make_request
from transparency import services as report_services

pytestmark = pytest.mark.django_db


def _holds(agency, n):
    for _ in range(n):
        preservation_hold(agency)


def _notices(agency, n):
    for _ in range(n):
        lr = LegalRequestFactory(agency=agency, status="closed")
        UserNotice.objects.create(request=lr, target=TargetFactory(request=lr, lookup="found"), status="due")


def _officers(agency, n):
    for _ in range(n):
        OfficerFactory(agency=agency)


def _count(client, url, django_assert_num_queries, expected):
    client.get(url)  # warm: session, 2FA check and caches as on any later page
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    return response


# Exact queries per page (after a warm-up request: session, user, officer and 2FA reads included).
HOLDS, NOTICES, AGENCIES, OFFICERS, AUDIT = 4, 4, 5, 6, 5


@pytest.mark.parametrize("n", [1, 3])
def test_holds_list(client_supervisor, agency_a, n, django_assert_num_queries):
    _holds(agency_a, n)
    html = _count(client_supervisor, "/production/holds/", django_assert_num_queries, HOLDS).content.decode()
    assert html.count("/extend/") == n


@pytest.mark.parametrize("n", [1, 3])
def test_notices_list(client_reviewer, agency_a, n, django_assert_num_queries):
    _notices(agency_a, n)
    html = _count(client_reviewer, "/production/notices/", django_assert_num_queries, NOTICES).content.decode()
    assert html.count("<tr") >= n


@pytest.mark.parametrize("n", [1, 3])
def test_agencies_list(client_supervisor, n, django_assert_num_queries):
    for _ in range(n):
        _officers(AgencyFactory(), 1)
    _count(client_supervisor, "/legal/agencies/", django_assert_num_queries, AGENCIES)


@pytest.mark.parametrize("n", [1, 3])
def test_officers_list(client_supervisor, agency_a, n, django_assert_num_queries):
    _officers(agency_a, n)
    _count(client_supervisor, f"/legal/agencies/{agency_a.pk}/officers/", django_assert_num_queries, OFFICERS)


@pytest.mark.parametrize("n", [1, 3])
def test_audit_page(client_reviewer, reviewer, agency_a, n, django_assert_num_queries):
    from requests_app.audit import event_record
    from requests_app.models import EventType

    lr = LegalRequestFactory(agency=agency_a)
    for i in range(n):
        event_record(event_type=EventType.SENSITIVE_VIEW, actor=reviewer.user, request=lr, message=f"viewed {i}")
    html = _count(client_reviewer, f"/legal/requests/{lr.reference}/audit/", django_assert_num_queries, AUDIT)
    assert all(f"viewed {i}" in html.content.decode() for i in range(n))


def _reports(n):
    us, de = AgencyFactory(country="US"), AgencyFactory(country="DE")
    for _ in range(n):
        make_request(agency=us, produced=["subscriber_info"], found=1)
        make_request(agency=de, request_type="court_order_other", country="DE")
    for period in ["2025-H1", "2024-H2", "2024-H1"][:n]:
        draft = report_services.report_build(period=period)
        report_services.report_publish(report=draft, change_note="")


INDEX, COUNTRY = 1, 1


@pytest.mark.parametrize("n", [1, 3])
def test_transparency_index(anon, n, django_assert_num_queries):
    _reports(n)
    html = _count(anon, "/transparency/", django_assert_num_queries, INDEX).content.decode()
    assert "2025-H1" in html and ("2024-H1" in html) == (n == 3)


@pytest.mark.parametrize("n", [1, 3])
def test_transparency_country_page(anon, n, django_assert_num_queries):
    _reports(n)
    html = _count(anon, "/transparency/country/US/", django_assert_num_queries, COUNTRY).content.decode()
    assert "2025-H1" in html
