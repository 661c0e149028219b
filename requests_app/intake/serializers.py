"""API input and output shapes. Input serializers validate and build service
arguments; they never save anything."""

from __future__ import annotations

import copy
import json
from typing import Any

from django.conf import settings
from django_countries import countries
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from requests_app import dsa_categories, rules
from requests_app.documents import DocumentError, DocumentInput
from requests_app.intake.services import MESSAGE_MAX_CHARS
from requests_app.lifecycle import Status
from requests_app.models import Document, LegalRequest, Message, RequestEvent, Target
from requests_app.services import SubmissionData

COUNTRY_CODES = frozenset(code for code, _name in countries)


def read_upload(upload: Any, kind: str = Document.Kind.LEGAL_PROCESS) -> DocumentInput:
    """Read one uploaded file and check it; raises DocumentError."""
    limit = settings.DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise DocumentError(
            f"{upload.name} is {upload.size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB. Split it into smaller PDFs.",
            "too_large",
        )
    # Checked here once; the submission service does not parse the same bytes again.
    return DocumentInput.checked(upload.name, upload.read(), kind=kind)


class PrototypeFields:
    """A serializer's fields built once per class (DRF's own get_fields, so the fields and the schema are
    DRF's) and copied for each instance. DRF deep-copies them on every instance, which re-runs every
    field's __init__ (about 0.5 ms for a request's ~30 input fields, as much again for the answer); a
    shallow copy is enough: binding to the new serializer sets the copy's own name, parent and source,
    and what the copies share (choices, error messages, a list field's child, a nested serializer's
    child) is only read while validating or rendering. The prototypes are never bound nor used.
    A shared nested child (e.g. the TargetSerializer inside `targets`) sees the prototype's empty context,
    not the request's: a field that needs the context belongs on the list (as WrittenRows does), not on
    the child."""

    _prototype_fields: Any

    def get_fields(self):
        cls = type(self)
        prototype = cls.__dict__.get("_prototype_fields")
        if prototype is None:
            prototype = super().get_fields()  # type: ignore[misc]
            cls._prototype_fields = prototype
        return {name: copy.copy(field) for name, field in prototype.items()}


# Schema-only field classes: they validate exactly like their DRF base class and
# document in the OpenAPI schema what the base class leaves out.


@extend_schema_field({"type": "string", "format": "binary", "description": "A PDF file (application/pdf)."})
class UploadField(serializers.FileField):
    """A file part of a multipart body: a PDF (DRF documents a FileField as a URL). Its content is
    checked (requests_app/documents.py); the request bodies give the part's type in `encoding`."""


@extend_schema_field({"type": "string", "minLength": 1, "pattern": r"\S"})
class TextField(serializers.CharField):
    """A required CharField: it is trimmed, so it must hold more than white space."""


@extend_schema_field({"type": "string", "enum": sorted(COUNTRY_CODES)})
class CountryField(serializers.CharField):
    """An ISO 3166-1 alpha-2 code, checked in DraftSerializer.validate_country."""


# (A comment, not a docstring: the schema would show it as every input body's description.)
# Input serializers: in a JSON object a string field takes only a string and a boolean
# field only true/false, as the schema says (DRF would read 0 as "0" or as false). Form
# bodies carry nothing but strings and keep DRF's parsing of them, but a field that takes one
# value may be given only once (DRF would silently keep the last of `body=a&body=b`).
class StrictJSONTypes:
    fields: dict[str, Any]  # the serializer's (a mixin of serializers.Serializer)

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):
            repeated = {
                name: [serializers.ErrorDetail(f"Give {name} once, as a single value, not a list.", code="invalid")]
                for name, field in self.fields.items()
                if not isinstance(field, serializers.ListField | serializers.MultipleChoiceField)
                and len(data.getlist(name)) > 1
            }
            if repeated:
                raise serializers.ValidationError(repeated)
        elif isinstance(data, dict):
            errors = {}
            for name, field in self.fields.items():
                value = data.get(name)
                if value is None:
                    continue  # absent or null: DRF's own required/null checks
                if isinstance(field, serializers.CharField) and not isinstance(value, str):
                    errors[name] = [
                        serializers.ErrorDetail(
                            'Give this as text in quotes (e.g. "12345"), not as a number.', code="invalid"
                        )
                    ]
                elif isinstance(field, serializers.BooleanField) and not isinstance(value, bool):
                    errors[name] = [serializers.ErrorDetail("Give true or false, without quotes.", code="invalid")]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


class TargetInputSerializer(PrototypeFields, StrictJSONTypes, serializers.Serializer):
    """One account the request is about: an identifier and its type."""

    type = serializers.ChoiceField(
        choices=list(rules.TARGET_TYPES.items()), help_text="phone, username, user_id or link"
    )
    value = TextField(max_length=300)


class TargetsField(serializers.Field):
    """A list of {"type", "value"}; in multipart bodies, a JSON string of that list."""

    default_error_messages = {
        "invalid": "Give targets as a list of objects with “type” and “value”.",
        "empty": "Name at least one account: a phone number, username, user ID or t.me link.",
        "too_many": "At most 50 targets per request.",
    }

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, list):
            self.fail("invalid")
        if not data:
            self.fail("empty")
        if len(data) > 50:
            self.fail("too_many")
        inner = TargetInputSerializer(data=data, many=True)
        if not inner.is_valid():
            raise serializers.ValidationError(inner.errors)
        return [(t["type"], t["value"]) for t in inner.validated_data]

    def to_representation(self, value):
        return [{"type": t, "value": v} for t, v in value]


class TargetsFieldSchema(OpenApiSerializerFieldExtension):
    """TargetsField in the schema: a list of TargetInput, 1 to 50 of them."""

    target_class = TargetsField

    def map_serializer_field(self, auto_schema, direction):
        component = auto_schema.resolve_serializer(TargetInputSerializer, direction)
        return {"type": "array", "items": component.ref, "minItems": 1, "maxItems": 50}


class DraftSerializer(PrototypeFields, StrictJSONTypes, serializers.Serializer):
    """A request as the officer would submit it (also the dry-run body)."""

    request_type = serializers.ChoiceField(choices=rules.choices(rules.REQUEST_TYPES))
    legal_framework = serializers.ChoiceField(choices=rules.choices(rules.FRAMEWORKS))
    # A CharField checked against a set: a ChoiceField of ~250 countries is deep-copied on every request.
    country = CountryField(min_length=2, max_length=2, help_text="ISO 3166-1 alpha-2 code of the law that applies.")
    issuing_authority = TextField(max_length=200)
    authority_kind = serializers.ChoiceField(choices=rules.choices(rules.AUTHORITY_KINDS))
    legal_basis = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    case_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    data_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=rules.choices(rules.CATEGORIES)), max_length=20
    )
    targets = TargetsField()
    date_from = serializers.DateField(required=False, allow_null=True, default=None)
    date_to = serializers.DateField(required=False, allow_null=True, default=None)
    emergency = serializers.BooleanField(required=False, default=False)
    emergency_justification = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    emergency_attested = serializers.BooleanField(required=False, default=False)
    judicial_validation = serializers.BooleanField(required=False, default=False)
    ip_identification_times = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    ip_identification_only = serializers.BooleanField(required=False, default=False)
    epoc_domestic_exception = serializers.BooleanField(
        required=False, default=False, help_text="Reg. 2023/1543 Art. 8(2): offence and person in the issuing State."
    )
    doj_warrant = serializers.BooleanField(required=False, default=False)
    cloud_act_non_us_person = serializers.BooleanField(required=False, default=False)
    cloud_act_outside_us = serializers.BooleanField(required=False, default=False)
    cloud_act_independent_review = serializers.BooleanField(required=False, default=False)
    ndo_until = serializers.DateField(required=False, allow_null=True, default=None)
    ndo_indefinite = serializers.BooleanField(required=False, default=False)
    dsa_category = serializers.ChoiceField(
        choices=dsa_categories.officer_choices(),
        required=False,
        allow_blank=True,
        default="",
        help_text="EU DSA orders: the category of illegal content (Reg. 2024/2835 taxonomy); blank if none.",
    )
    has_document = serializers.BooleanField(
        required=False, default=False, help_text="Dry run only: whether you will attach the legal process."
    )

    def validate_country(self, value: str) -> str:
        code = value.upper()
        if code not in COUNTRY_CODES:
            raise serializers.ValidationError(f"“{value}” is not an ISO 3166-1 country code.", code="invalid_choice")
        return code

    def submission_data(self) -> SubmissionData:
        v = self.validated_data
        return SubmissionData(
            request_type=v["request_type"],
            legal_framework=v["legal_framework"],
            country=v["country"],
            data_categories=v["data_categories"],
            targets=v["targets"],
            authority_kind=v["authority_kind"],
            issuing_authority=v["issuing_authority"],
            legal_basis=v["legal_basis"],
            case_number=v["case_number"],
            date_from=v["date_from"],
            date_to=v["date_to"],
            emergency=v["emergency"],
            emergency_justification=v["emergency_justification"],
            emergency_attested=v["emergency_attested"],
            judicial_validation=v["judicial_validation"],
            ip_identification_times=v["ip_identification_times"],
            ip_identification_only=v["ip_identification_only"],
            epoc_domestic_exception=v["epoc_domestic_exception"],
            doj_warrant=v["doj_warrant"],
            cloud_act_non_us_person=v["cloud_act_non_us_person"],
            cloud_act_outside_us=v["cloud_act_outside_us"],
            cloud_act_independent_review=v["cloud_act_independent_review"],
            ndo=bool(v["ndo_until"] or v["ndo_indefinite"]),
            ndo_until=v["ndo_until"],
            ndo_indefinite=v["ndo_indefinite"],
            dsa_category=v["dsa_category"],
        )


class RequestCreateSerializer(DraftSerializer):
    has_document = None
    documents = serializers.ListField(
        child=UploadField(),
        required=False,
        default=list,
        max_length=20,
        help_text="The legal process as PDF files (multipart).",
    )
    ndo_document = UploadField(
        required=False, allow_null=True, default=None, help_text="The nondisclosure order (PDF)."
    )
    acknowledge_warnings = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        self.document_inputs: list[DocumentInput] = []
        errors: dict[str, Any] = {}
        errors_by_index: dict[int, list] = {}
        for index, upload in enumerate(attrs.get("documents") or []):
            try:
                self.document_inputs.append(read_upload(upload))
            except DocumentError as exc:
                # Keyed by position, like DRF's own list-field errors.
                errors_by_index[index] = [serializers.ErrorDetail(str(exc), code=exc.code)]
        if errors_by_index:
            errors["documents"] = errors_by_index
        if attrs.get("ndo_document"):
            try:
                self.document_inputs.append(read_upload(attrs["ndo_document"], kind=Document.Kind.NDO))
            except DocumentError as exc:
                errors.setdefault("ndo_document", []).append(serializers.ErrorDetail(str(exc), code=exc.code))
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class FindingSerializer(PrototypeFields, serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=[s.value for s in rules.Severity])
    field = serializers.CharField()
    message = serializers.CharField()


class DryRunResultSerializer(serializers.Serializer):
    would_be_accepted = serializers.BooleanField(help_text="No errors (warnings still need acknowledge_warnings).")
    needs_acknowledgement = serializers.BooleanField()
    findings = FindingSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    """Every error body (docs/api.md section 4); which keys besides `detail` appear depends on the error."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False, help_text="Machine-readable reason, e.g. rules_refused.")
    errors = serializers.DictField(
        required=False, help_text="Field errors: {field: [{message, code}]}, list fields keyed by position."
    )
    findings = FindingSerializer(many=True, required=False)


class WrittenRows(serializers.ListSerializer):
    """A request's targets or documents: the rows given in the context as
    `written[<field name>]` (those request_submit_rows just wrote), else the request's own."""

    def get_attribute(self, instance: Any) -> Any:
        written = self.context.get("written") or {}
        if self.field_name in written:
            return written[self.field_name]
        return super().get_attribute(instance)


class TargetSerializer(PrototypeFields, serializers.ModelSerializer):
    class Meta:
        list_serializer_class = WrittenRows
        model = Target
        fields = ["identifier_type", "raw_value", "kind", "value"]


class DocumentSerializer(PrototypeFields, serializers.ModelSerializer):
    class Meta:
        list_serializer_class = WrittenRows
        model = Document
        fields = ["id", "kind", "filename", "size", "sha256", "scan_status", "uploaded_at"]


class RequestListSerializer(PrototypeFields, serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    country = serializers.CharField(source="country.code")

    class Meta:
        model = LegalRequest
        fields = [
            "reference",
            "status",
            "status_label",
            "request_type",
            "legal_framework",
            "country",
            "case_number",
            "emergency",
            "received_at",
            "due_at",
            "closed_at",
            "outcome",
        ]


class RequestDetailSerializer(RequestListSerializer):
    targets = TargetSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)

    class Meta(RequestListSerializer.Meta):
        fields = RequestListSerializer.Meta.fields + [
            "issuing_authority",
            "authority_kind",
            "legal_basis",
            "data_categories",
            "date_from",
            "date_to",
            "emergency_justification",
            "ndo_until",
            "ndo_indefinite",
            "findings",
            "targets",
            "documents",
        ]


class EventSerializer(PrototypeFields, serializers.ModelSerializer):
    type = serializers.CharField(source="event_type")
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = RequestEvent
        fields = ["seq", "type", "at", "from_status", "to_status", "message"]


class MessageSerializer(PrototypeFields, serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "from_agency", "author", "body", "created_at"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_author(self, obj: Message) -> str:
        if not obj.from_agency:
            return "Legal team"  # staff names are not disclosed to agencies
        officer = getattr(obj.author, "officer", None)
        return officer.full_name if officer else ""


class MessageInputSerializer(PrototypeFields, StrictJSONTypes, serializers.Serializer):
    """A message to the legal team: `body` is required (text, given once)."""

    body = TextField(max_length=MESSAGE_MAX_CHARS)


class DocumentInputSerializer(PrototypeFields, StrictJSONTypes, serializers.Serializer):
    """Multipart: one part `file` (required), a PDF (application/pdf) without scripts or encryption."""

    file = UploadField(help_text="One PDF.")

    def validate_file(self, upload):
        try:
            return read_upload(upload, kind=Document.Kind.SUPPLEMENT)
        except DocumentError as exc:
            raise serializers.ValidationError(str(exc), code=exc.code) from exc


class AnswerInputSerializer(PrototypeFields, StrictJSONTypes, serializers.Serializer):
    """An answer: a message (`body`), a PDF (`file`, multipart only), or both; at least one of the two."""

    body = serializers.CharField(max_length=MESSAGE_MAX_CHARS, required=False, allow_blank=True, default="")
    file = UploadField(required=False, allow_null=True, default=None)

    def validate_file(self, upload):
        if upload is None:
            return None
        try:
            return read_upload(upload, kind=Document.Kind.SUPPLEMENT)
        except DocumentError as exc:
            raise serializers.ValidationError(str(exc), code=exc.code) from exc

    def validate(self, attrs):
        if not attrs.get("body", "").strip() and attrs.get("file") is None:
            raise serializers.ValidationError("Write an answer or attach a document.", code="empty_answer")
        return attrs


class WithdrawInputSerializer(PrototypeFields, StrictJSONTypes, serializers.Serializer):
    """Withdraw the request; `reason` is optional. A body that cannot be read (e.g. malformed multipart) is refused."""

    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


STATUS_CHOICES = list(Status.choices)
