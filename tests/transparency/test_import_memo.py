"""The importer normalises a recurring identifier once (phone parsing is most of a row's cost), and a bad
identifier is still reported on every row it appears in."""

import pytest

from requests_app.models import Target
from tests.factories import import_csv as write
from tests.factories import import_row as row
from transparency import importer
from transparency.importer import ImportRefused, import_file

pytestmark = pytest.mark.django_db


def test_recurring_identifiers_are_normalised_once_and_stored_alike(tmp_path):
    importer._target.cache_clear()
    import_file(write(tmp_path, [row(i, targets=["+33 6 12 34 56 78"], targets_not_found=[]) for i in range(20)]))
    info = importer._target.cache_info()
    assert info.misses == 1 and info.hits == 19
    assert set(Target.objects.values_list("kind", "value")) == {("phone", "+33612345678")}


def test_a_bad_identifier_is_reported_on_every_row(tmp_path):
    rows = [row(i, targets=["+33 1"], targets_not_found=[]) for i in range(3)]
    with pytest.raises(ImportRefused) as refused:
        import_file(write(tmp_path, rows))
    assert [e.split(":")[0] for e in refused.value.errors] == ["row 2", "row 3", "row 4"]
