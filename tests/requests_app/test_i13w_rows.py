"""requests_app.rows.insert_new stores what the ORM's save()/bulk_create store (issue 13)."""

import pytest
from django.db import connection, transaction
from django.db.models import signals
from django.test.utils import CaptureQueriesContext

from requests_app import rows
from requests_app.documents import DocumentInput
from requests_app.models import EventType, LegalRequest, RequestEvent, Target
from requests_app.services import request_submit
from tests.factories import minimal_pdf, warrant_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_row(officer_a):
    return request_submit(
        actor=officer_a.user, data=warrant_data(), documents=[DocumentInput("warrant.pdf", minimal_pdf())]
    )


def copy_of(request: LegalRequest, reference: str) -> LegalRequest:
    """A new, unsaved request with every field of `request` (JSON, dates, foreign keys)."""
    values = {f.attname: getattr(request, f.attname) for f in LegalRequest._meta.concrete_fields if not f.primary_key}
    return LegalRequest(**{**values, "reference": reference})


def stored(row) -> dict:
    row = type(row).objects.get(pk=row.pk)
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.name not in ("id", "reference", "updated_at")
    }


@pytest.mark.usefixtures("officer_a")
def test_same_row_as_save(request_row):
    by_orm, ours = copy_of(request_row, "A-1"), copy_of(request_row, "A-2")
    by_orm.save(force_insert=True)
    with CaptureQueriesContext(connection) as q:
        rows.insert_new([ours])
    assert len(q.captured_queries) == 1
    assert ours.pk is not None and ours.pk != by_orm.pk
    assert stored(ours) == stored(by_orm)
    assert ours.updated_at >= by_orm.updated_at  # auto_now: filled by pre_save, as save() does
    # Saved: a later save() updates the row, it does not insert another.
    ours.case_number = "CHANGED"
    ours.save(update_fields=["case_number"])
    assert LegalRequest.objects.get(pk=ours.pk).case_number == "CHANGED"


def test_several_rows_in_one_statement_with_their_ids(request_row):
    targets = [
        Target(request=request_row, identifier_type="username", raw_value=f"u{i}", kind="username", value=f"u{i}")
        for i in range(3)
    ]
    with CaptureQueriesContext(connection) as q:
        rows.insert_new(targets)
    assert len(q.captured_queries) == 1
    assert [Target.objects.get(pk=t.pk).value for t in targets] == ["u0", "u1", "u2"]


def test_a_preset_primary_key_is_kept(request_row):
    if connection.vendor == "postgresql":  # as the submission reserves it
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [LegalRequest._meta.db_table])
            pk = cursor.fetchone()[0]
    else:
        pk = LegalRequest.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    row = copy_of(request_row, "A-3")
    row.pk = pk
    rows.insert_new([row])
    assert LegalRequest.objects.get(reference="A-3").pk == pk


def test_auto_fields_are_filled_as_by_the_orm(request_row):
    with transaction.atomic():
        event = RequestEvent(event_type=EventType.SUBMITTED, request=request_row, message="m", salt="s")
        rows.insert_new([event])
    saved = RequestEvent.objects.get(pk=event.pk)
    assert saved.created_at is not None and saved.created_at == event.created_at  # auto_now_add's pre_save


def test_an_unsaved_related_row_is_refused(request_row):
    unsaved = copy_of(request_row, "A-4")
    with pytest.raises(ValueError, match="unsaved related object 'request'"):
        rows.insert_new(
            [Target(request=unsaved, identifier_type="username", raw_value="x", kind="username", value="x")]
        )


def test_falls_back_to_the_orm_when_a_save_signal_listens(request_row):
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance.reference)

    signals.post_save.connect(listener, sender=LegalRequest)
    try:
        rows.insert_new([copy_of(request_row, "A-5")])
    finally:
        signals.post_save.disconnect(listener, sender=LegalRequest)
    assert seen == ["A-5"]
    assert LegalRequest.objects.filter(reference="A-5").exists()
