"""Input and output serializers built from per-class prototype fields (shallow copies, issue 13) validate and
render exactly what DRF's own deep-copied fields do, and instances never share their bound state."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework import serializers

from requests_app.intake import serializers as s
from tests.factories import minimal_pdf

# RequestCreateSerializer's fields and checks, declared on a plain DRF serializer: DRF deep-copies them for
# every instance, as it does by default.
PlainCreate = type(
    "PlainCreate",
    (s.StrictJSONTypes, serializers.Serializer),
    {
        **s.RequestCreateSerializer().get_fields(),
        "validate_country": s.DraftSerializer.validate_country,
        "validate": s.RequestCreateSerializer.validate,
    },
)


def body(**overrides):
    data = {
        "request_type": "search_warrant",
        "legal_framework": "us_sca",
        "country": "us",
        "issuing_authority": "US District Court",
        "authority_kind": "judge",
        "case_number": "CR-1",
        "data_categories": ["subscriber_info"],
        "targets": json.dumps([{"type": "username", "value": "someone"}]),
    }
    data.update(overrides)
    return data


CASES = [
    body(),
    body(country="XX"),
    body(request_type="nonsense", targets="[]"),
    body(targets=json.dumps([{"type": "fax", "value": ""}]), data_categories=["subscriber_info", "bogus"]),
    body(date_from="yesterday", emergency="maybe", issuing_authority="   "),
    {},
]


@pytest.mark.parametrize("data", CASES)
def test_validation_matches_drf_fields(data):
    ours, plain = s.RequestCreateSerializer(data=data), PlainCreate(data=data)
    assert ours.is_valid() == plain.is_valid()
    assert ours.errors == plain.errors
    if not ours.errors:
        assert ours.validated_data == plain.validated_data


@pytest.mark.parametrize("data", CASES)
def test_json_type_checks_match_drf_fields(data):
    data = {**data, "emergency": 1, "case_number": 42}
    ours, plain = s.RequestCreateSerializer(data=data), PlainCreate(data=data)
    assert not ours.is_valid() and not plain.is_valid()
    assert ours.errors == plain.errors


def test_instances_do_not_share_bound_state():
    a, b = s.RequestCreateSerializer(data=body(country="XX")), s.RequestCreateSerializer(data=body())
    assert a.fields["country"] is not b.fields["country"]
    assert a.fields["country"].parent is a and b.fields["country"].parent is b
    assert a.fields["data_categories"].field_name == "data_categories"
    assert not a.is_valid() and b.is_valid()  # a's error does not leak into b
    assert b.validated_data["country"] == "US"
    assert s.RequestCreateSerializer(data=body()).is_valid()


def test_subclass_has_its_own_prototype():
    assert "has_document" in s.DraftSerializer().fields
    assert "has_document" not in s.RequestCreateSerializer().fields
    assert "documents" not in s.DraftSerializer().fields


def test_uploads_checked_as_before():
    pdf = SimpleUploadedFile("w.pdf", minimal_pdf(), content_type="application/pdf")
    bad = SimpleUploadedFile("x.pdf", b"not a pdf", content_type="application/pdf")
    ours = s.RequestCreateSerializer(data={**body(), "documents": [pdf, bad]})
    assert not ours.is_valid()
    assert list(ours.errors) == ["documents"] and list(ours.errors["documents"]) == [1]
