"""Output serializers: fields built once per class render exactly what DRF's ModelSerializer renders."""

import pytest
from rest_framework import serializers

from requests_app.documents import DocumentInput
from requests_app.intake import serializers as s
from requests_app.services import request_submit, request_submit_rows
from tests.factories import minimal_pdf, warrant_data

pytestmark = pytest.mark.django_db


class PlainTarget(serializers.ModelSerializer):
    class Meta(s.TargetSerializer.Meta):
        pass


class PlainDocument(serializers.ModelSerializer):
    class Meta(s.DocumentSerializer.Meta):
        pass


class PlainDetail(serializers.ModelSerializer):
    """RequestDetailSerializer's declaration without the cached fields."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    country = serializers.CharField(source="country.code")
    targets = PlainTarget(many=True, read_only=True)
    documents = PlainDocument(many=True, read_only=True)
    findings = s.FindingSerializer(many=True, read_only=True)

    class Meta(s.RequestDetailSerializer.Meta):
        pass


def test_cached_fields_render_what_drf_renders(officer_a):
    request = request_submit(
        actor=officer_a.user, data=warrant_data(), documents=[DocumentInput("warrant.pdf", minimal_pdf())]
    )
    expected = PlainDetail(request).data
    for _ in range(3):  # the first call builds the prototype, the next ones copy it
        assert s.RequestDetailSerializer(request).data == expected
    # The list shape has its own prototype, not the detail's.
    listed = s.RequestListSerializer(request).data
    assert set(listed) == set(s.RequestListSerializer.Meta.fields)
    assert "targets" not in listed


@pytest.mark.usefixtures("officer_a")
def test_fields_are_fresh_per_instance():
    a, b = s.RequestDetailSerializer(), s.RequestDetailSerializer()
    assert a.fields["reference"] is not b.fields["reference"]
    assert a.fields["reference"].parent is a and b.fields["reference"].parent is b


def test_answer_after_submit_uses_the_rows_just_written(officer_a, django_assert_num_queries):
    submitted = request_submit_rows(
        actor=officer_a.user, data=warrant_data(), documents=[DocumentInput("warrant.pdf", minimal_pdf())]
    )
    request = submitted.request
    with django_assert_num_queries(0):
        body = s.RequestDetailSerializer(request, context={"written": submitted.rows}).data
    assert [t["value"] for t in body["targets"]] == ["+12025550143", "some_user"]
    assert [d["filename"] for d in body["documents"]] == ["warrant.pdf"]
    # Without the rows the serializer reads from the database.
    assert request.documents.count() == 1
    assert not hasattr(request, "_prefetched_objects_cache")
    with django_assert_num_queries(2):
        assert s.RequestDetailSerializer(request).data["targets"] == body["targets"]
