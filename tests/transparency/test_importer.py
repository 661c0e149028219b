"""Bulk import: validate everything first, all or nothing, idempotent by external_id, one audit event."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from requests_app.models import Agency, EventType, LegalRequest, RequestEvent, Target
from tests.factories import import_csv as write
from tests.factories import import_row as row
from transparency import aggregation, periods
from transparency.importer import ImportRefused, import_file, reference_for
from transparency.models import RequestFacts
from transparency.services import facts_sync

pytestmark = pytest.mark.django_db


def test_import_creates_requests_targets_facts_and_one_event(tmp_path):
    rows = [
        row(1),
        row(2, final_status="rejected", rejection_reason="overbroad", produced_categories=[]),
        row(3, request_type="preservation", produced_categories=[], agency="Gendarmerie"),
        row(4, request_type="emergency", emergency=False, produced_categories=["cloud_chat_content"]),
    ]
    result = import_file(write(tmp_path, rows))
    assert (result.created, result.skipped, result.targets, result.agencies_created) == (4, 0, 12, 2)
    req = LegalRequest.objects.get(external_id="ext-1")
    assert req.reference == reference_for("ext-1") and len(req.reference) == 20
    assert (req.status, req.outcome, req.agency.country.code, req.ndo_until.isoformat()) == (
        "closed",
        "data_produced",
        "FR",
        "2026-01-01",
    )
    assert set(req.targets.values_list("kind", "value", "lookup")) == {
        ("phone", "+33612345678", "found"),
        ("username", "some_user", "found"),
        ("username", "achannel", "not_found"),
    }
    assert req.targets.filter(notified_at__isnull=False).count() == 2
    assert LegalRequest.objects.get(external_id="ext-3").outcome == "preserved"
    assert LegalRequest.objects.get(external_id="ext-4").emergency  # the emergency type implies the flag
    facts = RequestFacts.objects.get(request=req)
    assert (facts.accounts, facts.accounts_found, facts.accounts_with_data, facts.users_notified) == (3, 2, 2, 2)
    events = RequestEvent.objects.filter(event_type=EventType.IMPORTED)
    assert events.count() == 1 and events.get().payload["created"] == 4

    snap = aggregation.build_snapshot(periods.parse("2025-H1"))
    assert (snap["totals"]["requests"], snap["totals"]["rejected"], snap["preservation"]["requests"]) == (3, 1, 1)
    assert snap["totals"]["content"] == 1 and snap["totals"]["ndo"] == 3


def test_import_is_idempotent(tmp_path):
    path = write(tmp_path, [row(1), row(2)])
    import_file(path)
    again = import_file(write(tmp_path, [row(1), row(2), row(3)], "second.csv"))
    assert (again.created, again.skipped) == (1, 2)
    assert LegalRequest.objects.count() == 3 and Target.objects.count() == 9
    assert Agency.objects.filter(name="Police nationale").count() == 1


def test_broken_rows_are_reported_by_number_and_nothing_is_imported(tmp_path):
    rows = [
        row(1),
        row(2, country="QQ"),
        row(3, request_type="letter_rogatory", received_at="yesterday"),
        row(4, final_status="rejected", produced_categories=[]),
        row(5, produced_categories=["secret_chat_content"]),
        row(6, targets=["x"], targets_not_found=[]),
        row(1),  # duplicate external_id
    ]
    with pytest.raises(ImportRefused) as exc:
        import_file(write(tmp_path, rows))
    errors = "\n".join(exc.value.errors)
    assert "row 3: country “QQ”" in errors
    assert "row 4:" in errors and "letter_rogatory" in errors and "“yesterday” is not a date" in errors
    assert "row 5: a rejected request needs a rejection_reason" in errors
    assert "row 6: “secret_chat_content” is end-to-end encrypted" in errors
    assert "row 7: “x” is not a valid username" in errors
    assert "row 8: external_id “ext-1” appears twice" in errors
    assert exc.value.total == 6
    assert not LegalRequest.objects.exists() and not Agency.objects.exists()
    assert not RequestEvent.objects.filter(event_type=EventType.IMPORTED).exists()


def test_json_lines(tmp_path):
    path = tmp_path / "import.jsonl"
    lines = [json.dumps(row(1)), "", json.dumps(row(2, targets="12345;other_user", targets_not_found=""))]
    path.write_text("\n".join(lines), encoding="utf-8")
    assert import_file(path).created == 2
    assert set(LegalRequest.objects.get(external_id="ext-2").targets.values_list("kind", flat=True)) == {
        "user_id",
        "username",
    }
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(row(3)) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="1 problem"):
        import_file(bad)


def test_missing_columns_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("external_id,country\nA,FR\n")
    with pytest.raises(ImportRefused) as exc:
        import_file(path)
    assert "the header lacks the column(s) received_at, agency, request_type, final_status" in exc.value.errors[0]


def test_command_shows_progress_and_errors(tmp_path, capsys):
    path = write(tmp_path, [row(i) for i in range(1, 8)])
    call_command("import_requests", str(path), "--batch-size", "3")
    out = capsys.readouterr().out
    if connection.vendor == "postgresql":  # one pass: COPY into staging, then set-based inserts
        assert "3 rows checked" in out and "6 rows checked" in out and "7 requests inserted" in out
    else:
        assert "3/7 rows (42%)" in out and "6/7 rows" in out
    assert "Imported 7 requests with 21 targets" in out
    broken = write(tmp_path, [row(9, country="")], "broken.csv")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_requests", str(broken))
    assert "row 2: country" in capsys.readouterr().err


def test_imported_facts_are_current_so_the_first_build_rewrites_none(tmp_path):
    import_file(write(tmp_path, [row(1), row(2, final_status="withdrawn", produced_categories=[])]))
    for req in LegalRequest.objects.all():
        assert RequestFacts.objects.get(request=req).updated_at >= req.updated_at
    stamps = dict(RequestFacts.objects.values_list("request_id", "updated_at"))
    assert facts_sync(period=periods.parse("2025-H1")) == 0
    assert dict(RequestFacts.objects.values_list("request_id", "updated_at")) == stamps
