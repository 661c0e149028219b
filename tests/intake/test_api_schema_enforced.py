"""Issue #12 item 9: the API refuses what its schema does not allow, and the schema says what it enforces."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from requests_app.documents import DocumentInput
from requests_app.lifecycle import Status
from requests_app.models import Message
from requests_app.services import request_submit
from tests.factories import minimal_pdf, warrant_data
from tests.intake.helpers import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(officer_a) -> dict:
    return {"Authorization": f"Bearer {token_for(officer_a)}"}


@pytest.fixture
def lr(officer_a):
    return request_submit(
        actor=officer_a.user, data=warrant_data(), documents=[DocumentInput("warrant.pdf", minimal_pdf())]
    )


@pytest.mark.parametrize(
    "query",
    [
        "page[number]=1",  # `page` as an object (deepObject style)
        "number=1",  # `page` as an object (form style, exploded: its keys alone)
        "page=1&page=2",  # `page` as an array
        "status=submitted&status=closed",
    ],
)
@pytest.mark.usefixtures("lr")
def test_the_list_refuses_parameters_it_does_not_document(auth, query):
    response = Client().get(f"/api/v1/requests/?{query}", headers=auth)
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == "Some fields are not valid."


@pytest.mark.usefixtures("lr")
def test_the_list_still_answers_its_documented_parameters(auth):
    response = Client().get("/api/v1/requests/?page=1&status=submitted&q=", headers=auth)
    assert response.status_code == 200 and response.json()["count"] >= 0


def test_a_message_body_given_as_an_array_is_refused(auth, lr):
    url = f"/api/v1/requests/{lr.reference}/messages/"
    as_json = Client().post(url, json.dumps({"body": ["a", "b"]}), content_type="application/json", headers=auth)
    assert as_json.status_code == 400 and "body" in as_json.json()["errors"]
    as_form = Client().post(url, {"body": ["first", "second"]}, headers=auth)  # multipart, the field twice
    assert as_form.status_code == 400
    assert as_form.json()["errors"]["body"][0]["message"] == "Give body once, as a single value, not a list."
    assert Message.objects.count() == 0
    ok = Client().post(url, {"body": "Just once"}, headers=auth)
    assert ok.status_code == 201 and Message.objects.get().body == "Just once"


def test_a_malformed_multipart_withdrawal_is_refused_and_changes_nothing(auth, lr):
    boundary = "cc5bc2c72ca5f4933e6360a71699b9b8"
    url = f"/api/v1/requests/{lr.reference}/withdraw/"
    bad = f"--{boundary}\r\n-111--{boundary}--\r\n".encode()  # a part without headers (schemathesis' case)
    response = Client().post(url, bad, content_type=f"multipart/form-data; boundary={boundary}", headers=auth)
    assert response.status_code == 400 and "multipart body could not be read" in response.json()["detail"]
    lr.refresh_from_db()
    assert lr.status != Status.WITHDRAWN

    empty = f"--{boundary}--\r\n".encode()  # a well-formed empty form: no reason given, which is allowed
    response = Client().post(url, empty, content_type=f"multipart/form-data; boundary={boundary}", headers=auth)
    assert response.status_code == 200
    lr.refresh_from_db()
    assert lr.status == Status.WITHDRAWN


def test_the_multipart_schema_names_required_parts_and_pdf_files():
    import yaml

    response = Client().get("/api/schema/")
    schema = yaml.safe_load(response.content)
    components = schema["components"]["schemas"]
    documents = schema["paths"]["/api/v1/requests/{reference}/documents/"]["post"]["requestBody"]
    assert documents["required"] is True
    assert documents["content"]["multipart/form-data"]["encoding"] == {"file": {"contentType": "application/pdf"}}
    assert components["DocumentInput"]["required"] == ["file"]
    assert "application/pdf" in components["DocumentInput"]["description"]
    create = schema["paths"]["/api/v1/requests/"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert create["encoding"] == {
        "documents": {"contentType": "application/pdf"},
        "ndo_document": {"contentType": "application/pdf"},
    }
    assert {"request_type", "country", "targets"} <= set(components["RequestCreate"]["required"])
    answer = schema["paths"]["/api/v1/requests/{reference}/answer/"]["post"]["requestBody"]["content"]
    assert answer["multipart/form-data"]["encoding"] == {"file": {"contentType": "application/pdf"}}
    assert "at least one of the two" in components["AnswerInput"]["description"]
    assert components["RequestCreate"]["properties"]["ndo_document"]["format"] == "binary"
