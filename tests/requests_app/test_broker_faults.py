"""Follow-ups survive a real broker outage and a process killed between COMMIT and publish (#11).

Each test starts its own redis-server on a free port and real Celery workers in their own
processes, breaks them, and waits (bounded) until every committed request's follow-ups are
done, each run once. PostgreSQL only (another process must open the test database): CI.
"""

from __future__ import annotations

import re

import pytest

from requests_app import outbox
from requests_app.documents import DocumentInput
from requests_app.models import FollowUp, LegalRequest
from requests_app.services import request_submit
from tests.factories import minimal_pdf, warrant_data
from tests.faults import app_on_broker, needs_postgresql, run_django, wait_for
from transparency.models import RequestFacts

pytestmark = [needs_postgresql, pytest.mark.worker, pytest.mark.xdist_group("worker")]


@pytest.fixture(autouse=True)
def _sweep_at_once(settings):
    settings.OUTBOX_RELAY_GRACE_SECONDS = 0  # a pending row is the sweep's at once (default: 10 s)


def submit(officer) -> LegalRequest:
    return request_submit(
        actor=officer.user,
        data=warrant_data(),
        documents=[DocumentInput("warrant.pdf", minimal_pdf())],
        acknowledge_warnings=True,
    )


def all_done(request_ids: list[int]):
    rows = FollowUp.objects.filter(kwargs__request_id__in=request_ids)
    return rows.exists() and not rows.exclude(status=FollowUp.Status.DONE).exists()


def sweep_until_done(request_ids: list[int], worker, *, timeout: float = 90) -> None:
    """Beat's job, done here so the test need not wait for beat's period: sweep until all are done."""

    def swept():
        outbox.sweep()
        return all_done(request_ids)

    wait_for(swept, timeout=timeout, every=0.5, what=f"the follow-ups to complete\n{worker.log_tail()}")


def assert_followed_up_once(request_ids: list[int], worker) -> None:
    rows = list(FollowUp.objects.filter(kwargs__request_id__in=request_ids))
    assert rows and all(r.status == FollowUp.Status.DONE for r in rows)
    assert [r.attempts for r in rows] == [1] * len(rows), "a follow-up ran more than once"
    log = worker.log.read_text(errors="replace")
    for lr in LegalRequest.objects.filter(pk__in=request_ids):
        assert lr.acknowledged_at is not None
        assert RequestFacts.objects.filter(request=lr).exists()
        # The console e-mail backend writes each message to the worker's log: one acknowledgement each.
        assert len(re.findall(rf"Subject: .*{re.escape(lr.reference)}", log)) == 1


def test_broker_down_during_submissions_then_back(redis_server, workers, officer_a):
    worker = workers(broker_url=redis_server.url)
    with app_on_broker(redis_server.url):
        redis_server.kill()
        committed = [submit(officer_a).pk for _ in range(3)]  # the intake does not wait for the broker
        assert (
            not FollowUp.objects.filter(kwargs__request_id__in=committed)
            .exclude(status=FollowUp.Status.PENDING)
            .exists()
        )
        outbox.sweep()  # still down: nothing is lost, the rows stay pending
        assert FollowUp.objects.filter(kwargs__request_id__in=committed, status=FollowUp.Status.PENDING).count() == (
            FollowUp.objects.filter(kwargs__request_id__in=committed).count()
        )
        redis_server.start()  # same port, empty
        sweep_until_done(committed, worker)
    assert_followed_up_once(committed, worker)


def test_messages_lost_by_a_broker_that_restarted_empty_are_sent_again(redis_server, workers, officer_a, settings):
    settings.OUTBOX_REDELIVER_SECONDS = 2  # sent, unfinished this long: lost (default 900 s)
    with app_on_broker(redis_server.url):
        committed = [submit(officer_a).pk for _ in range(2)]
        assert (
            not FollowUp.objects.filter(kwargs__request_id__in=committed).exclude(status=FollowUp.Status.SENT).exists()
        )
        redis_server.kill()  # no worker took them yet: the queued messages die with the broker
        redis_server.start()
        worker = workers(broker_url=redis_server.url)
        sweep_until_done(committed, worker)
    assert_followed_up_once(committed, worker)


KILLED_BETWEEN_COMMIT_AND_PUBLISH = """
import os, signal
from django.contrib.auth import get_user_model
from requests_app import outbox
from requests_app.documents import DocumentInput
from requests_app.services import request_submit
from tests.factories import minimal_pdf, warrant_data

def die(rows, **options):
    # The first relay after COMMIT (the documents' scans come before the request's own follow-ups).
    print("committed", rows[0].event, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # after COMMIT, before the relay publishes anything

outbox._publish_rows = die
request_submit(actor=get_user_model().objects.get(pk={user_id}), data=warrant_data(),
               documents=[DocumentInput("warrant.pdf", minimal_pdf())], acknowledge_warnings=True)
"""


def test_a_process_killed_between_commit_and_publish_is_completed_by_the_sweep(redis_server, workers, officer_a):
    worker = workers(broker_url=redis_server.url)
    result = run_django(KILLED_BETWEEN_COMMIT_AND_PUBLISH.format(user_id=officer_a.user.pk), env=worker.env)
    assert result.returncode == -9, result.stderr.decode()[-2000:]
    assert b"committed" in result.stdout
    lr = LegalRequest.objects.get(agency=officer_a.agency)  # the change committed ...
    request_id = lr.pk
    assert lr.acknowledged_at is None
    rows = FollowUp.objects.filter(kwargs__request_id=request_id)
    assert rows.exists() and not rows.exclude(status=FollowUp.Status.PENDING).exists()  # ... nothing published
    with app_on_broker(redis_server.url):
        sweep_until_done([request_id], worker)
    assert_followed_up_once([request_id], worker)
