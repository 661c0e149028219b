"""Requests in the states the legal workspace starts from, created through the real services."""

from __future__ import annotations

from datetime import date

import pytest

from requests_app.documents import DocumentInput
from requests_app.services import SubmissionData, request_submit
from tests.factories import minimal_pdf


def warrant_data(**overrides) -> SubmissionData:
    data = dict(
        request_type="search_warrant",
        legal_framework="us_sca",
        country="US",
        authority_kind="judge",
        issuing_authority="US District Court, N.D. Cal.",
        case_number="CR-2026-0042",
        data_categories=["subscriber_info", "cloud_chat_content"],
        targets=[("phone", "+1 202 555 0143"), ("username", "@Some_User"), ("username", "unknown_person")],
        date_from=date(2026, 1, 1),
        date_to=date(2026, 3, 1),
    )
    data.update(overrides)
    return SubmissionData(**data)


def emergency_data(**overrides) -> SubmissionData:
    base = dict(
        request_type="emergency",
        emergency=True,
        emergency_justification="A 12-year-old was abducted an hour ago; the suspect threatened to kill her.",
        emergency_attested=True,
        case_number="EMG-1",
        data_categories=["subscriber_info", "ip_logs"],
        date_from=None,
        date_to=None,
    )
    base.update(overrides)
    return warrant_data(**base)


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
