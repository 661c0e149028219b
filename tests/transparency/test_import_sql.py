"""The import accepts and refuses exactly what importer.parse_row accepts and refuses, and stores what the Python
value builders say, for awkward values of every column.

On PostgreSQL (DATABASE_URL set) this checks the SQL path of CSV imports (transparency/sqlimport.py), where
dates, identifiers and the other rules are checked in SQL; on SQLite the portable path.
"""

import pytest
from django.db import connection

from requests_app.models import LegalRequest, Target
from tests.factories import import_csv as write
from tests.factories import import_row as row
from transparency import importer
from transparency.importer import ImportRefused, import_file
from transparency.models import RequestFacts, TargetFacts

pytestmark = pytest.mark.django_db

WHEN = [
    "2025-03-31",
    " 2025-03-31T14:00:00Z ",
    "2025-03-31 14:00",
    "2025-03-31T14:00:00+05:30",
    "2025-03-31T14:00:00-00:00",
    "2025-03-31T14:00:00+23:59",
    "2024-02-29",
    "2000-02-29T00:00:00",
    "2025-3-5",
    "20250331",
    "2025-03-31T14:00:00.123456Z",
    "2025-03-31T14:00:00+0200",
]
BAD_WHEN = [
    "2025-02-29",
    "1900-02-29",
    "2025-04-31",
    "2025-13-01",
    "0000-01-01",
    "2025-03-31T24:00:00",
    "2025-03-31T23:59:60",
    "2025-03-31T14:00:00+24:00",
    "2025-03-31Z",
    "yesterday",
    "2025-03-31T14:60",
]
TARGETS = [
    "+33 6 12 34 56 78",
    "phone:+33612345678",
    "some_user",
    "@Some_User",
    "USER_NAME",
    "username:Other_User",
    "username: spaced_user",
    "00042",
    "user_id:7",
    "9223372036854775807",
    "https://t.me/achannel",
    "T.ME/SomeOne/12/",
    "www.t.me/someone_else",
    "t.me/+abcdefgh12",
    "https://t.me/joinchat/abcdefgh12_-",
    "telegram.me//@lead_at",
    "link:t.me/linked_one",
    "٣٣٣",
]
BAD_TARGETS = [
    "+33 1",
    "phone:12",
    "@@some_user",
    "abc",
    "username:",
    "user_id:0",
    "user_id:abc",
    "9223372036854775808",
    "t.me/c/123",
    "t.me/s/someone",
    "https://t.me/someone?x=1",
    "link:someone",
    "Phone:+33612345678",
    "üser_name",
    "t.me/",
    "ｕｓｅｒｎａｍｅ",
]


def corpus(good: bool) -> list[dict]:
    rows = []
    n = 0

    def add(**over):
        nonlocal n
        n += 1
        rows.append(row(n, **over))

    if good:
        for w in WHEN:
            add(received_at=w, decided_at="", closed_at="")
            add(received_at="1999-01-01", decided_at=w, closed_at=w)
        for t in TARGETS:
            add(targets=[t, "filler_user"], targets_not_found=[t] if n % 2 else [])
        add(targets=["some_user", "SOME_USER", "@some_user"], targets_not_found=["Some_User"])
        add(targets=[], targets_not_found=[])
        add(targets=" ;some_user; ;", targets_not_found="")
        for c in ("fr", " De ", "ﬁ", "xk"):
            add(country=c)
        for b in ("YES", "t", "Y", " 1 ", "", "No", "FALSE", "f"):
            add(emergency=b, user_notified=b)
        add(final_status=" Closed ", produced_categories=[])
        add(final_status="REJECTED", rejection_reason=" overbroad ", produced_categories=[])
        add(final_status="withdrawn", produced_categories=[])
        add(request_type="preservation", produced_categories=[])
        add(request_type="emergency", emergency="false")
        add(data_categories=";;subscriber_info; ip_logs;", produced_categories="subscriber_info;subscriber_info")
        add(data_categories=[], produced_categories=[])
        for d in ("indefinite", "INDEFINITE", "2026-01-01", "2026-1-1", "20260101", ""):
            add(ndo_until=d)
        add(external_id="x" * 100)
        add(agency="A" * 200)
        add(agency="  Gendarmerie  ")
        add(received_at="2025-03-31T14:00:00+02:00", decided_at="2025-03-31T12:00:00Z", closed_at="2025-03-31T12:00Z")
    else:
        add()  # the one good row
        for w in BAD_WHEN:
            add(received_at=w)
        add(received_at="")
        add(received_at="2025-03-31", decided_at="2025-03-30")
        add(received_at="2025-03-31T14:00:00+02:00", closed_at="2025-03-31T11:59:59Z")
        for t in BAD_TARGETS:
            add(targets=["some_user", t], targets_not_found=[])
        add(targets=["some_user"], targets_not_found=["other_user"])
        add(targets=["some_user"], targets_not_found=["+33 1"])
        for c in ("QQ", "", "France"):
            add(country=c)
        for b in ("2", "maybe", "ja"):
            add(emergency=b)
        add(user_notified="oui")
        add(final_status="open")
        add(final_status="rejected", rejection_reason="", produced_categories=[])
        add(final_status="rejected", rejection_reason="because", produced_categories=[])
        add(final_status="closed", rejection_reason="overbroad")
        add(final_status="withdrawn")
        add(data_categories=["bogus"])
        add(produced_categories=["secret_chat_content"])
        for d in ("2026-02-30", "soon", "indefinitely"):
            add(ndo_until=d)
        add(external_id="")
        add(external_id="x" * 101)
        add(agency="")
        add(agency="A" * 201)
        add(request_type="letter_rogatory")
        add(external_id="ext-1")  # the same as row 2 of the file
        add(country="QQ", targets=["abc"], received_at="soon", final_status="")  # several problems at once
    return rows


def python_errors(path) -> list[str]:
    errors, seen = [], set()
    for n, raw in importer.read_rows(path):
        try:
            parsed = importer.parse_row(raw)
        except importer.RowError as exc:
            errors.append(f"row {n}: {exc}")
            continue
        if parsed.external_id in seen:
            errors.append(f"row {n}: external_id “{parsed.external_id}” appears twice in the file")
        seen.add(parsed.external_id)
    return errors


def test_broken_rows_are_the_ones_parse_row_refuses_with_its_messages(tmp_path):
    path = write(tmp_path, corpus(good=False))
    expected = python_errors(path)
    assert len(expected) == len(corpus(good=False)) - 1  # every row but the first is broken
    with pytest.raises(ImportRefused) as refused:
        import_file(path)
    assert refused.value.total == len(expected)
    assert refused.value.errors == expected[: importer.MAX_ERRORS_SHOWN]
    assert not LegalRequest.objects.exists()


def test_more_than_fifty_problems_shows_the_first_fifty_and_counts_all(tmp_path):
    path = write(tmp_path, [row(i, country="QQ" if i % 2 else "FR") for i in range(1, 201)])
    with pytest.raises(ImportRefused) as refused:
        import_file(path)
    assert refused.value.total == 100
    assert refused.value.errors == python_errors(path)[:50]
    assert refused.value.errors[0].startswith("row 2: country “QQ”")


def test_accepted_rows_are_stored_as_the_python_builders_say(tmp_path):
    path = write(tmp_path, corpus(good=True))
    assert python_errors(path) == []
    result = import_file(path)
    parsed = [importer.parse_row(raw) for _, raw in importer.read_rows(path)]
    assert result.created == len(parsed) == LegalRequest.objects.count()
    skip = {"created_at", "updated_at"}
    for p in parsed:
        req = LegalRequest.objects.get(external_id=p.external_id)
        want = importer.request_values(p, req.updated_at)
        got = {k: getattr(req, k) for k in want if k not in skip} | {"country": req.country.code}
        assert got == {k: v for k, v in want.items() if k not in skip}, p.external_id
        assert req.agency.name == p.agency and req.agency.country.code == p.country
        tv = importer.target_values(p)
        got_targets = list(
            req.targets.order_by("id").values(
                "identifier_type", "raw_value", "kind", "value", "lookup", "looked_up_at", "notified_at"
            )
        )
        assert got_targets == tv, p.external_id
        facts = RequestFacts.objects.get(request=req)
        want_facts = importer.facts_values(p, tv, req.updated_at)
        assert {k: getattr(facts, k) for k in want_facts} == want_facts, p.external_id
        tfacts = TargetFacts.objects.filter(request=facts).order_by("target_id")
        assert [(t.account_key, t.with_data) for t in tfacts] == [
            (f"{t['kind']}:{t['value']}", facts.produced_any and t["lookup"] == Target.Lookup.FOUND) for t in tv
        ]
    # and a second run imports nothing new
    again = import_file(path)
    assert (again.created, again.skipped) == (0, len(parsed))


def test_csv_quoting_blank_lines_short_rows_and_column_order(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text(
        "\ufeffagency,external_id,received_at,country,request_type,final_status,targets,extra\n"
        '"Police, ""nationale""",q-1,2025-02-03,FR,subpoena,closed,"a_user;\nb_user",x\n'
        "\n"
        "BKA,q-2,2025-02-04,DE,subpoena,closed\n"
        "BKA,q-3,2025-02-05,DE,subpoena,closed,,x,y,z\n",
        encoding="utf-8",
    )
    result = import_file(path)
    assert (result.rows, result.created, result.targets) == (3, 3, 2)
    first = LegalRequest.objects.get(external_id="q-1")
    assert first.agency.name == 'Police, "nationale"'
    assert set(first.targets.values_list("value", flat=True)) == {"a_user", "b_user"}
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "external_id,received_at,country,agency,request_type,final_status\n"
        "b-1,2025-02-03,FR,X,subpoena,closed\n"
        "\n"
        "b-2,2025-02-03,QQ,X,subpoena,closed\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(broken)
    assert refused.value.errors == ["row 3: country “QQ” is not an ISO 3166-1 alpha-2 code"]


def test_the_postgresql_csv_path_is_the_sql_one(tmp_path, monkeypatch):
    """On PostgreSQL a CSV file does not go through parse_row row by row (only the messages of broken rows do)."""
    calls = []
    real = importer.parse_row
    monkeypatch.setattr(importer, "parse_row", lambda raw: calls.append(1) or real(raw))
    import_file(write(tmp_path, [row(i) for i in range(1, 21)]))
    assert LegalRequest.objects.count() == 20
    assert len(calls) == (0 if connection.vendor == "postgresql" else 20)


def _foreign_keys():
    out = set()
    with connection.cursor() as cursor:
        for model in (LegalRequest, Target, RequestFacts, TargetFacts):
            table = model._meta.db_table
            for c in connection.introspection.get_constraints(cursor, table).values():
                if c["foreign_key"]:
                    out.add((table, tuple(c["columns"]), c["foreign_key"]))
    return out


def test_an_exclusive_import_puts_every_foreign_key_back(tmp_path):
    before = _foreign_keys()
    assert len(before) >= 5
    result = import_file(write(tmp_path, [row(i) for i in range(1, 6)]), exclusive=True)
    assert (result.created, result.targets) == (5, 15)
    assert _foreign_keys() == before
    assert TargetFacts.objects.filter(request__request__external_id="ext-3").count() == 3


def test_if_the_sql_check_and_parse_row_ever_disagree_the_per_row_path_decides(tmp_path, monkeypatch, caplog):
    """A (simulated) rule drift: the SQL side refuses every country, parse_row accepts them; the import must
    not refuse a good file, it falls back to the per-row path (logged without personal data)."""
    from transparency import sqlimport

    monkeypatch.setattr(sqlimport, "_py_country", lambda text: (text, False))
    caplog.set_level("WARNING", logger="transparency.sqlimport")
    result = import_file(write(tmp_path, [row(i) for i in range(1, 4)]))
    assert (result.created, result.targets) == (3, 9)
    assert RequestFacts.objects.count() == 3
    if connection.vendor == "postgresql":
        assert "flagged in SQL but accepted by parse_row" in caplog.text and "ext-" not in caplog.text
