"""REST API v1 for agencies (mounted at /api/v1/).

Authentication is by per-officer token only (no session, no browsable API);
throttled per token. Officers see only their own agency's requests: anything
else is 404. Errors are JSON: {"detail": ..., "errors": {field: [{message, code}]}}
and, for rule findings, {"findings": [...]}.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.http import parse_header_parameters
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiRequest, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework import serializers as drf_serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler, set_rollback

from requests_app import audit, errors, rules
from requests_app import permissions as portal_permissions
from requests_app.documents import DocumentError
from requests_app.exceptions import PortalError
from requests_app.intake import serializers as s
from requests_app.intake import services
from requests_app.intake.authentication import ApiTokenAuthentication, TokenRateThrottle
from requests_app.intake.models import IdempotencyRecord
from requests_app.lifecycle import Status, TransitionError
from requests_app.models import Document, LegalRequest, Target
from requests_app.services import (
    PermissionDenied,
    SubmissionRefused,
    document_add,
    request_findings,
    request_submit_rows,
    request_withdraw,
)


def api_exception_handler(exc, context):
    """DRF's handler, with field errors carrying their codes and every error a top-level `code`.

    What DRF does not know (database down, a body too large or nested too deeply) is answered
    as requests_app.errors answers it outside DRF: JSON, never Django's HTML page.
    """
    if isinstance(exc, exceptions.ValidationError):
        details = exc.get_full_details()
        if isinstance(details, list):
            details = {"non_field_errors": details}
        return Response(
            {"detail": "Some fields are not valid.", "code": "invalid", "errors": details},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, PortalError):
        # A service's refusal no endpoint answered more precisely: its message, code and status.
        set_rollback()
        return Response({"detail": str(exc), "code": exc.code}, status=exc.status)
    if not isinstance(exc, exceptions.APIException | Http404 | DjangoPermissionDenied):
        status_code, code, _title, detail, retry_after = errors.classify(exc)
        if status_code == 500:
            return None  # a bug: Django logs it and errors.server_error answers
        set_rollback()
        return errors.api_error(status_code, code, detail, retry_after=retry_after)
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "code" not in response.data:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        response.data["code"] = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
        if isinstance(exc, Http404):
            response.data["code"] = "not_found"
        elif isinstance(exc, DjangoPermissionDenied):
            response.data["code"] = "permission_denied"
    return response


class IsAgencyOfficer(permissions.BasePermission):
    message = "API tokens belong to active officers of verified agencies."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.auth is not None and portal_permissions.is_agency_officer(request.user))


ERROR_DESCRIPTIONS = {
    400: "A field is not valid, or the rules refused the request (docs/api.md, Errors).",
    401: "No token; an unknown, expired or revoked token; or the account or agency is not active.",
    403: "The token's owner is not an officer of a verified agency.",
    404: "No such request in your agency.",
    409: "Not possible in the request's state (on create: a call with the same Idempotency-Key is still running).",
    422: "The Idempotency-Key was already used for a different request body.",
    429: "Throttled: too many calls for this token.",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for error answers; every error has the JSON body of ErrorSerializer."""
    return {code: OpenApiResponse(s.ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


class OfficerSchema(AutoSchema):
    """Documents, next to each view's own responses, the errors that come from OfficerAPIView
    itself: token (401), permission (403), throttle (429), body validation (400) and the
    {reference} lookup (404)."""

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        codes = [401, 403, 429]
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append(400)
        if "{reference}" in self.path:
            codes.append(404)
        for code, response in _errors(*codes).items():
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        return dict(sorted(bodies.items()))


class StrictMultiPartParser(MultiPartParser):
    """Multipart bodies must be well formed. Django's parser reads a body whose parts it cannot
    make out (no opening boundary, a part without a Content-Disposition name) as an empty form;
    here such a body is refused (400), not taken for "no fields given". An empty form is the
    closing delimiter alone: a few dozen bytes, which are kept aside to tell the two apart."""

    SMALL = 4096

    def parse(self, stream, media_type=None, parser_context=None):
        meta = (parser_context or {})["request"].META
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = None
        if stream is not None and length <= self.SMALL:
            body = stream.read(length)
            stream = io.BytesIO(body)
        result = super().parse(stream, media_type, parser_context)
        if not result.data and not result.files and length and not self._only_named_parts(body, media_type):
            raise ParseError(
                "The multipart body could not be read: each part needs a boundary line and a "
                'Content-Disposition header with a name (e.g. form-data; name="reason").'
            )
        return result

    @staticmethod
    def _only_named_parts(body: bytes | None, media_type: str | None) -> bool:
        """Whether a body that gave no fields is still well formed: nothing but parts that each
        start with a Content-Disposition header (an empty value, or no part at all)."""
        if body is None:
            return False  # larger than any empty form
        boundary = parse_header_parameters(media_type or "")[1].get("boundary", "").encode()
        if not boundary or (b"--" + boundary) not in body:
            return not body.strip()
        segments = body.split(b"--" + boundary)[1:]  # the preamble before the first boundary is ignored
        if not segments or not segments[-1].startswith(b"--"):
            return False  # no closing delimiter
        return all(seg.lstrip(b"\r\n").lower().startswith(b"content-disposition:") for seg in segments[:-1])


# Which parts of a multipart body are files, and that they are PDFs (OpenAPI encoding objects).
PDF = {"contentType": "application/pdf"}


class OfficerAPIView(APIView):
    """Base: token auth only, JSON only, throttled per token."""

    schema = OfficerSchema()
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAgencyOfficer]
    throttle_classes = [TokenRateThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser, StrictMultiPartParser, FormParser]

    def get_exception_handler(self):
        return api_exception_handler

    def get_request(self, reference: str) -> LegalRequest:
        return portal_permissions.get_visible_request(self.request.user, reference=reference)

    @property
    def ip(self) -> str | None:
        return portal_permissions.client_ip(self.request)


def _refused(message: str, code: str, http: int = status.HTTP_400_BAD_REQUEST, **extra: Any) -> Response:
    return Response({"detail": message, "code": code, **extra}, status=http)


def _findings(findings: list[rules.Finding]) -> list[dict]:
    return [f.as_dict() for f in findings]


# ---------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------


class RequestDryRun(OfficerAPIView):
    """Check a draft against the rules without saving anything."""

    @extend_schema(
        # JSON only: in form bodies `targets` would be a JSON string, not the list documented here.
        request={"application/json": s.DraftSerializer},
        responses=s.DryRunResultSerializer,
        tags=["requests"],
    )
    def post(self, request):
        ser = s.DraftSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        findings = request_findings(
            agency=request.user.officer.agency,
            data=ser.submission_data(),
            has_document=ser.validated_data["has_document"],
        )
        return Response(
            {
                "would_be_accepted": not rules.has_errors(findings),
                "needs_acknowledgement": any(f.severity is rules.Severity.WARNING for f in findings),
                "findings": _findings(findings),
            }
        )


IN_PROGRESS_TIMEOUT = timedelta(minutes=5)


def _fingerprint(request: Request) -> str:
    """SHA-256 over the body fields and uploaded files, order-independent."""
    h = hashlib.sha256()
    data = request.data
    if hasattr(data, "lists"):
        items = sorted((k, [v for v in vs if isinstance(v, str)]) for k, vs in data.lists())
    else:
        items = data
    h.update(json.dumps(items, sort_keys=True, default=str).encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            upload.seek(0)
            for chunk in upload.chunks():
                h.update(chunk)
            upload.seek(0)
    return h.hexdigest()


class RequestListCreate(generics.ListAPIView, OfficerAPIView):
    """List the agency's requests (filter ?status=, search ?q= reference or case number) or submit one."""

    serializer_class = s.RequestListSerializer
    filter_backends: list = []
    QUERY_PARAMETERS = frozenset({"page", "status", "q"})

    def get_queryset(self):
        qs = portal_permissions.visible_requests(self.request.user).order_by("-received_at", "-pk")
        status_ = self.request.query_params.get("status")
        if status_:
            if status_ not in Status.values:
                raise exceptions.ValidationError(
                    {"status": [f"“{status_}” is not a request status."]}, "invalid_choice"
                )
            qs = qs.filter(status=status_)
        q = (self.request.query_params.get("q") or "").strip()
        if q:
            from django.db.models import Q

            qs = qs.filter(Q(reference__iexact=q) | Q(case_number__icontains=q))
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=[c for c, _ in s.STATUS_CHOICES]),
            OpenApiParameter("q", str, description="Reference (exact) or case number (contains)"),
        ],
        responses={200: s.RequestListSerializer(many=True), **_errors(400, 404)},
        tags=["requests"],
    )
    def get(self, request, *args, **kwargs):
        # Only the documented parameters, each once: `page[x]=1` (page as an object) or `page=1&page=2`
        # would otherwise be ignored and the first page answered as if the input were valid.
        errors = {}
        for name in request.query_params:
            if name not in self.QUERY_PARAMETERS:
                errors[name] = [f"“{name}” is not a parameter here; use {', '.join(sorted(self.QUERY_PARAMETERS))}."]
            elif len(request.query_params.getlist(name)) > 1:
                errors[name] = [f"Give {name} once."]
        if errors:
            raise exceptions.ValidationError(errors, "invalid")
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={
            "multipart/form-data": OpenApiRequest(
                s.RequestCreateSerializer, encoding={"documents": PDF, "ndo_document": PDF}
            ),
            "application/json": s.RequestCreateSerializer,
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Any unique string; a retry with the same key and body returns the first result.",
            ),
            OpenApiParameter(
                "Location", str, OpenApiParameter.HEADER, response=[201], description="The new request's URL."
            ),
            OpenApiParameter(
                "Idempotent-Replayed",
                str,
                OpenApiParameter.HEADER,
                response=[201],
                description="`true` when this is the first answer to the same Idempotency-Key, replayed.",
            ),
        ],
        responses={201: s.RequestDetailSerializer, **_errors(409, 422)},
        tags=["requests"],
    )
    def post(self, request, *args, **kwargs):
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if len(key) > 200:
            return _refused("The Idempotency-Key is longer than 200 characters.", "idempotency_key_too_long")
        record = None
        if key:
            fingerprint = _fingerprint(request)
            # A record left "in progress" by a crashed worker does not block the key for ever.
            IdempotencyRecord.objects.filter(
                user=request.user,
                key=key,
                response_status__isnull=True,
                created_at__lt=timezone.now() - IN_PROGRESS_TIMEOUT,
            ).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(user=request.user, key=key, fingerprint=fingerprint)
            except IntegrityError:
                first = IdempotencyRecord.objects.get(user=request.user, key=key)
                if first.response_status is None:
                    return _refused(
                        "A request with this Idempotency-Key is still being processed; retry in a moment.",
                        "idempotency_in_progress",
                        http=status.HTTP_409_CONFLICT,
                    )
                if first.fingerprint != fingerprint:
                    return _refused(
                        "This Idempotency-Key was already used for a different request body.",
                        "idempotency_key_reused",
                        http=status.HTTP_422_UNPROCESSABLE_ENTITY,
                    )
                response = Response(first.response_body, status=first.response_status)
                response["Idempotent-Replayed"] = "true"
                reference = (first.response_body or {}).get("reference")
                if reference:
                    response["Location"] = f"/api/v1/requests/{reference}/"
                return response
        try:
            response, created = self._create(request)
        except BaseException:
            if record is not None:
                record.delete()
            raise
        if record is not None:
            if created is not None:
                IdempotencyRecord.objects.filter(pk=record.pk).update(
                    response_status=response.status_code,
                    response_body=json.loads(JSONRenderer().render(response.data)),
                    legal_request_id=created.pk,
                )
            else:
                # A refused submission saved nothing: the client may fix it and retry with the same key.
                record.delete()
        return response

    def _create(self, request: Request) -> tuple[Response, LegalRequest | None]:
        """The answer, and the request it created (None: refused, nothing saved)."""
        ser = s.RequestCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            submitted = request_submit_rows(
                actor=request.user,
                data=ser.submission_data(),
                documents=ser.document_inputs,
                acknowledge_warnings=ser.validated_data["acknowledge_warnings"],
                ip=self.ip,
            )
        except SubmissionRefused as exc:
            return _refused(
                str(exc),
                "warnings_not_acknowledged" if exc.needs_acknowledgement else "rules_refused",
                findings=_findings(exc.findings),
            ), None
        except DocumentError as exc:
            return Response(
                {"detail": str(exc), "errors": {"documents": [{"message": str(exc), "code": exc.code}]}},
                status=status.HTTP_400_BAD_REQUEST,
            ), None
        except PermissionDenied as exc:
            return _refused(str(exc), "permission_denied", http=status.HTTP_403_FORBIDDEN), None
        lr = submitted.request
        # The targets and documents just written, not read back.
        body = s.RequestDetailSerializer(lr, context={"written": submitted.rows}).data
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/requests/{lr.reference}/"
        return response, lr


class RequestDetail(OfficerAPIView):
    @extend_schema(responses=s.RequestDetailSerializer, tags=["requests"])
    def get(self, request: Request, reference: str) -> Response:
        """One of the agency's requests, with targets, documents and rule findings."""
        lr = self.get_request(reference)
        return Response(s.RequestDetailSerializer(lr).data)


class RequestTimeline(OfficerAPIView):
    @extend_schema(responses=s.EventSerializer(many=True), tags=["requests"])
    def get(self, request: Request, reference: str) -> Response:
        """The public part of the request's timeline, oldest first."""
        lr = self.get_request(reference)
        events = lr.events.filter(public=True).order_by("id")
        return Response(s.EventSerializer(events, many=True).data)


class RequestReceipts(OfficerAPIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, tags=["requests"])
    def get(self, request: Request, reference: str) -> Response:
        """Audit-log receipts of the request's timeline events: each event's leaf index, the signed checkpoint
        and an inclusion proof, verifiable offline with tlog.py (docs/audit-log.md)."""
        lr = self.get_request(reference)
        return Response({"receipts": audit.request_receipts(lr)})


class RequestWithdraw(OfficerAPIView):
    @extend_schema(
        request=s.WithdrawInputSerializer,
        responses={200: s.RequestDetailSerializer, **_errors(409)},
        tags=["requests"],
    )
    def post(self, request: Request, reference: str) -> Response:
        """Withdraw an open request."""
        lr = self.get_request(reference)
        ser = s.WithdrawInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            request_withdraw(request=lr, actor=request.user, reason=ser.validated_data["reason"], ip=self.ip)
        except TransitionError as exc:
            return _refused(str(exc), exc.code, http=status.HTTP_409_CONFLICT)
        return Response(s.RequestDetailSerializer(lr).data)


class RequestAnswer(OfficerAPIView):
    @extend_schema(
        request={
            "multipart/form-data": OpenApiRequest(s.AnswerInputSerializer, encoding={"file": PDF}),
            "application/json": s.AnswerInputSerializer,
        },
        responses={200: s.RequestDetailSerializer, **_errors(409)},
        tags=["requests"],
    )
    def post(self, request: Request, reference: str) -> Response:
        """Answer the legal team's question (status needs_info): a message and/or a PDF; the request returns to review."""
        lr = self.get_request(reference)
        ser = s.AnswerInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            services.request_answer(
                request=lr,
                actor=request.user,
                body=ser.validated_data["body"],
                document=ser.validated_data["file"],
                ip=self.ip,
            )
        except (PermissionDenied, TransitionError) as exc:
            return _refused(str(exc), "not_waiting_for_information", http=status.HTTP_409_CONFLICT)
        return Response(s.RequestDetailSerializer(lr).data)


# ---------------------------------------------------------------------------------
# Messages and documents
# ---------------------------------------------------------------------------------


class RequestMessages(OfficerAPIView):
    @extend_schema(responses=s.MessageSerializer(many=True), tags=["messages"])
    def get(self, request: Request, reference: str) -> Response:
        """The message thread with the legal team, oldest first."""
        lr = self.get_request(reference)
        thread = lr.messages.select_related("author__officer")
        return Response(s.MessageSerializer(thread, many=True).data)

    @extend_schema(request=s.MessageInputSerializer, responses={201: s.MessageSerializer}, tags=["messages"])
    def post(self, request: Request, reference: str) -> Response:
        """Post a message to the legal team (they are e-mailed)."""
        lr = self.get_request(reference)
        ser = s.MessageInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            message = services.message_post(
                request=lr, author=request.user, body=ser.validated_data["body"], ip=self.ip
            )
        except PermissionDenied as exc:
            return _refused(str(exc), "message_refused")
        return Response(s.MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class RequestDocuments(OfficerAPIView):
    parser_classes = [StrictMultiPartParser]

    @extend_schema(
        request={"multipart/form-data": OpenApiRequest(s.DocumentInputSerializer, encoding={"file": PDF})},
        responses={201: s.DocumentSerializer, **_errors(409)},
        tags=["documents"],
    )
    def post(self, request: Request, reference: str) -> Response:
        """Add a PDF to an open request."""
        lr = self.get_request(reference)
        ser = s.DocumentInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            document = document_add(request=lr, actor=request.user, doc=ser.validated_data["file"], ip=self.ip)
        except DocumentError as exc:
            return Response(
                {"detail": str(exc), "errors": {"file": [{"message": str(exc), "code": exc.code}]}}, status=400
            )
        except PermissionDenied as exc:
            return _refused(str(exc), "request_closed", http=status.HTTP_409_CONFLICT)
        return Response(s.DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------
# Bench only (BENCH_ENDPOINTS=true; never in production URLs)
# ---------------------------------------------------------------------------------


class BenchBare(APIView):
    """A bare DRF endpoint with the same token authentication: the benchmark's baseline."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAgencyOfficer]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]

    @extend_schema(exclude=True)
    def post(self, request):
        return Response({"ok": True, "keys": len(request.data)}, status=status.HTTP_201_CREATED)


class _NaiveRequestSerializer(drf_serializers.ModelSerializer):
    """What a generic ticketing system would do: the same columns, no rules, audit, encryption or scanning."""

    data_categories = drf_serializers.ListField(child=drf_serializers.CharField())
    targets = drf_serializers.JSONField(write_only=True)
    documents = drf_serializers.FileField(write_only=True)

    class Meta:
        model = LegalRequest
        fields = [
            "request_type",
            "legal_framework",
            "country",
            "issuing_authority",
            "authority_kind",
            "case_number",
            "data_categories",
            "date_from",
            "date_to",
            "targets",
            "documents",
        ]

    def create(self, validated_data):
        targets = validated_data.pop("targets")
        upload = validated_data.pop("documents")
        user = self.context["request"].user
        with transaction.atomic():
            lr = LegalRequest.objects.create(
                reference=f"N-{uuid.uuid4().hex[:16]}",
                agency_id=user.officer.agency_id,
                submitted_by=user,
                **validated_data,
            )
            Target.objects.bulk_create(
                [
                    Target(
                        request=lr, identifier_type=t["type"], raw_value=t["value"], kind=t["type"], value=t["value"]
                    )
                    for t in targets
                ]
            )
            Document.objects.create(
                request=lr, filename=upload.name, size=upload.size, sha256="", file=upload, uploaded_by=user
            )
        return lr


class BenchNaive(APIView):
    """bench/intake's "naive write": the submission's rows saved by a plain ModelSerializer create."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAgencyOfficer]
    renderer_classes = [JSONRenderer]
    parser_classes = [MultiPartParser]

    @extend_schema(exclude=True)
    def post(self, request):
        serializer = _NaiveRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        lr = serializer.save()
        return Response({"reference": lr.reference}, status=status.HTTP_201_CREATED)
