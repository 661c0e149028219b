"""Building a package: exactly the approved categories, manifest hashes, certificate, idempotency, failures."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from requests_app.lifecycle import Status
from requests_app.models import EventType, LegalRequest, RequestEvent, Target
from requests_app.production import services, tasks
from requests_app.production.models import Production, ProductionFile
from requests_app.production.records import DemoRecordSource, NotProducible
from tests.factories import approve, sign
from tests.production.helpers import manifest_of, package_zip

pytestmark = pytest.mark.django_db


def start(request, reviewer, capture):
    with capture(execute=True):
        return services.production_start(request=request, actor=reviewer.user)


def test_package_holds_exactly_the_approved_categories(
    approved_request, reviewer, custodian, django_capture_on_commit_callbacks
):
    production = start(approved_request, reviewer, django_capture_on_commit_callbacks)
    production.refresh_from_db()
    # Built, not released: the certificate is a draft until a custodian signs it.
    assert production.status == Production.Status.UNSIGNED
    approved_request.refresh_from_db()
    assert approved_request.status == Status.PRODUCING
    with django_capture_on_commit_callbacks(execute=True):
        production = sign(production, custodian)
    assert production.status == Production.Status.READY
    zf = package_zip(production)
    folder = "target-01-username-some_user"
    data_files = sorted(n for n in zf.namelist() if n.startswith("target-"))
    assert data_files == [
        f"{folder}/cloud_chat_content.csv",
        f"{folder}/cloud_chat_content.json",
        f"{folder}/subscriber_info.csv",
        f"{folder}/subscriber_info.json",
    ]  # IP logs were denied; the unknown account has no folder
    assert {"manifest.json", "manifest.sha256", "certificate-of-authenticity.pdf", "README.txt"} <= set(zf.namelist())
    messages = json.loads(zf.read(f"{folder}/cloud_chat_content.json"))
    assert messages and all("2026-01-01" <= m["timestamp"][:10] <= "2026-02-28" for m in messages)
    assert zf.read(f"{folder}/cloud_chat_content.csv").decode().splitlines()[0].startswith("message_id,timestamp")

    approved_request.refresh_from_db()
    assert approved_request.status == Status.DELIVERED
    assert approved_request.produced_categories == ["subscriber_info", "cloud_chat_content"]
    assert approved_request.outcome == LegalRequest.Outcome.DATA_PRODUCED
    assert Target.objects.get(request=approved_request, value="unknown_person").lookup == Target.Lookup.NOT_FOUND


def test_manifest_hashes_match_the_files(approved_request, reviewer, django_capture_on_commit_callbacks):
    production = start(approved_request, reviewer, django_capture_on_commit_callbacks)
    production.refresh_from_db()
    zf = package_zip(production)
    manifest = manifest_of(zf)
    assert hashlib.sha256(zf.read("manifest.json")).hexdigest() == production.manifest_sha256
    assert zf.read("manifest.sha256").decode().split()[0] == production.manifest_sha256
    assert len(manifest["files"]) == 4
    for entry in manifest["files"]:
        body = zf.read(entry["path"])
        assert len(body) == entry["size"]
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    assert manifest["request"] == approved_request.reference
    assert [c["code"] for c in manifest["categories"]] == ["subscriber_info", "cloud_chat_content"]
    assert ProductionFile.objects.filter(production=production).count() == 4


def test_certificate_names_request_and_manifest_hash(approved_request, reviewer, django_capture_on_commit_callbacks):
    production = start(approved_request, reviewer, django_capture_on_commit_callbacks)
    production.refresh_from_db()
    pdf = package_zip(production).read("certificate-of-authenticity.pdf")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout
    assert approved_request.reference in text
    assert production.manifest_sha256 in text
    assert "902(11)" in text
    assert "DRAFT" in text  # not signed yet


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout


def test_custodian_signature_replaces_only_the_certificate(
    approved_request, reviewer, custodian, supervisor, django_capture_on_commit_callbacks
):
    production = start(approved_request, reviewer, django_capture_on_commit_callbacks)
    production.refresh_from_db()
    draft = package_zip(production)
    before = {n: draft.read(n) for n in draft.namelist()}
    old_file = production.file.name
    # An unsigned package cannot be released, and nobody can download it.
    with pytest.raises(services.ProductionError, match="still a draft: a custodian of records must sign it"):
        services.production_release(production=production)
    # Only a custodian of records signs: a supervisor without the role is refused.
    with pytest.raises(services.PermissionDenied, match="custodian of records"):
        services.certificate_sign(production=production, actor=supervisor.user)
    with django_capture_on_commit_callbacks(execute=True):
        signed = sign(production, custodian)
    assert signed.status == Production.Status.READY and signed.expires_at is not None
    assert signed.certificate_signed_by == custodian.user and signed.certificate_signed_at is not None
    after_zip = package_zip(signed)  # checks the new SHA-256 of the zip
    after = {n: after_zip.read(n) for n in after_zip.namelist()}
    assert list(after) == list(before)  # same files, same order
    for name in before:
        if name != "certificate-of-authenticity.pdf":
            assert after[name] == before[name], name
    text = pdf_text(after["certificate-of-authenticity.pdf"])
    assert "DRAFT" not in text and custodian.full_name in text and signed.manifest_sha256 in text
    assert not default_storage.exists(old_file)  # the draft package is gone
    approved_request.refresh_from_db()
    assert approved_request.status == Status.DELIVERED
    assert RequestEvent.objects.filter(
        request=approved_request, event_type=EventType.PRODUCTION, message__contains="signed by"
    ).exists()
    with pytest.raises(services.ProductionError, match="no certificate waiting"):
        sign(signed, custodian)


def test_e2ee_and_unapproved_categories_never_produced(submit, reviewer, django_capture_on_commit_callbacks):
    request = submit(data_categories=["subscriber_info", "media", "contacts"])
    # Even if an E2EE category slipped into the request and got an "approved" decision, it is not produced.
    LegalRequest.objects.filter(pk=request.pk).update(
        data_categories=["subscriber_info", "media", "contacts", "secret_chat_content"]
    )
    request.refresh_from_db()
    approve(
        request,
        reviewer,
        {"subscriber_info": "approved", "secret_chat_content": "approved", "media": "approved", "contacts": "denied"},
        second=("media",),  # content: waits for a second approval that never came
    )
    production = start(request, reviewer, django_capture_on_commit_callbacks)
    assert production.categories == ["subscriber_info"]
    production.refresh_from_db()
    names = package_zip(production).namelist()
    assert not [n for n in names if "secret" in n or "media" in n or "contacts" in n]


def test_no_account_found_closes_with_no_data(submit, reviewer, django_capture_on_commit_callbacks):
    request = submit(targets=[("username", "unknown_person")])
    approve(request, reviewer, {"subscriber_info": "approved"})
    assert start(request, reviewer, django_capture_on_commit_callbacks) is None
    request.refresh_from_db()
    assert request.status == Status.CLOSED and request.outcome == LegalRequest.Outcome.NO_DATA
    assert not Production.objects.exists()


def test_start_refused_before_approval_and_for_officers(submit, reviewer, officer_a):
    request = submit()
    with pytest.raises(services.ProductionError):
        services.production_start(request=request, actor=reviewer.user)
    with pytest.raises(services.PermissionDenied):
        services.production_start(request=request, actor=officer_a.user)
    assert not Production.objects.exists()


def test_build_twice_makes_one_package(approved_request, reviewer, custodian, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        production = services.production_start(request=approved_request, actor=reviewer.user)
    # Starting again while it builds does not create a second production.
    with django_capture_on_commit_callbacks(execute=False):
        assert services.production_start(request=approved_request, actor=reviewer.user).pk == production.pk
    assert tasks.production_build_task.apply(args=[production.pk]).get() == "unsigned"
    first = Production.objects.get(pk=production.pk)
    assert tasks.production_build_task.apply(args=[production.pk]).get() == "unsigned"
    again = Production.objects.get(pk=production.pk)
    assert Production.objects.count() == 1
    assert (again.file.name, again.sha256) == (first.file.name, first.sha256)
    assert ProductionFile.objects.count() == 4
    stored = list(Path(default_storage.path(f"productions/{approved_request.pk}")).iterdir())
    assert len(stored) == 1
    with django_capture_on_commit_callbacks(execute=True):
        sign(again, custodian)
    assert tasks.production_build_task.apply(args=[production.pk]).get() == "ready"  # a late retry changes nothing
    stored = list(Path(default_storage.path(f"productions/{approved_request.pk}")).iterdir())
    assert len(stored) == 1
    assert RequestEvent.objects.filter(request=approved_request, to_status=Status.DELIVERED).count() == 1


def test_a_losing_concurrent_build_discards_its_file(approved_request, reviewer, django_capture_on_commit_callbacks):
    """Two workers built the same production: the one that finishes second keeps nothing."""
    with django_capture_on_commit_callbacks(execute=False):
        production = services.production_start(request=approved_request, actor=reviewer.user)

    class Racing(DemoRecordSource):
        raced = False

        def records(self, *args):
            if not Racing.raced:
                Racing.raced = True
                services.production_build(production_id=production.pk)  # the other worker wins meanwhile
            return super().records(*args)

    result = services.production_build(production_id=production.pk, source=Racing())
    assert result.status == Production.Status.UNSIGNED
    assert len(list(Path(default_storage.path(f"productions/{approved_request.pk}")).iterdir())) == 1
    assert ProductionFile.objects.count() == 4


class ExplodingSource(DemoRecordSource):
    """Fails in the middle of the cloud chats, after some records were written."""

    def records(self, account_id, category, date_from, date_to):
        inner = super().records(account_id, category, date_from, date_to)
        if category != "cloud_chat_content":
            return inner

        def gen():
            for n, record in enumerate(inner):
                if n == 5:
                    raise ConnectionError("record store went away")
                yield record

        return gen()


def test_a_build_that_fails_midway_leaves_nothing_deliverable(
    approved_request, reviewer, settings, client_a, django_capture_on_commit_callbacks
):
    settings.RECORD_SOURCE = "tests.production.test_build.ExplodingSource"
    with django_capture_on_commit_callbacks(execute=False):
        production = services.production_start(request=approved_request, actor=reviewer.user)
    # An attempt that crashes (it would be retried): still building, no file, not downloadable.
    with pytest.raises(ConnectionError):
        services.production_build(production_id=production.pk)
    production.refresh_from_db()
    assert production.status == Production.Status.BUILDING and not production.file
    assert client_a.get(f"/production/p/{production.pk}/download/").status_code == 410
    # The last retry gives up: failed, request back to approved, nothing stored.
    assert tasks.production_build_task.apply(args=[production.pk], retries=tasks.BUILD_RETRIES).get() == "failed"
    production.refresh_from_db()
    approved_request.refresh_from_db()
    assert production.status == Production.Status.FAILED and not production.file
    assert approved_request.status == Status.APPROVED
    assert not Path(default_storage.path("productions")).exists() or not any(
        Path(default_storage.path("productions")).rglob("*")
    )
    assert RequestEvent.objects.filter(
        request=approved_request, event_type=EventType.PRODUCTION, message="Production failed"
    ).exists()
    # A reviewer can start again once the record store is back.
    settings.RECORD_SOURCE = "requests_app.production.records.DemoRecordSource"
    again = start(approved_request, reviewer, django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert again.pk != production.pk and again.status == Production.Status.UNSIGNED


def test_failed_build_without_a_broker_fails_cleanly(
    approved_request, reviewer, settings, django_capture_on_commit_callbacks
):
    """`make run` (eager Celery): a failing build marks the production failed instead of erroring the page."""
    settings.RECORD_SOURCE = "tests.production.test_build.ExplodingSource"
    with django_capture_on_commit_callbacks(execute=True):
        production = services.production_start(request=approved_request, actor=reviewer.user)
    production.refresh_from_db()
    approved_request.refresh_from_db()
    assert production.status == Production.Status.FAILED and not production.file
    assert approved_request.status == Status.APPROVED


def test_records_respect_the_date_range():
    source = DemoRecordSource()
    account = source.lookup("username", "some_user").account_id
    jan = list(source.records(account, "ip_logs", date(2026, 1, 1), date(2026, 1, 31)))
    assert jan and all(r["timestamp"].startswith("2026-01") for r in jan)
    # Deterministic: the same question gives the same records.
    assert jan == list(source.records(account, "ip_logs", date(2026, 1, 1), date(2026, 1, 31)))


def test_e2ee_categories_have_no_records_at_all():
    source = DemoRecordSource()
    account = source.lookup("username", "some_user").account_id
    for category in ("secret_chat_content", "call_content", "no_such_category"):
        with pytest.raises(NotProducible):
            source.records(account, category, None, None)
    assert source.lookup("username", "secret_agent_x").e2ee_only


def test_a_million_message_account_is_generated_lazily():
    source = DemoRecordSource()
    account = source.lookup("username", "bulk_msgs1000000_a").account_id
    records = source.records(account, "cloud_chat_content", date(2026, 1, 1), date(2026, 1, 1))
    assert isinstance(records, Iterator) and not isinstance(records, list | tuple)
    one_day = list(records)
    assert 300 < len(one_day) < 600  # ~1M messages over ~6 years: only the asked day is generated
    assert all(r["timestamp"].startswith("2026-01-01") for r in one_day)
