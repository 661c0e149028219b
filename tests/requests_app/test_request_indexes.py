"""Issue 14 (fast imports): a request's reference and external id stay unique, through constraints that
carry one index each (no pattern-ops copy on PostgreSQL), and the agency look-ups use lr_agency_received."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from tests.factories import LegalRequestFactory

pytestmark = pytest.mark.django_db


def test_reference_and_external_id_stay_unique():
    first = LegalRequestFactory(external_id="ext-1")
    for field, value in (("reference", first.reference), ("external_id", "ext-1")):
        with pytest.raises(IntegrityError), transaction.atomic():
            LegalRequestFactory(**{field: value})
    # Many requests have no external id (NULLs are distinct).
    LegalRequestFactory(external_id=None)
    LegalRequestFactory(external_id=None)


def test_no_redundant_index_on_the_requests_table():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "requests_app_legalrequest")
    indexed = [tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"]]
    assert indexed.count(("reference",)) == 1 and indexed.count(("external_id",)) == 1
    assert ("agency_id",) not in indexed  # lr_agency_received (agency_id, received_at) serves it
    assert ("agency_id", "received_at") in indexed
    if connection.vendor == "postgresql":
        assert not [name for name in constraints if name.endswith("_like")]
