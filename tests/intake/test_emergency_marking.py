"""One way to mark an emergency (issue 16 item 2), and the API kept as it was: "request_type":
"emergency" is handled as an emergency with or without "emergency": true, as before. Also the live
check and the drafts' bounds."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from requests_app.intake import drafts
from requests_app.models import LegalRequest
from tests.intake.helpers import Api, api_body, form_data, token_for

pytestmark = pytest.mark.django_db

JUSTIFICATION = "A 12-year-old was abducted an hour ago; the suspect threatened to kill her."


@pytest.mark.parametrize("flag", [True, False, None])
def test_api_emergency_type_is_an_emergency_whatever_the_flag(officer_a, flag):
    api = Api(token_for(officer_a))
    body = api_body(
        request_type="emergency",
        emergency_justification=JUSTIFICATION,
        emergency_attested=True,
        acknowledge_warnings=True,
    )
    if flag is not None:
        body["emergency"] = flag
    response = api.post("/api/v1/requests/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["emergency"] is True
    assert LegalRequest.objects.get().emergency is True


def test_api_emergency_flag_on_another_process(officer_a):
    api = Api(token_for(officer_a))
    body = api_body(
        emergency=True, emergency_justification=JUSTIFICATION, emergency_attested=True, acknowledge_warnings=True
    )
    response = api.post("/api/v1/requests/", body)
    assert response.status_code == 201, response.json()
    lr = LegalRequest.objects.get()
    assert (lr.request_type, lr.emergency) == ("search_warrant", True)


def test_live_check_ignores_questions_the_process_does_not_ask(client_a):
    # The Art. 8(2) exception is an EPOC question: left ticked for a subpoena it is not an error.
    data = {**form_data(request_type="subpoena", data_categories=["subscriber_info"]), "epoc_domestic_exception": "on"}
    html = client_a.post("/le/requests/new/check/", data).content.decode()
    assert "domestic_exception_not_epoc" not in html
    epoc = {**data, "request_type": "search_warrant", "ndo_until": "2020-01-01"}  # NDO box not ticked
    assert "ndo_end_past" not in client_a.post("/le/requests/new/check/", epoc).content.decode()
    ticked = {**epoc, "ndo": "on"}
    assert "ndo_end_past" in client_a.post("/le/requests/new/check/", ticked).content.decode()


def test_a_draft_keeps_only_the_form_fields_within_bounds():
    data = QueryDict(mutable=True)
    data.setlist("data_categories", ["subscriber_info"] * 500)
    data["case_number"] = "x" * 20000
    data["csrfmiddlewaretoken"] = "secret"
    data["kept_upload"] = "token"
    data["acknowledge_warnings"] = "on"
    data["targets-0-value"] = "@someone"
    data["targets-999-value"] = "@too_far"
    data["unknown"] = "1"
    values = drafts.form_values(data)
    assert set(values) == {"data_categories", "case_number", "targets-0-value"}
    assert len(values["data_categories"]) == drafts.MAX_VALUES
    assert len(values["case_number"][0]) == drafts.MAX_CHARS
