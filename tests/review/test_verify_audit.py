"""verify_audit catches an edited, a deleted and a reordered event; the audit page flags edits."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from requests_app.models import RequestEvent
from requests_app.review import services as svc

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(lr, reviewer):
    svc.review_start(request=lr, actor=reviewer.user)
    svc.review_request_info(request=lr, actor=reviewer.user, question="Which account?")
    events = list(RequestEvent.objects.order_by("seq"))
    assert len(events) >= 5
    return events


def run() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_intact_chain_passes(chain):
    assert f"{len(chain)} events verified" in run()


def test_edited_event_is_named(chain):
    RequestEvent.objects.filter(seq=3).update(message="nothing to see here")
    with pytest.raises(CommandError, match=r"event #3: edited") as exc:
        run()
    assert exc.value.returncode == 1


def test_edited_payload_is_named(chain):
    victim = chain[1]
    RequestEvent.objects.filter(pk=victim.pk).update(payload={"findings": []}, to_status="in_review")
    with pytest.raises(CommandError, match=rf"event #{victim.seq}: edited"):
        run()


def test_deleted_event_is_named(chain):
    RequestEvent.objects.filter(seq=4).delete()
    with pytest.raises(CommandError, match=r"event #4: missing"):
        run()


def test_deleted_last_event_is_caught_by_the_head(chain):
    last = chain[-1].seq
    RequestEvent.objects.filter(seq=last).delete()
    with pytest.raises(CommandError, match=rf"event #{last}: missing"):
        run()


def test_swapped_events_are_named(chain):
    a, b = chain[2], chain[3]
    RequestEvent.objects.filter(pk=a.pk).update(seq=10_000)
    RequestEvent.objects.filter(pk=b.pk).update(seq=a.seq)
    RequestEvent.objects.filter(pk=a.pk).update(seq=b.seq)
    with pytest.raises(CommandError, match=rf"event #{a.seq}: reordered"):
        run()


def test_audit_page_flags_an_edited_event(client_reviewer, chain, lr):
    RequestEvent.objects.filter(seq=chain[2].seq).update(message="forged")
    html = client_reviewer.get(reverse("review:audit", args=[lr.reference])).content.decode()
    assert "TAMPERED" in html and "Some events do not match" in html
