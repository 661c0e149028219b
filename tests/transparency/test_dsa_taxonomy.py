"""The DSA taxonomy recorded per order (Reg. 2024/2835 Annex I): the officer picks the category, the
reviewer corrects it and may add the sub-category; both reach the report's facts."""

import pytest
from django.urls import reverse

from requests_app import dsa_categories
from requests_app.intake.forms import RequestForm
from requests_app.models import LegalRequest
from tests.transparency.helpers import make_request
from transparency.facts import facts_refresh
from transparency.models import RequestFacts

pytestmark = pytest.mark.django_db


def test_taxonomy_is_annex_i():
    assert list(dsa_categories.CATEGORIES)[:3] == ["ANIMAL_WELFARE", "CONSUMER_INFORMATION", "CYBER_VIOLENCE"]
    assert len(dsa_categories.CATEGORIES) == 15  # Annex II Categories 1-14 and 16 (the ones orders use)
    assert dsa_categories.split("SCAMS_AND_FRAUD/PHISHING") == ("SCAMS_AND_FRAUD", "PHISHING")
    assert dsa_categories.split("VIOLENCE/PHISHING") == ("", "")  # a sub-category of another category
    assert not dsa_categories.is_valid("PORNOGRAPHY_OR_SEXUALIZED_CONTENT")  # the older list's code


def test_officer_chooses_the_category_only():
    field = RequestForm.base_fields["dsa_category"]
    values = [v for v, _label in field.choices]
    assert "SCAMS_AND_FRAUD" in values and "SCAMS_AND_FRAUD/PHISHING" not in values


def test_reviewer_adds_the_sub_category_and_facts_follow(client_reviewer):
    lr = make_request(country="FR", request_type="dsa_art10", dsa_category="SCAMS_AND_FRAUD")
    r = client_reviewer.post(
        reverse("review:dsa_classify", args=[lr.reference]), {"dsa_category": "SCAMS_AND_FRAUD/PHISHING"}
    )
    assert r.status_code == 302
    assert LegalRequest.objects.get(pk=lr.pk).dsa_category == "SCAMS_AND_FRAUD/PHISHING"
    facts_refresh(request_ids=[lr.pk])
    f = RequestFacts.objects.get(pk=lr.pk)
    assert (f.dsa_order, f.dsa_category, f.dsa_keyword) == (True, "SCAMS_AND_FRAUD", "PHISHING")
    page = client_reviewer.get(reverse("review:request", args=[lr.reference])).content.decode()
    assert 'value="SCAMS_AND_FRAUD/PHISHING" selected' in page


def test_reviewer_cannot_store_a_foreign_sub_category(client_reviewer):
    lr = make_request(country="FR", request_type="dsa_art10", dsa_category="VIOLENCE")
    client_reviewer.post(reverse("review:dsa_classify", args=[lr.reference]), {"dsa_category": "VIOLENCE/PHISHING"})
    assert LegalRequest.objects.get(pk=lr.pk).dsa_category == "VIOLENCE"
