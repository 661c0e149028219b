"""INSERT new rows of one model through a statement built once per process (issue 13: the submission's
request, targets, documents and events), instead of one the ORM compiles again for every write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models, transaction
from django.db.models import signals

_statements: dict[tuple[str, type[models.Model], int, bool], str] = {}


def insert_new(rows: Sequence[models.Model]) -> None:
    """INSERT `rows` (new instances of one model; all with their primary key set, or none) in one statement:
    the one Model.save(force_insert=True) or bulk_create sends, with the same field conversions (pre_save,
    get_db_prep_save), and the new ids set on the rows. Where this cannot stand in for the ORM (a save signal
    connected, a database default, no RETURNING), the rows go through bulk_create (one row: save())."""
    if not rows:
        return
    model = type(rows[0])
    conn = transaction.get_connection()
    with_pk = rows[0].pk is not None
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if with_pk or not f.primary_key]
    if (
        not conn.features.can_return_columns_from_insert
        or signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
        or any(f.db_default is not models.NOT_PROVIDED for f in fields)
        or meta.parents
        or any(type(row) is not model or (row.pk is not None) != with_pk for row in rows)
    ):
        _insert_by_orm(model, rows)
        return
    key = (conn.alias, model, len(rows), with_pk)
    sql = _statements.get(key)
    if sql is None:
        quote = conn.ops.quote_name
        values = ", ".join([f"({', '.join(['%s'] * len(fields))})"] * len(rows))
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 (the model's own names)
            f"VALUES {values} RETURNING {quote(meta.pk.column)}"
        )
        _statements[key] = sql
    params: list[Any] = []
    for row in rows:
        _take_related_ids(row, fields)
        params.extend(f.get_db_prep_save(f.pre_save(row, True), connection=conn) for f in fields)
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [r[0] for r in cursor.fetchall()]
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding = False
        row._state.db = conn.alias


def _insert_by_orm(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    if len(rows) == 1:
        rows[0].save(force_insert=True)
    else:
        model._default_manager.bulk_create(rows)


def _take_related_ids(row: models.Model, fields: list[Any]) -> None:
    """A related row assigned before it was saved: take its id now, or refuse if it has none (as save() does)."""
    for f in fields:
        if f.is_relation and getattr(row, f.attname) is None:
            related = getattr(row, f.name)
            if related is not None:
                if related.pk is None:
                    raise ValueError(
                        f"save() prohibited to prevent data loss due to unsaved related object '{f.name}'."
                    )
                setattr(row, f.attname, related.pk)
