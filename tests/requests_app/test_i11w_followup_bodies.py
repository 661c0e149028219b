"""The cheaper follow-up bodies of #11 (session i11w) keep their behaviour: hold links found by one statement,
report facts upserted with their first transition and delivered packages read in the request's query, the
batch's rows started and finished in one statement each."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from requests_app import followups, outbox
from requests_app.models import EventType, FollowUp, RequestEvent
from requests_app.production.models import PreservationHold
from requests_app.production.services import holds_link_followups
from tests.factories import LegalRequestFactory, TargetFactory
from transparency.facts import facts_refresh
from transparency.models import RequestFacts, TargetFacts

pytestmark = pytest.mark.django_db


def _hold(request, *, value: str, released: bool = False) -> PreservationHold:
    target = TargetFactory(request=request, kind="username", value=value)
    return PreservationHold.objects.create(
        request=request,
        target=target,
        categories=["subscriber_info"],
        starts_on=date(2026, 1, 1),
        until=date(2099, 1, 1),
        released_at=timezone.now() if released else None,
    )


def test_a_new_request_links_only_to_active_preservation_holds_of_its_agency_on_its_accounts(officer_a):
    agency = officer_a.agency
    kept = _hold(LegalRequestFactory(request_type="preservation", agency=agency), value="kept")
    released = _hold(LegalRequestFactory(request_type="preservation", agency=agency), value="gone", released=True)
    # A production order's own provisional hold is kept by that order: not one a later request follows.
    order = _hold(LegalRequestFactory(request_type="court_order_2703d", agency=agency), value="ordered")
    elsewhere = _hold(LegalRequestFactory(request_type="preservation", agency=agency), value="not_named")
    warrant = LegalRequestFactory(request_type="search_warrant", agency=agency)
    for value in ("kept", "gone", "ordered"):
        TargetFactory(request=warrant, kind="username", value=value)
    TargetFactory(request=warrant, kind="email", value="not_named")  # same value, another kind of account

    assert holds_link_followups(request_id=warrant.pk) == 1
    assert list(warrant.followed_holds.all()) == [kept]
    for hold in (released, order, elsewhere):
        assert not hold.followups.exists()


def test_report_facts_are_written_over_in_place_with_the_first_transition_and_no_package(officer_a):
    request = LegalRequestFactory(agency=officer_a.agency, submitted_by=officer_a.user)
    TargetFactory(request=request, kind="username", value="one")
    first = request.received_at + timedelta(minutes=5)
    for minutes in (9, 5):  # the earliest transition counts, whatever order the events were written in
        RequestEvent.objects.create(
            request=request,
            event_type=EventType.TRANSITION,
            created_at=request.received_at + timedelta(minutes=minutes),
            message="moved",
        )
    assert facts_refresh(request_ids=[request.pk]) == 1
    TargetFactory(request=request, kind="username", value="two")
    assert facts_refresh(request_ids=[request.pk]) == 1  # a second refresh replaces, never duplicates

    facts = RequestFacts.objects.get(request=request)
    assert facts.seconds_to_ack == int((first - request.received_at).total_seconds())
    assert not facts.produced_any and facts.accounts == 2 and facts.accounts_with_data == 0
    assert sorted(TargetFacts.objects.filter(request=facts).values_list("account_key", flat=True)) == [
        "username:one",
        "username:two",
    ]


def test_facts_of_one_request_read_twice_and_no_deferred_column(officer_a):
    request = LegalRequestFactory(agency=officer_a.agency)
    TargetFactory(request=request)
    with CaptureQueriesContext(connection) as queries:
        facts_refresh(request_ids=[request.pk])
    # request (with its first transition and delivered package), targets, then the write: no lazy column read.
    statements = [q["sql"].split()[0] for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    assert statements[:2] == ["SELECT", "SELECT"]
    assert statements.count("SELECT") == 2


@pytest.mark.usefixtures("mailoutbox")
def test_a_batch_counts_each_row_once_and_leaves_a_done_row_alone(officer_a):
    request = LegalRequestFactory(submitted_by=officer_a.user, agency=officer_a.agency)
    ids = followups.emit(followups.SUBMITTED, request_id=request.pk)
    FollowUp.objects.filter(pk=ids[0]).update(status=FollowUp.Status.DONE, attempts=1)
    assert outbox.followups_batch_run(ids) == len(ids) - 1
    rows = {row.pk: row for row in FollowUp.objects.filter(pk__in=ids)}
    assert rows[ids[0]].attempts == 1  # skipped: already done
    assert all(rows[pk].status == FollowUp.Status.DONE and rows[pk].attempts == 1 for pk in ids[1:])
    assert all(rows[pk].finished_at is not None for pk in ids[1:])
    assert outbox.followups_batch_run(ids) == 0  # a redelivery of the whole batch runs nothing
    assert FollowUp.objects.get(pk=ids[1]).attempts == 1
