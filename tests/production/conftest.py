"""Bring requests to approved through the core services (not the review app's helpers)."""

from __future__ import annotations

from datetime import date

import pytest

from requests_app.documents import DocumentInput
from requests_app.lifecycle import Status
from requests_app.models import Decision
from requests_app.production import services as production_services
from requests_app.production.models import Production
from requests_app.production.notifier import DemoUserNotifier
from requests_app.services import SubmissionData, request_submit, request_transition
from tests import factories
from tests.factories import minimal_pdf


def submission(**overrides) -> SubmissionData:
    overrides.setdefault("data_categories", ["subscriber_info", "ip_logs", "cloud_chat_content"])
    overrides.setdefault("targets", [("username", "@Some_User"), ("username", "unknown_person")])
    overrides.setdefault("date_to", date(2026, 2, 28))
    return factories.warrant_data(**overrides)


def approve(request, reviewer, verdicts: dict[str, str], *, to=Status.APPROVED, second=None):
    """Open review, record one Decision per category, approve. verdicts: category -> approved/denied."""
    request_transition(request=request, to=Status.IN_REVIEW, actor=reviewer.user)
    for category, verdict in verdicts.items():
        Decision.objects.create(
            request=request,
            category=category,
            verdict=verdict,
            reason_code="" if verdict == "approved" else "overbroad",
            decided_by=reviewer.user,
            needs_second_approval=second is not None and category == second[0],
            approved_by=None,
        )
    request_transition(request=request, to=to, actor=reviewer.user)
    return request


@pytest.fixture
def submit(officer_a):
    def _submit(officer=None, **overrides):
        return request_submit(
            actor=(officer or officer_a).user,
            data=submission(**overrides),
            documents=[DocumentInput("warrant.pdf", minimal_pdf())],
            acknowledge_warnings=True,
        )

    return _submit


@pytest.fixture
def approved_request(submit, reviewer):
    """A search warrant: subscriber info + cloud chats approved, IP logs denied; one target found, one not."""
    request = submit()
    return approve(
        request, reviewer, {"subscriber_info": "approved", "cloud_chat_content": "approved", "ip_logs": "denied"}
    )


@pytest.fixture(autouse=True)
def _clear_outbox():
    DemoUserNotifier.outbox.clear()
    yield
    DemoUserNotifier.outbox.clear()


@pytest.fixture
def custodian(reviewer):
    """The reviewer, holding the custodian-of-records permission (signs certificates of authenticity)."""
    from django.contrib.auth.models import Permission

    reviewer.user.user_permissions.add(Permission.objects.get(codename="sign_certificate"))
    reviewer.user = type(reviewer.user).objects.get(pk=reviewer.user.pk)  # no stale permission cache
    return reviewer


def sign(production, custodian):
    """The custodian signs the package's certificate, which releases it (production.services.certificate_sign)."""
    from requests_app.production import services

    return services.certificate_sign(production=production, actor=custodian.user)


def release(request, staff):
    """Make `staff` a custodian and sign the request's built package (releasing it), as the workspace does."""
    from django.contrib.auth.models import Permission

    from requests_app.production.models import Production

    staff.user.user_permissions.add(Permission.objects.get(codename="sign_certificate"))
    staff.user = type(staff.user).objects.get(pk=staff.user.pk)
    production = Production.objects.get(request=request, status=Production.Status.UNSIGNED)
    return sign(production, staff)


@pytest.fixture
def ready(approved_request, reviewer, custodian, django_capture_on_commit_callbacks) -> Production:
    with django_capture_on_commit_callbacks(execute=True):
        production = production_services.production_start(request=approved_request, actor=reviewer.user)
    production.refresh_from_db()
    assert production.status == Production.Status.UNSIGNED
    with django_capture_on_commit_callbacks(execute=True):
        production = sign(production, custodian)
    assert production.status == Production.Status.READY
    return production
