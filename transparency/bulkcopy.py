"""The per-row PostgreSQL path of `import_requests` (JSON Lines, and the fallback of the CSV path in
transparency/sqlimport.py): one pass of COPY into a staging table, then set-based inserts.

Each row is parsed and checked once (`importer.parse_row`) and streamed through psycopg 3's
`COPY ... FROM STDIN` into a temporary staging table; nothing of the file is held in Python, so
memory stays flat whatever the file's size. Duplicate external ids are found in SQL. If any row is
broken, the transaction is rolled back (the staging table with it) and every problem is listed by row
number, as on the portable path. Otherwise agencies, requests, targets and report facts are each
inserted by one `INSERT ... SELECT` from the staging table, all in the same transaction as the
`imported` audit event. Columns the importer does not fill get their model default, so a field
added to a model later does not break this path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from requests_app.models import Agency, LegalRequest, Target
from transparency import importer
from transparency.models import RequestFacts, TargetFacts

STAGE = "transparency_import_stage"


def _fields(model: type[models.Model], names: list[str]) -> list[models.Field]:
    by_att = {f.attname: f for f in model._meta.concrete_fields}
    return [by_att[n] for n in names]


def _stage_value(field: models.Field, value: Any) -> Any:
    return Jsonb(value) if isinstance(field, models.JSONField) else value


def _default(field: models.Field, now) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = now
    else:
        value = field.get_default()
    return field.get_db_prep_save(value, connection)


def target_facts_columns(
    *,
    with_data: str,
    received_at: str = "f.received_at",
    country: str = "f.country",
    request_type: str = "f.request_type",
    national_security: str = "f.national_security",
    preservation: str = "f.preservation",
    target: str = "t",
) -> dict[str, str]:
    """The SQL expressions of a TargetFacts row for the target row aliased `target`; the request's columns
    from its RequestFacts row aliased `f` unless given. The account key is importer.account_key(account_ref="",
    kind, value), cut to the column's 320 characters."""
    return {
        "target_id": f"{target}.id",
        "request_id": f"{target}.request_id",
        "received_at": received_at,
        "country": country,
        "request_type": request_type,
        "national_security": national_security,
        "preservation": preservation,
        "account_key": f"left({target}.kind || ':' || {target}.value, 320)",
        "with_data": with_data,
    }


def _insert_select(
    cursor, model: type[models.Model], mapped: dict[str, str], from_sql: str, now, consts: dict[str, Any] | None = None
) -> int:
    """INSERT INTO model's table every concrete column: `mapped` SQL expressions, `consts`, else the field default."""
    consts = consts or {}
    cols, exprs, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and isinstance(f, models.AutoField) and f.attname not in mapped:
            continue
        cols.append(connection.ops.quote_name(f.column))
        if f.attname in mapped:
            exprs.append(mapped[f.attname])
        else:
            exprs.append("%s")
            params.append(
                f.get_db_prep_save(consts[f.attname], connection) if f.attname in consts else _default(f, now)
            )
    table = connection.ops.quote_name(model._meta.db_table)
    cursor.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} {from_sql}", params)
    return cursor.rowcount


def import_file_copy(
    path: Path, *, actor=None, progress: Callable[[str], None] | None = None, progress_every: int = 5000
) -> importer.ImportResult:
    """importer.import_file on PostgreSQL; a progress line every `progress_every` rows read."""
    say = progress or (lambda msg: None)
    result = importer.ImportResult(sha256=importer.file_sha256(path))
    now = timezone.now()
    say(f"Checking and staging {path.name} ...")
    with transaction.atomic(), connection.cursor() as cursor:
        # The column layout comes from the value builders the portable path also uses.
        sample = importer.ParsedRow(
            external_id="x",
            received_at=now,
            country="FR",
            agency="x",
            request_type="subpoena",
            emergency=False,
            targets=[],
            raw_targets=[],
            not_found=set(),
            data_categories=[],
            produced_categories=[],
            status=importer.FINAL["closed"],
            rejection_reason="",
            decided_at=None,
            closed_at=now,
            ndo_until=None,
            ndo_indefinite=False,
            user_notified=False,
        )
        r_names = list(importer.request_values(sample, now))
        f_names = list(importer.facts_values(sample, [], now))
        t_names = ["identifier_type", "raw_value", "kind", "value", "lookup", "looked_up_at", "notified_at"]
        r_fields = _fields(LegalRequest, r_names)
        f_fields = _fields(RequestFacts, f_names)
        t_fields = _fields(Target, t_names)
        stage_cols = (
            ["rowno integer", "agency_name text"]
            + [f"r_{f.attname} {f.db_type(connection)}" for f in r_fields]
            + [f"f_{f.attname} {f.db_type(connection)}" for f in f_fields]
            + ["targets jsonb"]
        )
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} ({', '.join(stage_cols)}) ON COMMIT DROP")
        copy_cols = ["rowno", "agency_name"] + [f"r_{n}" for n in r_names] + [f"f_{n}" for n in f_names] + ["targets"]

        errors: list[tuple[int, str]] = []
        total_errors = 0
        rows = 0
        dumps = json.dumps
        with cursor.cursor.copy(f"COPY {STAGE} ({', '.join(copy_cols)}) FROM STDIN") as copy:
            for n, raw in importer.read_rows(path):
                rows += 1
                if rows % progress_every == 0:
                    say(f"{rows} rows checked")
                try:
                    p = importer.parse_row(raw)
                except importer.RowError as exc:
                    total_errors += 1
                    if len(errors) < importer.MAX_ERRORS_SHOWN:
                        errors.append((n, f"row {n}: {exc}"))
                    continue
                rv = importer.request_values(p, now)
                tv = importer.target_values(p)
                fv = importer.facts_values(p, tv, now)
                copy.write_row(
                    [n, p.agency]
                    + [_stage_value(f, rv[f.attname]) for f in r_fields]
                    + [_stage_value(f, fv[f.attname]) for f in f_fields]
                    + [Jsonb(tv, dumps=lambda o: dumps(o, default=str))]
                )
        cursor.execute(
            f"""SELECT rowno, r_external_id, count(*) OVER () FROM (
                  SELECT rowno, r_external_id,
                         row_number() OVER (PARTITION BY r_external_id ORDER BY rowno) AS k
                  FROM {STAGE}) d WHERE k > 1 ORDER BY rowno LIMIT %s""",
            [importer.MAX_ERRORS_SHOWN],
        )
        dups = cursor.fetchall()
        if dups:
            total_errors += dups[0][2]
            errors += [(n, f"row {n}: external_id “{ext}” appears twice in the file") for n, ext, _ in dups]
        if rows == 0 and not errors:
            errors, total_errors = [(0, "the file has no rows")], 1
        if total_errors:
            errors.sort()
            # Leaving the atomic block through the exception rolls back the staging table too.
            raise importer.ImportRefused([e for _, e in errors[: importer.MAX_ERRORS_SHOWN]], total_errors)

        result.rows = rows
        say(f"{rows} rows are valid; importing ...")
        cursor.execute(f"ANALYZE {STAGE}")
        q = connection.ops.quote_name
        lr_table = q(LegalRequest._meta.db_table)
        cursor.execute(f"DELETE FROM {STAGE} s USING {lr_table} lr WHERE lr.external_id = s.r_external_id")
        result.skipped = cursor.rowcount
        result.agencies_created = _insert_agencies(cursor, now)
        say("agencies done; inserting requests ...")
        ag_table = q(Agency._meta.db_table)
        result.created = _insert_select(
            cursor,
            LegalRequest,
            {"agency_id": "a.id"} | {f.attname: f"s.r_{f.attname}" for f in r_fields},
            f"FROM {STAGE} s JOIN {ag_table} a ON a.name = s.agency_name AND a.country = s.r_country ORDER BY s.rowno",
            now,
        )
        say(f"{result.created} requests inserted; inserting targets ...")
        record = ", ".join(f"{f.attname} {f.db_type(connection)}" for f in t_fields)
        result.targets = _insert_select(
            cursor,
            Target,
            {"request_id": "lr.id"} | {f.attname: f"t.{f.attname}" for f in t_fields},
            f"FROM {STAGE} s JOIN {lr_table} lr ON lr.external_id = s.r_external_id "
            f"CROSS JOIN LATERAL jsonb_to_recordset(s.targets) AS t({record})",
            now,
        )
        say(f"{result.targets} targets inserted; inserting report facts ...")
        _insert_select(
            cursor,
            RequestFacts,
            {"request_id": "lr.id"} | {f.attname: f"s.f_{f.attname}" for f in f_fields},
            f"FROM {STAGE} s JOIN {lr_table} lr ON lr.external_id = s.r_external_id",
            now,
        )
        say("inserting per-account facts ...")
        tf_from = (
            f"FROM {STAGE} s JOIN {lr_table} lr ON lr.external_id = s.r_external_id "
            f"JOIN {q(Target._meta.db_table)} t ON t.request_id = lr.id "
            f"JOIN {q(RequestFacts._meta.db_table)} f ON f.request_id = lr.id"
        )
        # Same as importer._insert_batch: with data = found + produced.
        _insert_select(
            cursor,
            TargetFacts,
            target_facts_columns(with_data=f"f.produced_any AND t.lookup = '{Target.Lookup.FOUND}'"),  # fmt: skip
            tf_from,
            now,
        )
        cursor.execute(f"DROP TABLE {STAGE}")
        importer._record_import(path, rows, result, actor)
        say(f"{rows}/{rows} rows (100%)")
    return result


def _insert_agencies(cursor, now) -> int:
    """New (name, country) pairs become agencies of kind `other`, verification pending."""
    return _insert_select(
        cursor,
        Agency,
        {"name": "s.agency_name", "country": "s.r_country"},
        f"FROM (SELECT DISTINCT agency_name, r_country FROM {STAGE}) s ON CONFLICT (name, country) DO NOTHING",
        now,
        consts={"kind": Agency.Kind.OTHER},
    )
