"""The published report page is cached, and the cache never shows something stale: a new publication
(a correction, another period) changes the key; language and sort order are part of it."""

import pytest
from django.urls import reverse

from tests.factories import AgencyFactory
from tests.transparency.helpers import make_request
from transparency import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    make_request(agency=AgencyFactory(country="US"), produced=["subscriber_info"])
    return services.report_publish(report=services.report_build(period="2025-H1"))


@pytest.mark.usefixtures("published")
def test_second_view_is_served_from_the_cache_in_few_queries(anon, django_assert_max_num_queries):
    url = reverse("transparency:report", args=["2025-H1"])
    first = anon.get(url).content
    with django_assert_max_num_queries(2):  # the publication generation (+ a session read at most)
        again = anon.get(url).content

    def body(page):  # the report itself (the page around it carries a fresh CSRF token each time)
        return page[page.index(b"<h1") : page.rindex(b"Countries")]

    assert body(again) == body(first) and b"<svg" in body(again)


@pytest.mark.usefixtures("published")
def test_a_correction_is_shown_at_once(anon, supervisor2):
    url = reverse("transparency:report", args=["2025-H1"])
    assert "version 1" in anon.get(url).content.decode()
    make_request(agency=AgencyFactory(country="FR"), produced=["subscriber_info"])
    draft = services.report_correct(period="2025-H1", change_note="A late request from France.")
    services.report_publish(report=draft, actor=supervisor2.user)
    body = anon.get(url).content.decode()
    assert "version 2" in body and "A late request from France." in body


@pytest.mark.usefixtures("published")
def test_language_and_sort_are_part_of_the_key(anon):
    url = reverse("transparency:report", args=["2025-H1"])
    en = anon.get(url, headers={"accept-language": "en"}).content.decode()
    fr = anon.get(url, headers={"accept-language": "fr"}).content.decode()
    assert "Charts" in en and "Charts" not in fr
    by_country = anon.get(url + "?sort=country&dir=asc").content.decode()
    assert 'aria-sort="ascending"' in by_country and 'aria-sort="ascending"' not in en


@pytest.mark.usefixtures("published")
def test_unknown_period_is_still_404(anon):
    assert anon.get(reverse("transparency:report", args=["2024-H1"])).status_code == 404
    assert anon.get("/transparency/2024-H7/").status_code == 404
