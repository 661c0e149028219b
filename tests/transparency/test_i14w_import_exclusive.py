"""An exclusive import (PostgreSQL, CSV) builds the written tables' indexes after its inserts: the schema it
leaves is the one it found, a unique rule is still enforced (all-or-nothing), and a re-run adds nothing."""

import pytest
from django.db import IntegrityError, connection

from requests_app.models import Agency, LegalRequest, Target
from tests.factories import import_csv as write
from tests.factories import import_row as row
from transparency.importer import import_file
from transparency.models import RequestFacts, TargetFacts

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="--exclusive is the PostgreSQL CSV path's"),
]

MODELS = (LegalRequest, Target, RequestFacts, TargetFacts)


def _schema() -> set[tuple[str, str, str]]:
    """Every index and constraint of the four written tables, by name and definition."""
    tables = [m._meta.db_table for m in MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)
               UNION ALL
               SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) || ' ' || condeferrable::text
                      || ' ' || condeferred::text || ' ' || convalidated::text
               FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)""",
            [tables, tables],
        )
        return set(cursor.fetchall())


def test_an_exclusive_import_into_empty_tables_rebuilds_every_index_it_dropped(tmp_path):
    before = _schema()
    said = []
    result = import_file(write(tmp_path, [row(i) for i in range(1, 8)]), exclusive=True, progress=said.append)
    assert (result.created, result.targets) == (7, 21)
    assert any(line.startswith("15 indexes dropped") for line in said), said  # the path under test was taken
    assert _schema() == before
    assert RequestFacts.objects.count() == 7 and TargetFacts.objects.count() == 21
    # the rebuilt unique indexes are in use again
    with pytest.raises(IntegrityError):
        LegalRequest.objects.create(
            reference=LegalRequest.objects.first().reference,
            external_id="other",
            agency=Agency.objects.first(),
            request_type="subpoena",
        )


def test_an_exclusive_reimport_adds_nothing_and_keeps_the_indexes_of_larger_tables(tmp_path):
    path = write(tmp_path, [row(i) for i in range(1, 6)])
    import_file(path, exclusive=True)
    before = _schema()
    again = import_file(path, exclusive=True)
    assert (again.created, again.skipped, again.targets) == (0, 5, 0)
    assert LegalRequest.objects.count() == 5 and Target.objects.count() == 15
    said = []  # 5 requests already there, 2 new ones: the indexes are maintained, not rebuilt
    more = import_file(write(tmp_path, [row(i) for i in range(4, 8)], "more.csv"), exclusive=True, progress=said.append)
    assert (more.created, more.skipped, more.targets) == (2, 2, 6)
    assert not any("indexes dropped" in line for line in said), said
    assert _schema() == before
    assert RequestFacts.objects.count() == 7 and TargetFacts.objects.count() == 21


def test_a_unique_rule_broken_on_the_rebuild_imports_nothing_in_either_mode(tmp_path):
    """A request already holds the reference the import derives for ext-2 (a hash collision, made by hand):
    without --exclusive the insert refuses it; with it the rebuilt unique index does. Nothing is kept."""
    path = write(tmp_path, [row(i) for i in range(1, 4)])
    import_file(write(tmp_path, [row(2)], name="probe.csv"))
    taken = LegalRequest.objects.get(external_id="ext-2")
    LegalRequest.objects.filter(pk=taken.pk).update(external_id="someone-else")  # same reference, other id
    before = _schema()
    counts = (LegalRequest.objects.count(), Target.objects.count(), RequestFacts.objects.count())
    for exclusive in (False, True):
        with pytest.raises(IntegrityError):
            import_file(path, exclusive=exclusive)
        assert (LegalRequest.objects.count(), Target.objects.count(), RequestFacts.objects.count()) == counts
        assert not LegalRequest.objects.filter(external_id__in=["ext-1", "ext-3"]).exists()
        assert _schema() == before
