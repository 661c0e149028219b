"""Public pages and downloads (no login, frozen snapshot, constant queries) and the supervisors' pages."""

import csv
import io
import json
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from requests_app import rules
from tests.factories import AgencyFactory
from tests.transparency.helpers import make_request
from transparency import dsa, services, signing
from transparency.models import Report

pytestmark = pytest.mark.django_db


def publish(period="2025-H1", note=""):
    draft = services.report_build(period=period)
    return services.report_publish(report=draft, change_note=note)


@pytest.fixture
def report():
    us, de = AgencyFactory(country="US"), AgencyFactory(country="DE")
    make_request(agency=us, produced=["subscriber_info", "cloud_chat_content"], found=2)
    make_request(agency=us, request_type="subpoena", produced=["subscriber_info"])
    make_request(agency=de, request_type="court_order_other", country="DE")
    for _ in range(7):
        make_request(agency=us, request_type="nsl", produced=["subscriber_info"], found=1)
    make_request(agency=de, request_type="dsa_art10", country="DE", produced=["subscriber_info"], produced_days=1)
    return publish()


@pytest.fixture
def annual(report):
    return publish(period="2025")


@pytest.mark.usefixtures("report")
def test_index_lists_published_reports_only(anon):
    services.report_build(period="2025-H2")  # a draft: never public
    body = anon.get(reverse("transparency:index")).content.decode()
    assert "/transparency/2025-H1/" in body and "2025-H2" not in body
    assert "<script" not in body and "style=" not in body


def test_report_page_renders_snapshot_with_charts(anon, report):
    r = anon.get(reverse("transparency:report", args=["2025-H1"]))
    body = r.content.decode()
    assert r.status_code == 200
    assert body.count("<svg") == 5 and "<script" not in body and "style=" not in body  # map + 4 charts
    assert "Germany" in body and report.sha256 in body
    assert "0-499" in body  # the NSL band


@pytest.mark.usefixtures("report", "django_assert_num_queries")
def test_report_page_query_count_is_constant(anon):
    url = reverse("transparency:report", args=["2025-H1"])
    with CaptureQueriesContext(connection) as small:
        anon.get(url)
    for i in range(30):
        make_request(agency=AgencyFactory(country=["FR", "IT", "ES"][i % 3]), produced=["ip_logs"], found=2)
    services.report_publish(report=services.report_correct(period="2025-H1", change_note="More countries."))
    with CaptureQueriesContext(connection) as big:
        assert anon.get(url).status_code == 200
    assert len(big) == len(small) <= 4
    # No aggregation at page view: only the report table is read.
    assert all("transparency_report" in q["sql"] for q in big.captured_queries)


@pytest.mark.usefixtures("report")
def test_table_sorts_server_side(anon):
    asc = anon.get(reverse("transparency:report", args=["2025-H1"]) + "?sort=country&dir=asc").content.decode()
    desc = anon.get(reverse("transparency:report", args=["2025-H1"]) + "?sort=country&dir=desc").content.decode()
    assert asc.index("Germany</a>") < asc.index("United States of America</a>")
    assert desc.index("Germany</a>") > desc.index("United States of America</a>")


@pytest.mark.usefixtures("report")
def test_country_page_shows_history(anon):
    publish("2024-H2")
    body = anon.get(reverse("transparency:country", args=["de"])).content.decode()
    assert "Requests from Germany" in body and "2025-H1" in body and "2024-H2" in body
    us = anon.get(reverse("transparency:country", args=["US"])).content.decode()
    assert "National security letter" not in us
    assert anon.get(reverse("transparency:country", args=["ZZ"])).status_code == 404


@pytest.mark.usefixtures("report")
def test_older_versions_stay_readable(anon):
    v2 = services.report_publish(
        report=services.report_correct(period="2025-H1", change_note="Fixed a miscounted request.")
    )
    latest = anon.get(reverse("transparency:report", args=["2025-H1"])).content.decode()
    assert "Fixed a miscounted request." in latest and "Version 1" in latest
    old = anon.get(reverse("transparency:report_version", args=["2025-H1", 1]))
    assert old.status_code == 200 and "This is an older version" in old.content.decode()
    assert v2.version == 2
    assert anon.get(reverse("transparency:report_version", args=["2025-H1", 9])).status_code == 404
    assert anon.get(reverse("transparency:report", args=["2031-H1"])).status_code == 404
    assert anon.get("/transparency/nonsense/").status_code == 404


@pytest.mark.usefixtures("report")
def test_csv_download(anon):
    r = anon.get(reverse("transparency:csv", args=["2025-H1", 1]))
    assert r["Content-Disposition"].endswith('-report.csv"')
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    de = next(x for x in rows if (x["country"], x["request_type"]) == ("DE", "court_order_other"))
    assert (de["requests"], de["accounts"], de["with_data"], de["pct_with_data"]) == ("1", "1", "0", "0")
    ns = [x for x in rows if x["national_security"] == "true"]
    # Every national-security type is published in bands, zero requests included (50 U.S.C. 1874(a)).
    assert [(x["request_type"], x["requests"], x["accounts"], x["country"], x["with_data"]) for x in ns] == [
        (code, "0-499", "0-499", "", "") for code in sorted(rules.NATIONAL_SECURITY_TYPES)
    ]
    assert not any(x["request_type"] == "nsl" and x["national_security"] == "false" for x in rows)


def test_json_download_verifies(anon, report):
    doc = json.loads(anon.get(reverse("transparency:json", args=["2025-H1", 1])).content)
    assert doc["sha256"] == report.sha256
    assert signing.verify_document(doc, signing.load_public_key(anon.get("/transparency/key.pem").content.decode()))
    assert '"7"' not in json.dumps(doc["report"]["national_security"])


@pytest.mark.usefixtures("annual")
def test_dsa_download(anon):
    """The Reg. 2024/2835 Annex I "member states orders" columns, in the template's order, with a Total row."""
    rows = list(csv.reader(io.StringIO(anon.get(reverse("transparency:dsa", args=["2025", 1])).content.decode())))
    assert rows[0] == list(dsa.COLUMNS)
    assert rows[0][:6] == [
        "Applicability",
        "Service",
        "Reporting period",
        "Category of illegal content",
        'Description of the sub-category "Other"',
        "Scope",
    ]
    col = {name: i for i, name in enumerate(rows[0])}
    # Scope TOTAL, then one block for the one Member State that sent an order (DE).
    block = len(dsa.template_rows())
    assert len(rows) == 1 + 2 * block
    assert {r[col["Scope"]] for r in rows[1 : 1 + block]} == {"TOTAL"}
    assert {r[col["Scope"]] for r in rows[1 + block :]} == {"DE"}
    de = next(r for r in rows if r[col["Scope"]] == "DE" and r[col["Category of illegal content"]] == "TOTAL")
    assert de[col["Number of orders to provide information"]] == "1"
    # Receipt -> final outcome (closed 10 days after receipt in the fixture), not receipt -> delivery.
    assert de[col["Median time to give effect to the order to provide information"]] == "240.0"
    assert de[col["Reporting period"]] == "2025-01-01/2025-12-31"
    not_specified = next(
        r
        for r in rows
        if r[col["Scope"]] == "DE" and r[col["Category of illegal content"]].endswith("NOT_SPECIFIED_ORDER")
    )
    assert not_specified[col["Number of orders to provide information"]] == "1"


@pytest.mark.usefixtures("report")
def test_half_year_has_no_dsa_export_unless_vlop(anon):
    r = anon.get(reverse("transparency:dsa", args=["2025-H1", 1]))
    assert r.status_code == 404


def test_pdf_download_has_text_and_charts(anon, report, tmp_path):
    r = anon.get(reverse("transparency:pdf", args=["2025-H1", 1]))
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    path = tmp_path / "r.pdf"
    path.write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Transparency report January – June 2025" in text
    assert "Top countries by requests" in text and "Outcome of requests" in text  # SVG chart titles
    assert "Germany" in text and "0-499" in text and report.sha256 in text
    assert Report.objects.get(pk=report.pk).pdf  # rendered once, then kept


def test_public_key_endpoint(anon):
    body = anon.get("/transparency/key.pem").content.decode()
    assert body.startswith("-----BEGIN PUBLIC KEY-----")


def test_key_page_explains_verification_and_its_steps_work(anon, report, tmp_path):
    """The page's steps, run for real: canonical bytes, sha256, then OpenSSL's Ed25519 check."""
    page = anon.get(reverse("transparency:key")).content.decode()
    assert "-----BEGIN PUBLIC KEY-----" in page and "<ol" in page
    assert "sha256sum report.canonical" in page and "openssl pkeyutl -verify -pubin -inkey key.pem" in page
    (tmp_path / "report.json").write_bytes(anon.get(reverse("transparency:json", args=["2025-H1", 1])).content)
    (tmp_path / "key.pem").write_bytes(anon.get(reverse("transparency:key_pem")).content)
    steps = [
        "import json,sys; d=json.load(open('report.json')); sys.stdout.buffer.write(json.dumps(d['report'], "
        "sort_keys=True, separators=(',',':'), ensure_ascii=False).encode())",
        "import json,base64; open('report.sig','wb').write(base64.b64decode(json.load(open('report.json'))"
        "['signature']))",
    ]
    for step in steps:
        assert step.replace("'", "&#x27;") in page or step in page
    canonical = subprocess.run(["python3", "-c", steps[0]], cwd=tmp_path, capture_output=True, check=True).stdout
    (tmp_path / "report.canonical").write_bytes(canonical)
    subprocess.run(["python3", "-c", steps[1]], cwd=tmp_path, check=True)
    digest = subprocess.run(["sha256sum", "report.canonical"], cwd=tmp_path, capture_output=True, text=True)
    assert digest.stdout.split()[0] == report.sha256
    cmd = "openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in report.canonical -sigfile report.sig"
    ok = subprocess.run(cmd.split(), cwd=tmp_path, capture_output=True, text=True)
    assert "Signature Verified Successfully" in ok.stdout, ok.stderr
    (tmp_path / "report.canonical").write_bytes(canonical.replace(b'"requests":', b'"requests": ', 1))
    bad = subprocess.run(cmd.split(), cwd=tmp_path, capture_output=True, text=True)
    assert "Signature Verified Successfully" not in bad.stdout


def test_index_json_lists_every_version_with_hashes_and_links(anon, report, settings):
    settings.SITE_URL = "https://portal.example.org"
    v2 = services.report_publish(report=services.report_correct(period="2025-H1", change_note="Fix."))
    doc = anon.get(reverse("transparency:index_json")).json()
    assert doc["schema"] == 1 and doc["public_key"] == "https://portal.example.org/transparency/key.pem"
    assert [(r["period"], r["version"], r["latest"]) for r in doc["reports"]] == [
        ("2025-H1", 1, False),
        ("2025-H1", 2, True),
    ]
    first = doc["reports"][0]
    assert first["sha256"] == report.sha256 and doc["reports"][1]["sha256"] == v2.sha256
    assert first["downloads"]["json"] == "https://portal.example.org/transparency/2025-H1/v1/report.json"
    # A half-year report of a platform that is not a VLOP has no DSA export, so no link to one.
    assert set(first["downloads"]) == {"json", "csv", "pdf"}
    assert anon.get(first["downloads"]["json"].removeprefix("https://portal.example.org")).status_code == 200


def test_methodology_page(anon):
    body = anon.get(reverse("transparency:methodology")).content.decode()
    assert "bands of 500" in body and "rounded half up" in body


# --------------------------------------------------------------- supervisors' pages


@pytest.mark.parametrize("who", ["anon", "client_a", "client_b", "client_reviewer"])
def test_manage_pages_denied_to_everyone_but_supervisors(request, who):
    client = request.getfixturevalue(who)
    draft = services.report_build(period="2025-H1")
    assert client.get(reverse("transparency:manage")).status_code == 404
    assert client.post(reverse("transparency:manage"), {"period": "2025-H1"}).status_code == 404
    assert client.get(reverse("transparency:draft", args=[draft.pk])).status_code == 404
    assert client.post(reverse("transparency:publish", args=[draft.pk])).status_code == 404
    assert Report.objects.count() == 1 and not Report.objects.filter(status="published").exists()


def test_manage_pages_need_a_second_factor(supervisor):
    from django.test import Client

    client = Client()
    client.force_login(supervisor.user)  # password only, no authenticator yet
    response = client.get(reverse("transparency:manage"))
    # Not served: sent to enrol a second factor first.
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_supervisor_builds_reviews_and_publishes(
    client_supervisor, client_supervisor2, supervisor, supervisor2, django_capture_on_commit_callbacks
):
    make_request(produced=["subscriber_info"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client_supervisor.post(reverse("transparency:manage"), {"period": "2025-h1"})
    report = Report.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("transparency:draft", args=[report.pk])
    page = client_supervisor.get(r["Location"]).content.decode()
    assert "Draft, waiting for review" in page and "another supervisor must approve" in page
    # The drafter cannot approve their own publication, even by posting directly.
    r = client_supervisor.post(reverse("transparency:publish", args=[report.pk]), {"change_note": ""}, follow=True)
    assert "another supervisor must approve" in r.content.decode()
    report.refresh_from_db()
    assert not report.is_published
    page = client_supervisor2.get(reverse("transparency:draft", args=[report.pk])).content.decode()
    assert "Approve and publish" in page and "1" in page
    r = client_supervisor2.post(reverse("transparency:publish", args=[report.pk]), {"change_note": ""})
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.is_published and report.published_by == supervisor2.user and report.created_by == supervisor.user


def test_supervisor_bad_period_gets_a_clear_message(client_supervisor):
    r = client_supervisor.post(reverse("transparency:manage"), {"period": "last year"}, follow=True)
    assert "is not a period" in r.content.decode()
    assert not Report.objects.exists()


def test_building_page_shows_progress(client_supervisor, supervisor):
    report = Report.objects.create(period="2025-H1", status="building", progress=40, created_by=supervisor.user)
    body = client_supervisor.get(reverse("transparency:draft", args=[report.pk])).content.decode()
    assert 'value="40"' in body and 'http-equiv="refresh"' in body
