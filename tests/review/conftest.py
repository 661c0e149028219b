"""Requests in the states the legal workspace starts from, created through the real services."""

from __future__ import annotations

import pytest

from requests_app.documents import DocumentInput
from requests_app.services import SubmissionData, request_submit
from tests import factories
from tests.factories import (
    emergency_data,  # noqa: F401
    minimal_pdf,
)


def warrant_data(**overrides) -> SubmissionData:
    overrides.setdefault(
        "targets", [("phone", "+1 202 555 0143"), ("username", "@Some_User"), ("username", "unknown_person")]
    )
    return factories.warrant_data(**overrides)


@pytest.fixture
def lr(officer_a):
    """A validated search warrant from agency A (subscriber info + cloud chat content)."""
    return request_submit(
        actor=officer_a.user,
        data=warrant_data(),
        documents=[DocumentInput("warrant.pdf", minimal_pdf())],
        acknowledge_warnings=True,
    )


@pytest.fixture
def emergency_lr(officer_a):
    """An emergency request from agency A, awaiting out-of-band verification."""
    return request_submit(actor=officer_a.user, data=emergency_data(), documents=[], acknowledge_warnings=True)
