"""Headless Chromium: the reviewer starts production and watches it finish; the officer downloads it."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

from requests_app.production import services, tasks
from requests_app.production.models import Production
from tests.factories import approve, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.django_db(transaction=True)
def test_reviewer_produces_and_officer_downloads(
    chromium, live_server, submit, reviewer, custodian, officer_a, monkeypatch
):
    request = approve(submit(), reviewer, {"subscriber_info": "approved", "cloud_chat_content": "approved"})
    # Hold the build back so the page shows it building; the test plays the worker below.
    queued: list[int] = []
    monkeypatch.setattr(
        tasks.production_build_task, "apply_async", lambda kwargs, **options: queued.append(kwargs["production_id"])
    )
    # The production panels as they appear inside the legal workspace and the officer's request page.
    staff_url = f"/legal/requests/{request.reference}/"
    officer_url = f"/le/requests/{request.reference}/"

    staff = chromium.new_context(base_url=live_server.url)
    staff.set_default_timeout(15000)
    browser_login(staff, live_server, reviewer.user)
    page = staff.new_page()
    page.goto(staff_url)
    page.click("#start-production")
    page.wait_for_selector(".production-progress[data-status=building] progress")
    assert page.url.endswith(staff_url)  # back on the legal workspace page
    assert queued
    services.production_build(production_id=queued[0])  # the worker finishes
    # The progress fragment polls (htmx) and swaps in the built state without a reload: the
    # certificate is a draft until the custodian of records signs it, which releases the package.
    page.wait_for_selector(".production-progress[data-status=unsigned]", timeout=15000)
    page.reload()
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#sign-certificate")
    page.wait_for_selector(".production-progress[data-status=ready]", timeout=15000)
    production = Production.objects.get(pk=queued[0])
    assert production.certificate_signed_by == custodian.user
    assert production.manifest_sha256 in page.inner_text(".production-progress")
    staff.close()

    officer = chromium.new_context(base_url=live_server.url, accept_downloads=True)
    officer.set_default_timeout(15000)
    browser_login(officer, live_server, officer_a.user)
    page = officer.new_page()
    page.goto(officer_url)
    shown = page.get_attribute("code.sha256", "data-sha256")
    with page.expect_download() as info:
        page.click("a.production-download")
    data = open(info.value.path(), "rb").read()
    officer.close()

    assert hashlib.sha256(data).hexdigest() == shown == production.sha256
    zf = zipfile.ZipFile(io.BytesIO(data))
    manifest_body = zf.read("manifest.json")
    assert hashlib.sha256(manifest_body).hexdigest() == production.manifest_sha256
    for entry in json.loads(manifest_body)["files"]:
        assert hashlib.sha256(zf.read(entry["path"])).hexdigest() == entry["sha256"]
