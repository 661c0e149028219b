"""Languages (issue 16 item 7): complete catalogues, lang/dir, the switcher, Accept-Language
for pages and the API, findings translated where they are built, the legal workspace in English."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from requests_app import rules
from tests.intake.helpers import api_body, token_for

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\(\w+\)s|%%")


@pytest.fixture(autouse=True)
def _back_to_english():
    # The test client runs LocaleMiddleware in this thread, which leaves the language activated.
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _locale_dir(code: str) -> Path:
    return ROOT / "locale" / translation.to_locale(code) / "LC_MESSAGES"


def _catalogue(code: str) -> polib.POFile:
    path = _locale_dir(code) / "django.po"
    assert path.exists(), f"no catalogue for {code}: {path}"
    return polib.pofile(str(path))


def test_languages_are_the_seven_the_portal_ships():
    assert [code for code, _ in settings.LANGUAGES] == ["en", "fr", "de", "es", "pt-br", "ru", "ar"]
    assert translation.get_language_info("ar")["bidi"] is True


@pytest.mark.parametrize("code", SHIPPED)
def test_catalogue_is_complete_and_compiled(code):
    po = _catalogue(code)
    assert len(po) > 200
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    obsolete = [e.msgid for e in po.obsolete_entries()]
    assert not untranslated, f"{code}: untranslated {untranslated[:5]}"
    assert not fuzzy, f"{code}: fuzzy {fuzzy[:5]}"
    assert not obsolete, f"{code}: obsolete {obsolete[:5]}"
    for entry in po:
        # A translation keeps every placeholder of the English text, or formatting fails at run time.
        assert sorted(PLACEHOLDER.findall(entry.msgstr)) == sorted(PLACEHOLDER.findall(entry.msgid)), entry.msgid
        assert entry.msgstr.strip() != "", entry.msgid
    # The committed .mo is the compiled .po (compilemessages after every edit).
    mo = polib.mofile(str(_locale_dir(code) / "django.mo"))
    compiled = {e.msgid: e.msgstr for e in mo if e.msgid}
    assert compiled == {e.msgid: e.msgstr for e in po if not e.obsolete}


def _marked_in_source() -> set[str]:
    """Messages marked in the portal's Python (gettext, gettext_lazy, _) and simple template tags."""
    found: set[str] = set()
    for path in [ROOT / "requests_app" / "rules.py", ROOT / "requests_app" / "intake" / "forms.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"_", "gettext", "gettext_lazy", "gettext_noop"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    tag = re.compile(r"""\{% translate "((?:[^"\\]|\\.)*)"(?: as \w+)? %\}|\{% translate '([^']*)' %\}""")
    for path in (ROOT / "templates").rglob("*.html"):
        for double, single in tag.findall(path.read_text()):
            found.add((double or single).replace('\\"', '"').replace("%", "%%"))
    return found


def test_every_marked_message_is_in_the_catalogues():
    marked = _marked_in_source()
    assert len(marked) > 200
    for code in SHIPPED:
        missing = marked - {e.msgid for e in _catalogue(code)}
        assert not missing, f"{code}: run makemessages; missing {sorted(missing)[:5]}"


def test_static_css_uses_logical_properties():
    physical = re.compile(r"(margin|padding|border)-(left|right)\b|text-align:\s*(left|right)\b|float:\s*(left|right)")
    for path in (ROOT / "static" / "css").glob("*.css"):
        hits = [line for line in path.read_text().splitlines() if physical.search(line)]
        assert not hits, f"{path.name}: {hits}"


@pytest.mark.django_db
@pytest.mark.parametrize(("accept", "lang", "direction", "heading"), [
    ("ar", "ar", "rtl", "تقارير الشفافية"),
    ("de-DE,de;q=0.9", "de", "ltr", "Transparenzberichte"),
    ("pt-BR", "pt-br", "ltr", "Relatórios de transparência"),
    ("en", "en", "ltr", "Transparency reports"),
])  # fmt: skip
def test_public_pages_follow_accept_language(accept, lang, direction, heading):
    response = Client().get("/transparency/", HTTP_ACCEPT_LANGUAGE=accept)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert response["Content-Language"] == lang


@pytest.mark.django_db
def test_language_switcher_stores_the_choice():
    client = Client()
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'action="/i18n/setlang/"' in page and 'value="ru"' in page
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/transparency/"})
    assert response.status_code == 302 and response["Location"] == "/transparency/"
    # The choice beats the browser's Accept-Language from now on.
    html = client.get("/transparency/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="fr" dir="ltr">' in html and "<h1>Rapports de transparence</h1>" in html


def test_findings_are_translated_where_they_are_built():
    draft = rules.Draft(request_type="subpoena", data_categories=["cloud_chat_content"], targets=[("username", "ab")])
    with translation.override("de"):
        german = {f.code: f.message for f in rules.validate(draft)}
    with translation.override("ar"):
        arabic = {f.code: f.message for f in rules.validate(draft)}
    with translation.override("en"):
        english = {f.code: f.message for f in rules.validate(draft)}
    assert german["category_not_compellable"].startswith("Subpoena (Herausgabeverlangen) kann diese Daten nicht")
    assert "Inhalte von Cloud-Chats" in german["category_not_compellable"]
    assert german["target_invalid"] == (
        "„ab“ ist kein gültiger Benutzername: Verwenden Sie 5 bis 32 Buchstaben, Ziffern oder Unterstriche."
    )
    assert arabic["document_missing"].startswith("أرفقوا وثيقة الإجراء القانوني")
    assert english["document_missing"] == "Attach the legal process (the signed order, warrant or subpoena) as a PDF."
    # The labels are lazy: the same table answers in whichever language is active.
    with translation.override("fr"):
        assert str(rules.CATEGORIES["media"].label) == "Médias"
    assert str(rules.CATEGORIES["media"].label) == "Media"


@pytest.mark.django_db
def test_api_findings_follow_accept_language(officer_a):
    client = Client()
    headers = {"Authorization": f"Bearer {token_for(officer_a)}", "Accept-Language": "es"}
    response = client.post(
        "/api/v1/requests/dry-run/",
        json.dumps(api_body(request_type="subpoena")),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200 and response["Content-Language"] == "es"
    findings = {f["code"]: f["message"] for f in response.json()["findings"]}
    assert findings["document_missing"] == (
        "Adjunte el documento del procedimiento legal (la orden firmada, la orden de registro o la subpoena) en PDF."
    )
    assert "no puede obligar a entregar estos datos" in findings["category_not_compellable"]


@pytest.mark.django_db
def test_officer_form_labels_and_countries_follow_the_language(client_a):
    html = client_a.get("/le/requests/new/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Art des rechtlichen Verfahrens" in html and "Neues Ersuchen" in html
    assert ">Durchsuchungsbeschluss</option>" in html
    assert '<option value="DE">Deutschland</option>' in html  # django-countries in German


@pytest.mark.django_db
def test_legal_workspace_stays_english(client_reviewer):
    response = client_reviewer.get("/legal/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert response["Content-Language"] == "en" and '<html lang="en" dir="ltr">' in response.content.decode()


def test_signed_report_labels_stay_english():
    from transparency.aggregation import type_label

    with translation.override("ru"):
        assert type_label("search_warrant") == "Search warrant"


@pytest.mark.django_db
def test_the_officers_language_is_remembered_for_their_e_mails(client_a, officer_a, client_reviewer, reviewer):
    client_a.get("/le/requests/", HTTP_ACCEPT_LANGUAGE="ru")
    officer_a.refresh_from_db()
    assert officer_a.language == "ru"
    client_a.get("/le/requests/", HTTP_ACCEPT_LANGUAGE="ru")  # unchanged: no second write needed
    officer_a.refresh_from_db()
    assert officer_a.language == "ru"
    # Staff read English mail whatever their browser says.
    client_reviewer.get("/transparency/", HTTP_ACCEPT_LANGUAGE="de")
    reviewer.refresh_from_db()
    assert reviewer.language == ""


@pytest.mark.django_db
def test_a_refused_request_does_not_store_the_language(client_b, officer_a, officer_b):
    from tests.factories import LegalRequestFactory

    other = LegalRequestFactory(agency=officer_a.agency)
    response = client_b.get(f"/le/requests/{other.reference}/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 404  # another agency's request does not exist for this officer
    officer_b.refresh_from_db()
    assert officer_b.language == ""
    client_b.get("/le/requests/", HTTP_ACCEPT_LANGUAGE="de")
    officer_b.refresh_from_db()
    assert officer_b.language == "de"


@pytest.mark.django_db
def test_officer_e_mails_are_written_in_their_language_and_legal_team_mail_in_english(officer_a, mailoutbox):
    from requests_app.documents import DocumentInput
    from requests_app.intake import emails
    from requests_app.services import request_submit
    from tests.factories import minimal_pdf, warrant

    officer_a.language = "de"
    officer_a.save(update_fields=["language"])
    lr = request_submit(actor=officer_a.user, data=warrant(), documents=[DocumentInput("w.pdf", minimal_pdf())])
    mailoutbox.clear()
    emails.acknowledgement_mail(request_id=lr.pk)
    (mail,) = mailoutbox
    assert mail.subject == f"Ersuchen {lr.reference} eingegangen"
    assert f"Wir haben Ihr Ersuchen {lr.reference} (Durchsuchungsbeschluss)" in mail.body
    assert "Das Rechtsteam der Plattform" in mail.body
    assert "Follow it" not in mail.body and "Im Portal verfolgen" in mail.alternatives[0][0]
    # A legal-team e-mail triggered from a German page stays English.
    mailoutbox.clear()
    with translation.override("de"):
        emails.registration_pending_mail(officer_id=officer_a.pk)
    assert mailoutbox[0].subject == "Officer registration waiting for verification"


@pytest.mark.django_db
def test_officer_request_page_in_arabic(client_a, officer_a):
    from requests_app.documents import DocumentInput
    from requests_app.services import request_submit
    from tests.factories import minimal_pdf, warrant

    lr = request_submit(actor=officer_a.user, data=warrant(), documents=[DocumentInput("w.pdf", minimal_pdf())])
    html = client_a.get(f"/le/requests/{lr.reference}/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "<h2>الملخص</h2>" in html and "الرسائل مع الفريق القانوني" in html
    assert f"سحب {lr.reference}" in html
    assert ">مُرسَل</span>" in html or ">تم التحقق منه</span>" in html  # the status, translated


def test_transparency_numbers_follow_the_language():
    from transparency.templatetags.humanize_tr import days, num, pct

    assert (num(1234567), pct(12.5), days(2.5)) == ("1,234,567", "12.5%", "2.5")
    with translation.override("de"):
        assert (num(1234567), pct(12.5), days(2.5)) == ("1.234.567", "12,5%", "2,5")
    with translation.override("fr"):
        assert num(1234) == "1\xa0234"  # a no-break space groups thousands in French


@pytest.mark.django_db
def test_report_country_names_follow_the_language():
    from transparency.templatetags.humanize_tr import country

    assert country("DE", "Germany") == "Germany"
    with translation.override("de"):
        assert country("DE", "Germany") == "Deutschland"
    with translation.override("ar"):
        assert country("DE", "Germany") == "ألمانيا"
        assert country("ZZ", "Somewhere") == "Somewhere"  # not a country django-countries knows
