"""The new-request form follows the legal process (issue 16 item 2): only the sections the chosen
process needs, one way to mark an emergency, a guide per process, the no-script path through the
steps, each finding tied to its field, labelled account rows, and the 24/7 emergency contact."""

from __future__ import annotations

import re

import pytest

from requests_app.models import LegalRequest
from tests.intake.helpers import form_data, pdf_upload

pytestmark = pytest.mark.django_db

NEW = "/le/requests/new/"


def _section(html: str, name: str) -> str:
    """The opening tag of the element holding one section."""
    match = re.search(rf'<[a-z]+ data-section="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def test_without_a_process_only_the_first_step_is_open(client_a):
    html = client_a.get(NEW).content.decode()
    assert re.search(r'<div id="process-form" hidden>', html)
    assert 'name="refresh"' in html  # the no-script way to the next step
    assert re.search(r'<section class="guide card" data-guide="subpoena" id="guide-subpoena" hidden>', html)


def test_eu_validation_checkbox_is_absent_for_a_us_subpoena_and_present_for_an_epoc(client_a):
    subpoena = client_a.get(NEW, {"request_type": "subpoena"}).content.decode()
    assert " hidden" in _section(subpoena, "eevidence")
    assert " hidden" in _section(subpoena, "epoc") and " hidden" in _section(subpoena, "cloud_act")
    assert '<div id="process-form">' in subpoena
    # The subpoena's guide is open and says what it reaches and what to attach.
    guide = re.search(r'<section class="guide card" data-guide="subpoena"[^>]*>(.*?)</section>', subpoena, re.S)
    assert guide and "hidden" not in guide.group(0).split(">")[0]
    assert "Subscriber information" in guide.group(1) and "The signed subpoena, as a PDF." in guide.group(1)
    assert "end-to-end encrypted" in guide.group(1)
    # Only the frameworks a subpoena exists in.
    assert 'value="eu_eevidence"' not in subpoena.split('id="id_legal_framework"')[1].split("</select>")[0]

    epoc = client_a.get(NEW, {"request_type": "epoc"}).content.decode()
    assert " hidden" not in _section(epoc, "eevidence") and " hidden" not in _section(epoc, "epoc")
    assert 'id="id_judicial_validation"' in epoc
    assert " hidden" in _section(epoc, "mlat")


def test_a_hidden_question_left_ticked_does_not_reach_the_request(client_a):
    """Without the script, hidden fields still post: the server drops those the process does not ask."""
    data = {**form_data(request_type="subpoena", data_categories=["subscriber_info"]), "judicial_validation": "on"}
    data["documents"] = pdf_upload()
    response = client_a.post(NEW, {**data, "submit": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    lr = LegalRequest.objects.get()
    assert "judicial_validation" not in lr.declarations


def test_emergency_is_one_answer_and_the_emergency_process_gives_it(client_a):
    html = client_a.get(NEW, {"request_type": "search_warrant"}).content.decode()
    assert " hidden" in _section(html, "emergency")
    assert html.count('name="emergency"') == 2  # one question, two radio buttons (no second checkbox)
    assert "This is an emergency" not in html
    yes = client_a.get(NEW, {"request_type": "search_warrant", "emergency": "yes"}).content.decode()
    assert " hidden" not in _section(yes, "emergency")
    assert 'id="emergency-route" hidden' not in yes
    # Choosing the emergency disclosure request answers the question.
    chosen = client_a.get(NEW, {"request_type": "emergency"}).content.decode()
    assert " hidden" not in _section(chosen, "emergency")
    assert re.search(r'<input type="radio" name="emergency" value="yes"[^>]*checked', chosen)


def test_emergency_answer_is_stored_as_the_emergency_flag(client_a):
    data = form_data(
        request_type="emergency",
        legal_framework="us_sca",
        authority_kind="police",
        data_categories=["subscriber_info"],
        emergency_justification="A missing child was threatened with death by the account holder tonight.",
        emergency_attested="on",
    )
    response = client_a.post(NEW, {**data, "submit": "1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert LegalRequest.objects.get().emergency is True
    # The old checkbox value still means yes (bookmarked or scripted posts).
    data2 = form_data(
        case_number="CR-2",
        request_type="search_warrant",
        emergency="on",
        emergency_justification="A hostage is held and the kidnapper threatened to kill him tonight.",
        emergency_attested="on",
        documents=pdf_upload(),
    )
    response = client_a.post(NEW, {**data2, "submit": "1", "acknowledge_warnings": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert LegalRequest.objects.get(case_number="CR-2").emergency is True


def test_no_script_path_through_the_steps(client_a):
    """Step 1 posts the process, the server answers with the form for it; then the officer submits."""
    step1 = client_a.post(NEW, {"request_type": "epoc", "emergency": "no", "refresh": "1", **_mgmt()})
    assert step1.status_code == 200
    html = step1.content.decode()
    assert " hidden" not in _section(html, "eevidence")
    assert 'class="errorlist"' not in html  # switching the process is not a failed submission
    assert 'value="eu_eevidence" selected' in html  # the only framework of an EPOC is chosen
    # Changed to a subpoena, the EU sections close again.
    step1b = client_a.post(NEW, {"request_type": "subpoena", "emergency": "no", "refresh": "1", **_mgmt()})
    assert " hidden" in _section(step1b.content.decode(), "eevidence")
    data = {**form_data(request_type="subpoena", data_categories=["subscriber_info"]), "documents": pdf_upload()}
    response = client_a.post(NEW, {**data, "submit": "1"})
    assert response.status_code == 302
    assert LegalRequest.objects.get().request_type == "subpoena"


def _mgmt() -> dict:
    return {
        "targets-TOTAL_FORMS": "3",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "50",
    }


def test_each_finding_links_to_its_field(client_a):
    response = client_a.post(NEW, {**form_data(data_categories=[]), "check": "1"})
    html = response.content.decode()
    # In the panel: a link to the field's anchor ...
    assert re.search(
        r'data-code="no_categories" data-field="data_categories">.*?<a href="#field-data_categories">', html
    )
    assert 'id="field-data_categories"' in html and 'id="findings-data_categories"' in html
    # ... and the field's controls are described by their findings.
    assert re.search(
        r'<input type="checkbox" name="data_categories"[^>]*aria-describedby="findings-data_categories"', html
    )
    missing = client_a.post(NEW, {**form_data(), "check": "1"}).content.decode()
    assert re.search(r'<input type="file" name="documents"[^>]*aria-describedby="findings-documents"', missing)


def test_every_account_row_control_has_a_label(client_a):
    html = client_a.get(NEW, {"request_type": "subpoena"}).content.decode()
    for i in range(3):
        for name in ("identifier_type", "value"):
            assert re.search(rf'<label class="visually-hidden" for="id_targets-{i}-{name}">[^<]+{i + 1}</label>', html)


def test_emergency_contact_on_the_officer_pages(client_a, settings):
    settings.EMERGENCY_CONTACT_PHONE = "+1 202 555 0100"
    settings.EMERGENCY_CONTACT_EMAIL = "emergency@example.org"
    for url, params in (("/le/requests/", {}), (NEW, {}), (NEW, {"request_type": "emergency"})):
        html = client_a.get(url, params).content.decode()
        assert 'href="tel:+12025550100"' in html and 'href="mailto:emergency@example.org"' in html, url
    guide = client_a.get(NEW, {"request_type": "emergency"}).content.decode()
    section = re.search(r'id="emergency-route">(.*?)</section>', guide, re.S)
    assert section and "+1 202 555 0100" in section.group(1)


def test_without_a_configured_contact_the_pages_point_to_the_form(client_a, settings):
    settings.EMERGENCY_CONTACT_PHONE = ""
    settings.EMERGENCY_CONTACT_EMAIL = ""
    html = client_a.get("/le/requests/").content.decode()
    assert 'id="emergency-contact"' in html and "tel:" not in html
