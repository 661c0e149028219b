"""The PostgreSQL path of `import_requests` for CSV files: the rows are checked in SQL, not one by one in Python.

1. **Stage.** Python's `csv` module reads the file (so quoting, blank lines, short and long rows behave
   exactly as on the other paths) and streams each row, stripped, through psycopg 3's
   `COPY … FROM STDIN` into a temporary table, numbered as `importer.read_rows` numbers it
   (the header is row 1). Nothing of the file is held in Python: memory is flat in the file size.
2. **Normalise the distinct values that need Python, once each.** Dates not in the two canonical shapes
   (`2025-03-31`, `2025-03-31T14:00:00Z` / `+02:00`), countries, data-category lists and the identifiers
   SQL does not normalise (phone numbers, anything non-ASCII) are selected `DISTINCT`, run through the very
   functions `importer.parse_row` uses, and the results are COPYed back as small mapping tables.
   Canonical dates, usernames, user ids and t.me links are checked and normalised in SQL by the same
   rules (tests/transparency/test_import_sql.py compares both ways value by value).
3. **Check in SQL.** One statement decides, per row, whether `parse_row` would accept it; duplicate
   external ids are found with a window function. If any row is broken, the first 50 broken rows are read
   back and passed through `importer.parse_row` itself, so every message is the one the other paths give,
   and the transaction is rolled back: nothing is written.
4. **Write set-based.** Primary keys are taken from the tables' own sequences (`nextval`) while the
   staging rows are built, so requests, targets, report facts and per-account facts are each one
   `INSERT … SELECT` from staging tables, with no join back on `external_id`; facts are stamped with the
   request's `updated_at`. Everything is one transaction with the `imported` audit event.

If the file cannot be staged at all (e.g. a NUL byte, which PostgreSQL text cannot hold), or the SQL check
ever disagrees with `parse_row` on a row it flagged, the import falls back to the per-row path
(`transparency.bulkcopy`), which is slower but gives the same result.
"""

from __future__ import annotations

import csv
import functools
import json
import logging
import operator
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import psycopg
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from requests_app import rules
from requests_app.models import Agency, LegalRequest, Target
from transparency import importer
from transparency.aggregation import is_country
from transparency.bulkcopy import _insert_select, target_facts_columns
from transparency.facts import produced_split
from transparency.models import RequestFacts, TargetFacts

log = logging.getLogger(__name__)

TABLES = (
    "imp_raw",
    "imp_when",
    "imp_when_py",
    "imp_date",
    "imp_cty",
    "imp_cat",
    "imp_item",
    "imp_pyt",
    "imp_tn",
    "imp_t",
    "imp_row",
    "imp_new",
    "imp_tt",
    "imp_cnt",
    "imp_ag",
    "imp_types",
)

# A date, or a date and time with optional seconds and an optional Z / ±HH:MM offset (no fractions).
# Strings of this shape are checked and converted in SQL; every other non-empty string goes to Python.
WHEN_RE = r"^([0-9]{4})-([0-9]{2})-([0-9]{2})([T ]([0-9]{2}):([0-9]{2})(:([0-9]{2}))?(Z|[+-]([0-9]{2}):([0-9]{2}))?)?$"
DATE_RE = r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$"
USERNAME_RE = r"^[A-Za-z0-9_]{5,32}$"  # rules._USERNAME_RE
LINK_RE = r"(?i)^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/([^?# ]+)/?$"  # rules._LINK_RE
INVITE_RE = r"^(?:\+|joinchat/)([A-Za-z0-9_-]{8,64})$"  # rules._INVITE_RE
NOT_A_NAME = ("joinchat", "c", "s", "addstickers", "share")


class _Fallback(Exception):
    """The fast path cannot handle this file; use the per-row path."""


def _valid_ymd(m: str) -> str:
    """SQL: the regexp_match array `m` (year, month, day in 1..3) names a real calendar day."""
    y, mo, d = f"{m}[1]::int", f"{m}[2]::int", f"{m}[3]::int"
    leap = f"(mod({y}, 4) = 0 AND (mod({y}, 100) <> 0 OR mod({y}, 400) = 0))"
    last = (
        f"CASE WHEN {mo} IN (4, 6, 9, 11) THEN 30 WHEN {mo} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END ELSE 31 END"
    )
    return f"({y} >= 1 AND {mo} BETWEEN 1 AND 12 AND {d} BETWEEN 1 AND {last})"


def _valid_when(m: str) -> str:
    """SQL: a WHEN_RE match is a real instant (Python rejects 24:00, :60 seconds, offsets of 24 h or more)."""
    return (
        f"({_valid_ymd(m)} AND ({m}[4] IS NULL OR ({m}[5]::int <= 23 AND {m}[6]::int <= 59 "
        f"AND coalesce({m}[8]::int, 0) <= 59 AND ({m}[10] IS NULL OR ({m}[10]::int <= 23 AND {m}[11]::int <= 59)))))"
    )


def _py_when(text: str) -> tuple[str, bool, Any]:
    try:
        when = importer._when({"v": text}, "v")
    except importer.RowError:
        return text, False, None
    try:
        return text, True, when.astimezone(UTC)
    except (OverflowError, ValueError):  # year 1 east of UTC: valid for Python, not representable in UTC
        return text, True, when


def _py_date(text: str) -> tuple[str, bool, Any]:
    try:
        d = parse_date(text)
    except ValueError:
        d = None
    return text, d is not None, d


def _py_country(text: str) -> tuple[str, bool]:
    return text, is_country(text)


def _py_categories(kind: str, text: str) -> tuple[Any, ...]:
    codes = importer._list({"v": text}, "v")
    ok = all(c in rules.CATEGORIES for c in codes)
    if kind == "P":
        ok = ok and not any(rules.CATEGORIES[c].e2ee for c in codes if c in rules.CATEGORIES)
    any_, content, noncontent = produced_split(codes)
    return kind, text, ok, json.dumps(codes), any_, content, noncontent


def _py_target(raw: str, region: str) -> tuple[Any, ...]:
    try:
        t = importer._target(raw, region)
    except rules.TargetError:
        return raw, region, False, None, None, None
    return raw, region, True, t.identifier_type, t.kind, t.value


def import_csv(
    path: Path,
    *,
    actor=None,
    progress: Callable[[str], None] | None = None,
    progress_every: int = 5000,
    exclusive: bool = False,
) -> importer.ImportResult:
    """importer.import_file for a CSV file on PostgreSQL.

    `exclusive`: during the write phase, drop the foreign keys of the four tables written and add them back
    (validated, one query each) before the commit, instead of one check per inserted row; and build the
    secondary indexes of each of those tables that holds fewer rows than the import adds once, after the
    inserts, instead of maintaining them row by row (`_drop_indexes`). The tables (and the agencies) are
    then locked against readers until the commit: for a maintenance window.
    """
    try:
        return _import(path, actor=actor, progress=progress, progress_every=progress_every, exclusive=exclusive)
    except _Fallback as why:
        log.warning("import: SQL path not usable (%s); using the per-row path", why)
        from transparency.bulkcopy import import_file_copy

        return import_file_copy(path, actor=actor, progress=progress, progress_every=progress_every)


def _analyze(cursor, *tables: str) -> None:
    """Give the planner the staging tables' statistics (autovacuum never sees temporary tables): without them
    it guesses merge joins and sorts 2M-row inputs where hash joins against small tables are due."""
    cursor.execute("ANALYZE " + ", ".join(tables))


def _drop(cursor) -> None:
    cursor.execute("DROP TABLE IF EXISTS " + ", ".join(TABLES))


def _python_map(select_sql: str, params: Any, table: str, columns: str, fn: Callable[..., tuple], batch=20_000) -> int:
    """Stream the rows of `select_sql` through `fn` into `table` (COPY), `batch` rows at a time."""
    conn = connection.connection
    done = 0
    with conn.cursor(name="imp_python_map") as server, conn.cursor() as writer:
        server.execute(select_sql, params)
        while rows := server.fetchmany(batch):
            with writer.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(fn(*r))
            done += len(rows)
    return done


def _stage(cursor, path: Path, say: Callable[[str], None], progress_every: int) -> int | list[str]:
    """COPY the stripped rows into imp_raw; the row count, or the header error."""
    cols = ", ".join(f"{c} text" for c in importer.COLUMNS)
    cursor.execute(f"CREATE TEMPORARY TABLE imp_raw (rowno integer, {cols}, ndo_indefinite boolean) ON COMMIT DROP")
    i_cty, i_em, i_status, i_ndo, i_notif = (
        importer.COLUMNS.index(c) for c in ("country", "emergency", "final_status", "ndo_until", "user_notified")
    )
    lists = [importer.COLUMNS.index(c) for c in ("targets", "targets_not_found")]
    n = 1
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        missing = [c for c in importer.REQUIRED if c not in header]
        if missing:
            return [f"row 1: the header lacks the column(s) {', '.join(missing)}"]
        width = len(header)
        where = {name: i for i, name in enumerate(header)}  # the last of a repeated name wins, as in DictReader
        get = operator.itemgetter(*(where.get(c, width) for c in importer.COLUMNS))
        pad = [""] * width
        with cursor.cursor.copy(
            f"COPY imp_raw (rowno, {', '.join(importer.COLUMNS)}, ndo_indefinite) FROM STDIN"
        ) as cp:
            write = cp.write_row
            for rec in reader:
                if not rec:  # csv.DictReader skips blank lines without counting them
                    continue
                n += 1
                if len(rec) != width:
                    rec = (rec + pad)[:width]
                rec.append("")
                v = [x.strip() for x in get(rec)]
                v[i_cty] = v[i_cty].upper()
                v[i_em] = v[i_em].lower()
                v[i_status] = v[i_status].lower()
                v[i_notif] = v[i_notif].lower()
                for i in lists:  # importer._list: split on ";", strip each item, drop empty ones
                    if v[i]:
                        v[i] = ";".join([x for x in (y.strip() for y in v[i].split(";")) if x])
                write([n, *v, v[i_ndo].lower() == "indefinite"])
                if n % progress_every == 1:
                    say(f"{n - 1} rows staged")
    return n - 1


def _import(path: Path, *, actor, progress, progress_every: int, exclusive: bool) -> importer.ImportResult:
    say = progress or (lambda msg: None)
    result = importer.ImportResult(sha256=importer.file_sha256(path))
    now = timezone.now()
    say(f"Staging {path.name} ...")
    with transaction.atomic(), connection.cursor() as cursor:
        _drop(cursor)
        try:  # staging tables of a large file outgrow the default 8 MB of temporary buffers
            with transaction.atomic():
                cursor.execute("SET temp_buffers = '1GB'")
        except DatabaseError:
            pass  # only possible before the session's first temporary table
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")  # index builds of an exclusive import
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")
        try:
            with transaction.atomic():
                staged = _stage(cursor, path, say, progress_every)
        except (psycopg.Error, DatabaseError, UnicodeDecodeError) as exc:
            if isinstance(exc, UnicodeDecodeError):
                raise
            raise _Fallback(type(exc).__name__) from exc
        if isinstance(staged, list):
            raise importer.ImportRefused(staged, 1)
        rows = staged
        if rows == 0:
            raise importer.ImportRefused(["the file has no rows"], 1)
        say(f"{rows} rows staged; checking ...")
        _analyze(cursor, "imp_raw")
        _normalise(cursor)
        errors, total = _errors(cursor)
        if total:
            raise importer.ImportRefused(errors, total)
        result.rows = rows
        say(f"{rows} rows are valid; importing ...")
        # The keys were checked above (ids from nextval, agencies just read). In the default mode the per-row
        # foreign-key checks stay deferred to the commit: on a quiet machine that is faster than checking at
        # each statement's end (1M rows: 107 s deferred, 132-136 s immediate; bench/README.md "report").
        # With --exclusive the keys are dropped and re-added (one validating scan each), and ALTER TABLE
        # refuses a table with deferred checks pending: immediate there.
        if exclusive:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            foreign_keys = _drop_foreign_keys(cursor)
            say(f"{len(foreign_keys)} foreign keys dropped until the commit (exclusive import)")
        _write(cursor, result, now, say, exclusive)
        if exclusive:
            say("validating the foreign keys ...")
            for table, name, definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's constraints are all INITIALLY DEFERRED
        _drop(cursor)
        importer._record_import(path, rows, result, actor)
        say(f"{rows}/{rows} rows (100%)")
    return result


def _normalise(cursor) -> None:
    """Build imp_row (one checked, typed row per file row) and imp_tn (one row per identifier named)."""
    # -- dates and times: canonical ones in SQL, the rest through importer._when (also offsets of 16 h or
    #    more, which PostgreSQL cannot parse but Python accepts; they are sent converted to UTC)
    python = "m IS NULL OR coalesce(m[10]::int, 0) > 15"
    cursor.execute(
        f"""CREATE TEMPORARY TABLE imp_when ON COMMIT DROP AS
            SELECT v AS input, CASE WHEN {python} THEN NULL ELSE {_valid_when("m")} END AS ok,
                   CASE WHEN {python} THEN NULL WHEN {_valid_when("m")} THEN v::timestamptz END AS ts
            FROM (SELECT received_at v FROM imp_raw UNION SELECT decided_at FROM imp_raw
                  UNION SELECT closed_at FROM imp_raw) u
            CROSS JOIN LATERAL (SELECT regexp_match(v, %s) m OFFSET 0) x
            WHERE v <> ''""",
        [WHEN_RE],
    )
    cursor.execute("CREATE TEMPORARY TABLE imp_when_py (input text, ok boolean, ts timestamptz) ON COMMIT DROP")
    if _python_map("SELECT input FROM imp_when WHERE ok IS NULL", None, "imp_when_py", "input, ok, ts", _py_when):
        cursor.execute("UPDATE imp_when w SET ok = p.ok, ts = p.ts FROM imp_when_py p WHERE p.input = w.input")
    cursor.execute(
        f"""CREATE TEMPORARY TABLE imp_date ON COMMIT DROP AS
            SELECT v AS input, CASE WHEN m IS NULL THEN NULL ELSE {_valid_ymd("m")} END AS ok,
                   CASE WHEN {_valid_ymd("m")} THEN v::date END AS d
            FROM (SELECT DISTINCT ndo_until v FROM imp_raw WHERE NOT ndo_indefinite AND ndo_until <> '') u
            CROSS JOIN LATERAL (SELECT regexp_match(v, %s) m OFFSET 0) x""",
        [DATE_RE],
    )
    _python_map(
        "SELECT input FROM imp_date WHERE ok IS NULL", None, "imp_date", "input, ok, d", _py_date
    )  # appended rows; the NULL ones are ignored by the join below (ok IS TRUE)
    # -- countries and category lists: few distinct values, through the Python functions themselves
    cursor.execute("CREATE TEMPORARY TABLE imp_cty (input text, ok boolean) ON COMMIT DROP")
    _python_map("SELECT DISTINCT country FROM imp_raw", None, "imp_cty", "input, ok", _py_country)
    cursor.execute(
        """CREATE TEMPORARY TABLE imp_cat (k text, input text, ok boolean, js jsonb, p_any boolean,
           p_content boolean, p_noncontent boolean) ON COMMIT DROP"""
    )
    _python_map(
        "SELECT 'D', data_categories FROM imp_raw UNION SELECT 'P', produced_categories FROM imp_raw",
        None,
        "imp_cat",
        "k, input, ok, js, p_any, p_content, p_noncontent",
        _py_categories,
    )
    # -- identifiers: one row per item of targets (list 0) and targets_not_found (list 1)
    cursor.execute(
        """CREATE TEMPORARY TABLE imp_item ON COMMIT DROP AS
           SELECT r.rowno, l.list, u.pos, u.raw, r.country AS region,
             CASE WHEN octet_length(u.raw) <> char_length(u.raw) OR u.raw ~ '[[:cntrl:]]' THEN 'py'
                  WHEN u.prefix IN ('username', 'user_id', 'link') THEN u.prefix
                  WHEN u.prefix = 'phone' OR left(u.raw, 1) = '+' THEN 'py'
                  WHEN u.raw ~ '^[0-9]+$' THEN 'user_id'
                  WHEN strpos(lower(u.raw), 't.me/') > 0 OR strpos(lower(u.raw), 'telegram.me/') > 0 THEN 'link'
                  ELSE 'username' END AS itype,
             CASE WHEN u.prefix IN ('username', 'user_id', 'link')
                  THEN btrim(substr(u.raw, strpos(u.raw, ':') + 1), ' ') ELSE u.raw END AS arg
           FROM imp_raw r
           CROSS JOIN LATERAL (VALUES (0, r.targets), (1, r.targets_not_found)) l(list, s)
           CROSS JOIN LATERAL (SELECT raw, pos, CASE WHEN strpos(raw, ':') > 0 THEN split_part(raw, ':', 1) END AS prefix
                               FROM unnest(string_to_array(l.s, ';')) WITH ORDINALITY AS t(raw, pos)) u
           WHERE l.s <> ''"""
    )
    cursor.execute(
        """CREATE TEMPORARY TABLE imp_pyt (raw text, region text, ok boolean, identifier_type text, kind text,
           value text) ON COMMIT DROP"""
    )
    _python_map(
        "SELECT DISTINCT raw, region FROM imp_item WHERE itype = 'py'",
        None,
        "imp_pyt",
        "raw, region, ok, identifier_type, kind, value",
        _py_target,
    )
    _analyze(cursor, "imp_item", "imp_pyt")
    not_a_name = "(" + ", ".join(f"'{n}'" for n in NOT_A_NAME) + ")"
    cursor.execute(
        f"""CREATE TEMPORARY TABLE imp_tn ON COMMIT DROP AS
            SELECT i.rowno, i.list, i.pos, i.raw,
                   coalesce(CASE WHEN i.itype = 'py' THEN p.ok ELSE n.ok END, false) AS ok,
                   CASE WHEN i.itype = 'py' THEN p.identifier_type ELSE i.itype END AS identifier_type,
                   CASE WHEN i.itype = 'py' THEN p.kind ELSE n.kind END AS kind,
                   CASE WHEN i.itype = 'py' THEN p.value ELSE n.value END AS value
            FROM imp_item i
            LEFT JOIN imp_pyt p ON i.itype = 'py' AND p.raw = i.raw AND p.region = i.region
            CROSS JOIN LATERAL (SELECT CASE WHEN i.itype = 'username' THEN regexp_replace(i.arg, '^@', '') END AS name,
                                       CASE WHEN i.itype = 'link' THEN btrim(substring(i.arg from %(link)s), '/') END AS path) a
            CROSS JOIN LATERAL (SELECT CASE WHEN a.path IS NOT NULL THEN substring(a.path from %(invite)s) END AS invite,
                                       CASE WHEN a.path IS NOT NULL THEN regexp_replace(split_part(a.path, '/', 1), '^@', '') END AS pname,
                                       split_part(a.path, '/', 1) AS first) b
            CROSS JOIN LATERAL (SELECT
              CASE i.itype
                WHEN 'username' THEN a.name ~ %(user)s
                WHEN 'user_id' THEN i.arg ~ '^[0-9]+$' AND ltrim(i.arg, '0') <> ''
                     AND (char_length(ltrim(i.arg, '0')) < 19 OR (char_length(ltrim(i.arg, '0')) = 19
                          AND ltrim(i.arg, '0') COLLATE "C" <= '9223372036854775807'))
                WHEN 'link' THEN a.path IS NOT NULL AND (b.invite IS NOT NULL
                     OR (lower(b.first) NOT IN {not_a_name} AND b.pname ~ %(user)s))
              END AS ok,
              CASE i.itype WHEN 'link' THEN CASE WHEN b.invite IS NOT NULL THEN 'invite' ELSE 'username' END
                           ELSE i.itype END AS kind,
              CASE i.itype WHEN 'username' THEN lower(a.name) WHEN 'user_id' THEN ltrim(i.arg, '0')
                           WHEN 'link' THEN coalesce(b.invite, lower(b.pname)) END AS value) n""",
        {"link": LINK_RE, "invite": INVITE_RE, "user": USERNAME_RE},
    )
    _analyze(cursor, "imp_tn")
    # The targets of each row: the valid ones, duplicates (after normalisation) counted once, first wins.
    cursor.execute(
        """CREATE TEMPORARY TABLE imp_t ON COMMIT DROP AS
           SELECT DISTINCT ON (rowno, kind, value) rowno, pos, identifier_type, raw, kind, value
           FROM imp_tn WHERE list = 0 AND ok ORDER BY rowno, kind, value, pos"""
    )
    _analyze(cursor, "imp_t", "imp_when", "imp_date", "imp_cty", "imp_cat")
    true, false = sorted(importer.TRUE), sorted(importer.FALSE)
    cursor.execute(
        """CREATE TEMPORARY TABLE imp_row ON COMMIT DROP AS
           SELECT r.rowno, r.external_id AS ext, r.country, r.agency, r.request_type AS rtype,
                  r.final_status AS status, r.rejection_reason AS reason,
                  r.emergency = ANY(%(true)s) OR r.request_type = 'emergency' AS emergency,
                  r.user_notified = ANY(%(true)s) AS notified,
                  wr.ts AS received, wd.ts AS decided, coalesce(wc.ts, wd.ts, wr.ts) AS closed,
                  nd.d AS ndo_until, r.ndo_indefinite, cd.js AS dcat, cp.js AS pcat,
                  cp.p_any, cp.p_content, cp.p_noncontent,
                  coalesce(
                    r.external_id <> '' AND char_length(r.external_id) <= 100
                    AND wr.ok AND cty.ok
                    AND r.agency <> '' AND char_length(r.agency) <= 200
                    AND r.request_type = ANY(%(types)s)
                    AND r.emergency = ANY(%(bools)s)
                    AND cd.ok AND cp.ok
                    AND r.final_status = ANY(%(final)s)
                    AND CASE WHEN r.final_status = 'rejected' THEN r.rejection_reason = ANY(%(reasons)s)
                             ELSE r.rejection_reason = '' END
                    AND NOT (r.final_status IN ('rejected', 'withdrawn') AND jsonb_array_length(cp.js) > 0)
                    AND (r.decided_at = '' OR wd.ok) AND (r.closed_at = '' OR wc.ok)
                    AND (wd.ts IS NULL OR wr.ts IS NULL OR wd.ts >= wr.ts)
                    AND (wc.ts IS NULL OR wr.ts IS NULL OR wc.ts >= wr.ts)
                    AND (r.ndo_indefinite OR r.ndo_until = '' OR nd.ok)
                    AND r.user_notified = ANY(%(bools)s),
                  false) AS ok
           FROM imp_raw r
           LEFT JOIN imp_when wr ON wr.input = r.received_at
           LEFT JOIN imp_when wd ON wd.input = r.decided_at
           LEFT JOIN imp_when wc ON wc.input = r.closed_at
           LEFT JOIN imp_date nd ON nd.input = r.ndo_until AND nd.ok
           LEFT JOIN imp_cty cty ON cty.input = r.country
           LEFT JOIN imp_cat cd ON cd.k = 'D' AND cd.input = r.data_categories
           LEFT JOIN imp_cat cp ON cp.k = 'P' AND cp.input = r.produced_categories""",
        {
            "true": true,
            "bools": true + false,
            "types": list(rules.REQUEST_TYPES),
            "final": list(importer.FINAL),
            "reasons": sorted(importer.REASONS),
        },
    )
    _analyze(cursor, "imp_row")
    # A row with a bad identifier, or a not-found identifier that is not among its targets, is broken.
    cursor.execute(
        """UPDATE imp_row r SET ok = false FROM (
             SELECT rowno FROM imp_tn WHERE NOT ok
             UNION
             SELECT n.rowno FROM imp_tn n WHERE n.list = 1 AND n.ok AND NOT EXISTS (
               SELECT 1 FROM imp_t t WHERE t.rowno = n.rowno AND t.kind = n.kind AND t.value = n.value)
           ) bad WHERE bad.rowno = r.rowno AND r.ok"""
    )


def _errors(cursor) -> tuple[list[str], int]:
    """(the first 50 error lines, the number of problems); messages from importer.parse_row itself."""
    cursor.execute(
        """WITH dup AS (SELECT rowno, ext FROM (
                 SELECT rowno, ext, row_number() OVER (PARTITION BY ext ORDER BY rowno) AS k FROM imp_row WHERE ok
               ) d WHERE k > 1),
             bad AS (SELECT rowno, NULL::text AS ext FROM imp_row WHERE NOT ok UNION ALL SELECT rowno, ext FROM dup)
           SELECT rowno, ext, count(*) OVER () FROM bad ORDER BY rowno LIMIT %s""",
        [importer.MAX_ERRORS_SHOWN],
    )
    found = cursor.fetchall()
    if not found:
        return [], 0
    total = found[0][2]
    cols = ", ".join(importer.COLUMNS)
    cursor.execute(
        f"SELECT rowno, {cols} FROM imp_raw WHERE rowno = ANY(%s)", [[n for n, ext, _ in found if ext is None]]
    )
    raw = {r[0]: dict(zip(importer.COLUMNS, r[1:], strict=True)) for r in cursor.fetchall()}
    errors = []
    for n, ext, _ in found:
        if ext is not None:
            errors.append(f"row {n}: external_id “{ext}” appears twice in the file")
            continue
        try:
            importer.parse_row(raw[n])
        except importer.RowError as exc:
            errors.append(f"row {n}: {exc}")
        else:  # the SQL check and parse_row disagree: let the per-row path decide
            raise _Fallback(f"row {n} flagged in SQL but accepted by parse_row")
    return errors, total


@functools.cache
def _types_values() -> str:
    out = []
    for code, t in rules.REQUEST_TYPES.items():
        out.append(f"('{code}', '{t.frameworks[0]}', {t.preservation}, {t.national_security})")
    return ", ".join(out)


def _seconds(a: str, b: str) -> str:
    return f"trunc(extract(epoch FROM ({b} - {a})))::bigint"


# The foreign keys whose per-row checks an exclusive import replaces by one validation each; the
# nullable user references of a request are left alone (NULL for imported rows, and dropping them
# would lock the users table).
EXCLUSIVE_FKS = (
    (LegalRequest, "agency"),
    (Target, "request"),
    (RequestFacts, "request"),
    (TargetFacts, "request"),
    (TargetFacts, "target"),
)


def _drop_foreign_keys(cursor) -> list[tuple[str, str, str]]:
    """Drop EXCLUSIVE_FKS; (quoted table, constraint name, definition) of each, to add back."""
    out = []
    for model, field_name in EXCLUSIVE_FKS:
        column = model._meta.get_field(field_name).column
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(
            """SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
               WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND a.attname = %s""",
            [table, column],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
            out.append((table, name, definition))
    return out


# The tables whose secondary indexes an exclusive import builds after its inserts (when they are small).
EXCLUSIVE_TABLES = (LegalRequest, Target, RequestFacts, TargetFacts)


def _drop_indexes(cursor, rows: int) -> list[tuple[str, str]]:
    """Drop the secondary indexes (and the unique constraints no foreign key relies on) of each table of
    EXCLUSIVE_TABLES that holds fewer rows than the import adds to it (`rows` requests; the other tables
    grow by at least as many), so they are built once from the finished table instead of maintained row by
    row; a table already larger keeps its indexes (rebuilding them would read all its rows). The primary
    keys stay (the foreign keys of other tables use them), and so do partial indexes: imported requests are
    final, so they never enter the open-request indexes, and a build would scan the whole table for nothing.
    Returns (table, statement) for each statement that puts something back.
    """
    q = connection.ops.quote_name
    restore = []
    for model in EXCLUSIVE_TABLES:
        table = q(model._meta.db_table)
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) t", [rows])
        if cursor.fetchone()[0] >= rows:
            continue
        cursor.execute(
            """SELECT c.conname, pg_get_constraintdef(c.oid), pg_get_indexdef(i.indexrelid), i.indexrelid::regclass::text
               FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
               WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND i.indpred IS NULL
                 AND (c.oid IS NULL OR c.contype = 'u')
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
               ORDER BY 4""",
            [table],
        )
        for constraint, definition, index_def, index in cursor.fetchall():
            if constraint is None:
                cursor.execute(f"DROP INDEX {index}")
                restore.append((table, index_def))
            else:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {q(constraint)}")
                restore.append((table, f"ALTER TABLE {table} ADD CONSTRAINT {q(constraint)} {definition}"))
    return restore


def _write(cursor, result: importer.ImportResult, now, say: Callable[[str], None], exclusive: bool = False) -> None:
    q = connection.ops.quote_name
    lr_table = q(LegalRequest._meta.db_table)
    cursor.execute(
        "SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')",
        [LegalRequest._meta.db_table, Target._meta.db_table],
    )
    lr_seq, t_seq = cursor.fetchone()
    cursor.execute(
        f"""CREATE TEMPORARY TABLE imp_new ON COMMIT DROP AS
            SELECT nextval(%s::regclass) AS id, r.* FROM imp_row r
            WHERE NOT EXISTS (SELECT 1 FROM {lr_table} lr WHERE lr.external_id = r.ext) ORDER BY r.ext""",
        [lr_seq],
    )
    result.created = cursor.rowcount
    result.skipped = result.rows - result.created
    _analyze(cursor, "imp_new")
    Lk = Target.Lookup
    cursor.execute(
        f"""CREATE TEMPORARY TABLE imp_tt ON COMMIT DROP AS
            SELECT nextval(%s::regclass) AS id, n.id AS request_id, t.identifier_type,
                   left(t.raw, 300) AS raw_value, t.kind, t.value, f.found,
                   CASE WHEN f.found THEN '{Lk.FOUND}' ELSE '{Lk.NOT_FOUND}' END AS lookup,
                   n.closed AS looked_up_at, CASE WHEN f.found AND n.notified THEN n.closed END AS notified_at
            FROM imp_t t JOIN imp_new n ON n.rowno = t.rowno
            LEFT JOIN (SELECT DISTINCT rowno, kind, value FROM imp_tn WHERE list = 1 AND ok) x
              ON x.rowno = t.rowno AND x.kind = t.kind AND x.value = t.value
            CROSS JOIN LATERAL (SELECT x.rowno IS NULL AS found) f
            ORDER BY n.id, t.pos""",
        [t_seq],
    )
    _analyze(cursor, "imp_tt")
    cursor.execute(
        """CREATE TEMPORARY TABLE imp_cnt ON COMMIT DROP AS
           SELECT request_id, count(*) AS accounts, count(*) FILTER (WHERE found) AS found,
                  count(notified_at) AS notified FROM imp_tt GROUP BY request_id ORDER BY request_id"""
    )
    cursor.execute(
        f"CREATE TEMPORARY TABLE imp_types (code text, framework text, preservation boolean, "
        f"national_security boolean) ON COMMIT DROP; INSERT INTO imp_types VALUES {_types_values()}"
    )
    if exclusive:
        restore = _drop_indexes(cursor, result.created)
        if restore:
            say(f"{len(restore)} indexes dropped until the requests are written (exclusive import)")
    say("staged; inserting agencies ...")
    result.agencies_created = _insert_select(
        cursor,
        Agency,
        {"name": "s.agency", "country": "s.country"},
        "FROM (SELECT DISTINCT agency, country FROM imp_new) s ON CONFLICT (name, country) DO NOTHING",
        now,
        consts={"kind": Agency.Kind.OTHER},
    )
    cursor.execute(
        f"""CREATE TEMPORARY TABLE imp_ag ON COMMIT DROP AS SELECT a.id, a.name, a.country
            FROM {q(Agency._meta.db_table)} a JOIN (SELECT DISTINCT agency, country FROM imp_new) s
            ON a.name = s.agency AND a.country = s.country"""
    )
    _analyze(cursor, "imp_cnt", "imp_types", "imp_ag")
    Oc = LegalRequest.Outcome
    outcome = (
        f"CASE n.status WHEN 'rejected' THEN '{Oc.REJECTED}' WHEN 'withdrawn' THEN '{Oc.WITHDRAWN}' "
        f"ELSE CASE WHEN jsonb_array_length(n.pcat) > 0 THEN '{Oc.DATA_PRODUCED}' "
        f"WHEN ty.preservation THEN '{Oc.PRESERVED}' ELSE '{Oc.NO_DATA}' END END"
    )
    status = "CASE n.status " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in importer.FINAL.items()) + " END"
    say("inserting requests ...")
    # No ORDER BY: imp_new and imp_tt were written in key order and are read in it (hash joins keep the
    # order of their outer side), so the primary keys and external ids are appended in order anyway.
    base_from = (
        "FROM imp_new n JOIN imp_ag g ON g.name = n.agency AND g.country = n.country "
        "JOIN imp_types ty ON ty.code = n.rtype"
    )
    _insert_select(
        cursor,
        LegalRequest,
        {
            "id": "n.id",
            "agency_id": "g.id",
            "reference": "'IMP-' || upper(left(encode(sha256(convert_to(n.ext, 'UTF8')), 'hex'), 16))",
            "external_id": "n.ext",
            "request_type": "n.rtype",
            "legal_framework": "ty.framework",
            "country": "n.country",
            "emergency": "n.emergency",
            "ndo_until": "n.ndo_until",
            "ndo_indefinite": "n.ndo_indefinite",
            "data_categories": "n.dcat",
            "received_at": "n.received",
            "decided_at": "n.decided",
            "produced_at": "CASE WHEN jsonb_array_length(n.pcat) > 0 THEN n.closed END",
            "closed_at": "n.closed",
            "status": status,
            "outcome": outcome,
            "rejection_reason": "n.reason",
            "produced_categories": "n.pcat",
        },
        base_from,
        now,
        consts={"created_at": now, "updated_at": now},
    )
    say(f"{result.created} requests inserted; inserting targets ...")
    result.targets = _insert_select(
        cursor,
        Target,
        {
            "id": "t.id",
            "request_id": "t.request_id",
            "identifier_type": "t.identifier_type",
            "raw_value": "t.raw_value",
            "kind": "t.kind",
            "value": "t.value",
            "lookup": "t.lookup",
            "looked_up_at": "t.looked_up_at",
            "notified_at": "t.notified_at",
        },
        "FROM imp_tt t",
        now,
    )
    say(f"{result.targets} targets inserted; inserting report facts ...")
    # importer.facts_values, set-based: stamped `now`, the requests' updated_at, so they are current.
    _insert_select(
        cursor,
        RequestFacts,
        {
            "request_id": "n.id",
            "received_at": "n.received",
            "country": "n.country",
            "request_type": "n.rtype",
            "emergency": "n.emergency",
            "preservation": "ty.preservation",
            "national_security": "ty.national_security",
            "final": "true",
            "outcome": outcome,
            "rejection_reason": "n.reason",
            "accounts": "coalesce(c.accounts, 0)",
            "accounts_found": "coalesce(c.found, 0)",
            "accounts_with_data": "CASE WHEN n.p_any THEN coalesce(c.found, 0) ELSE 0 END",
            "users_notified": "coalesce(c.notified, 0)",
            "produced_any": "n.p_any",
            "produced_content": "n.p_content",
            "produced_noncontent": "n.p_noncontent",
            "ndo": "n.ndo_indefinite OR n.ndo_until IS NOT NULL",
            "seconds_to_ack": "NULL",
            "seconds_to_decision": _seconds("n.received", "n.decided"),
            "seconds_to_produce": f"CASE WHEN n.p_any THEN {_seconds('n.received', 'n.closed')} END",
            "dsa_order": "n.rtype = 'dsa_art10'",
            "seconds_to_final": _seconds("n.received", "n.closed"),
        },
        base_from + " LEFT JOIN imp_cnt c ON c.request_id = n.id",
        now,
        consts={"updated_at": now},
    )
    say("inserting per-account facts ...")
    # Same as importer._insert_batch: with data = found + produced.
    _insert_select(
        cursor,
        TargetFacts,
        target_facts_columns(
            received_at="n.received",
            country="n.country",
            request_type="n.rtype",
            national_security="ty.national_security",
            preservation="ty.preservation",
            with_data="n.p_any AND t.found",
        ),  # fmt: skip
        "FROM imp_tt t JOIN imp_new n ON n.id = t.request_id JOIN imp_types ty ON ty.code = n.rtype",
        now,
    )
    if exclusive and restore:
        say(f"building {len(restore)} indexes ...")
        # Statistics first: the planner sizes an index build's parallel workers by the table's row count,
        # which still says "empty" until the table is analysed.
        _analyze(cursor, *dict.fromkeys(table for table, _ in restore))
        for _, statement in restore:
            cursor.execute(statement)
