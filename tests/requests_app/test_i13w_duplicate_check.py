"""The duplicate check's hand-written statement finds exactly what the ORM query it replaced found."""

from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app import rules
from requests_app.documents import DocumentInput
from requests_app.lifecycle import Status
from requests_app.models import LegalRequest
from requests_app.services import SubmissionRefused, _find_duplicate, request_submit
from tests.factories import minimal_pdf, warrant

pytestmark = pytest.mark.django_db


def orm_duplicate(agency, data) -> str | None:
    """The query _find_duplicate ran before (issue 13): the oracle."""
    keys = {rules.normalise_target(t, v, data.country).value for t, v in data.targets}
    return (
        LegalRequest.objects.open()
        .filter(agency=agency, case_number__iexact=data.case_number.strip(), targets__value__in=keys)
        .values_list("reference", flat=True)
        .first()
    )


def submit(officer, **overrides) -> LegalRequest:
    return request_submit(actor=officer.user, data=warrant(**overrides), documents=[pdf()], acknowledge_warnings=True)


def pdf() -> DocumentInput:
    return DocumentInput("warrant.pdf", minimal_pdf())


@pytest.mark.parametrize(
    "probe",
    [
        {},  # same case, same accounts
        {"case_number": "cr-2026-0042"},  # case-insensitive
        {"case_number": "  CR-2026-0042 "},  # trimmed
        {"targets": [("username", "some_user")]},  # one of the accounts, normalised as stored
        {"targets": [("username", "someone_else")]},  # another account: no duplicate
        {"case_number": "CR-2026-0043"},  # another case: no duplicate
        {"case_number": "CR_2026_0042"},  # LIKE wildcards are not wildcards here
        {"case_number": "CR-2026-%"},
    ],
)
def test_same_answer_as_the_orm_query(officer_a, probe):
    submit(officer_a)
    data = warrant(**probe)
    assert _find_duplicate(agency=officer_a.agency, data=data) == orm_duplicate(officer_a.agency, data)


def test_only_open_requests_of_the_same_agency(officer_a, officer_b):
    other_agency = submit(officer_b)
    closed = submit(officer_a)
    LegalRequest.objects.filter(pk=closed.pk).update(status=Status.WITHDRAWN)
    data = warrant()
    assert _find_duplicate(agency=officer_a.agency, data=data) is None
    assert orm_duplicate(officer_a.agency, data) is None
    assert _find_duplicate(agency=officer_b.agency, data=data) == other_agency.reference


def test_the_latest_received_request_is_named(officer_a):
    older, newer = submit(officer_a), submit(officer_a)
    LegalRequest.objects.filter(pk=newer.pk).update(received_at=timezone.now() - timedelta(days=3))
    data = warrant()
    assert (
        _find_duplicate(agency=officer_a.agency, data=data) == older.reference == orm_duplicate(officer_a.agency, data)
    )


def test_a_duplicate_is_still_a_warning_the_officer_reads(officer_a):
    first = submit(officer_a)
    with pytest.raises(SubmissionRefused) as exc:
        request_submit(actor=officer_a.user, data=warrant(case_number="cr-2026-0042"), documents=[pdf()])
    (finding,) = [f for f in exc.value.findings if f.code == "duplicate_request"]
    assert finding.severity is rules.Severity.WARNING
    assert finding.message.startswith(f"Your agency already sent {first.reference} for this case")
