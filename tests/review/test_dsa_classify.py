"""The reviewer corrects the DSA category and flags national-law orders meeting Art. 10(2); audited."""

import pytest
from django.urls import reverse

from requests_app.models import EventType, LegalRequest, RequestEvent
from requests_app.review import services as svc
from requests_app.services import PermissionDenied

pytestmark = pytest.mark.django_db


def test_reviewer_corrects_category_and_flags_art10_2(client_reviewer, reviewer, lr):
    page = client_reviewer.get(reverse("review:request", args=[lr.reference])).content.decode()
    assert "EU Digital Services Act classification" in page
    r = client_reviewer.post(
        reverse("review:dsa_classify", args=[lr.reference]), {"dsa_category": "SCAMS_AND_FRAUD", "dsa_art10_2": "1"}
    )
    assert r.status_code == 302
    lr.refresh_from_db()
    assert (lr.dsa_category, lr.dsa_art10_2) == ("SCAMS_AND_FRAUD", True)
    event = RequestEvent.objects.get(request=lr, event_type=EventType.CLASSIFIED)
    assert event.actor == reviewer.user
    assert event.payload == {
        "from": {"dsa_category": "", "dsa_art10_2": False},
        "to": {"dsa_category": "SCAMS_AND_FRAUD", "dsa_art10_2": True},
    }


def test_unknown_category_is_refused_and_nothing_changes(client_reviewer, lr):
    r = client_reviewer.post(
        reverse("review:dsa_classify", args=[lr.reference]), {"dsa_category": "JAYWALKING"}, follow=True
    )
    assert "Choose a category from the DSA list" in r.content.decode()
    assert LegalRequest.objects.get(pk=lr.pk).dsa_category == ""
    assert not RequestEvent.objects.filter(request=lr, event_type=EventType.CLASSIFIED).exists()


def test_officer_cannot_classify(officer_a, lr):
    with pytest.raises(PermissionDenied):
        svc.request_dsa_classify(request=lr, actor=officer_a.user, dsa_category="VIOLENCE", art10_2=True)
    assert LegalRequest.objects.get(pk=lr.pk).dsa_art10_2 is False
