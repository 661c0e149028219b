"""Fixtures of the production tests, shared with every package (registered in tests/conftest.py):
a submitted warrant, an approved one, a custodian, a built package and a released one."""

from __future__ import annotations

import pytest

from requests_app.documents import DocumentInput
from requests_app.production import services as production_services
from requests_app.production.models import Production
from requests_app.services import request_submit
from tests.factories import approve, minimal_pdf, sign, submission


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


@pytest.fixture
def custodian(reviewer):
    """The reviewer, holding the custodian-of-records permission (signs certificates of authenticity)."""
    from django.contrib.auth.models import Permission

    reviewer.user.user_permissions.add(Permission.objects.get(codename="sign_certificate"))
    reviewer.user = type(reviewer.user).objects.get(pk=reviewer.user.pk)  # no stale permission cache
    return reviewer


@pytest.fixture
def built(approved_request, reviewer, django_capture_on_commit_callbacks) -> Production:
    with django_capture_on_commit_callbacks(execute=True):
        production = production_services.production_start(request=approved_request, actor=reviewer.user)
    production.refresh_from_db()
    assert production.status == Production.Status.UNSIGNED
    return production


@pytest.fixture
def ready(built, custodian, django_capture_on_commit_callbacks) -> Production:
    with django_capture_on_commit_callbacks(execute=True):
        production = sign(built, custodian)
    assert production.status == Production.Status.READY
    return production
