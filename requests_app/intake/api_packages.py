"""REST API v1: the packages of records produced for a request, listed and downloaded (issue 16).

Same rules as the portal's download page (production.views.production_download): only officers of the
requesting agency (another agency's request or package answers 404, like one that does not exist), only a
released package whose link has not expired, and the download is recorded (row, audit event, request closed
on the first one) only once the whole zip was served and matched its SHA-256 (production.services).

The API token stands for the second factor: it can only be created in a session that passed the
authenticator code (docs/api.md).
"""

from __future__ import annotations

from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from requests_app.intake import serializers as s
from requests_app.intake.api import OfficerAPIView, _errors, _refused
from requests_app.production import services as production_services
from requests_app.production.models import Production


class PackageSerializer(drf_serializers.Serializer):
    id = drf_serializers.IntegerField(source="pk")
    status = drf_serializers.CharField(
        help_text="building, unsigned (waiting for the custodian's signature), "
        "ready, failed or purged (expired and deleted)"
    )
    status_display = drf_serializers.CharField(source="get_status_display")
    categories = drf_serializers.ListField(child=drf_serializers.CharField())
    record_count = drf_serializers.IntegerField()
    size = drf_serializers.IntegerField(allow_null=True, help_text="bytes of the zip")
    sha256 = drf_serializers.CharField(help_text="SHA-256 of the zip you download (also its X-Content-SHA256)")
    manifest_sha256 = drf_serializers.CharField(help_text="SHA-256 of manifest.json, printed on the certificate")
    created_at = drf_serializers.DateTimeField()
    ready_at = drf_serializers.DateTimeField(allow_null=True)
    expires_at = drf_serializers.DateTimeField(allow_null=True, help_text="the download link ends then")
    downloadable = drf_serializers.SerializerMethodField()
    download_url = drf_serializers.SerializerMethodField()
    downloads = drf_serializers.SerializerMethodField(help_text="how many times your agency downloaded it")

    def get_downloadable(self, obj: Production) -> bool:
        return obj.is_downloadable()

    def get_download_url(self, obj: Production) -> str | None:
        if not obj.is_downloadable():
            return None
        return reverse("api_package_download", args=[obj.request.reference, obj.pk])

    def get_downloads(self, obj: Production) -> int:
        return obj.downloads.count()


class PackageListSerializer(drf_serializers.Serializer):
    packages = PackageSerializer(many=True)


# Statuses an agency sees: a package being built or that failed to build is not theirs to fetch yet, but it
# shows that records are on the way (the portal's page shows the same).
VISIBLE = [choice.value for choice in Production.Status]


class RequestPackages(OfficerAPIView):
    @extend_schema(responses={200: PackageListSerializer, **_errors(404)}, tags=["packages"])
    def get(self, request, reference: str):
        """The packages of records produced for one of your agency's requests, newest first."""
        lr = self.get_request(reference)
        packages = lr.productions.filter(status__in=VISIBLE).select_related("request").order_by("-created_at", "-pk")
        return Response({"packages": PackageSerializer(packages, many=True).data})


class PackageDownload(OfficerAPIView):
    def perform_content_negotiation(self, request, force=False):
        # The zip is a plain streaming response; only errors are rendered, always as JSON (any Accept).
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The zip of records (manifest.json, the signed certificate, the records). Its SHA-256 "
                "is in the X-Content-SHA256 header and in the package's `sha256`.",
            ),
            **_errors(404),
            409: OpenApiResponse(
                s.ErrorSerializer,
                description="Not released yet (the custodian has not signed its certificate), or the stored "
                "file is not the one built for you (recorded; ask the legal team to build it again).",
            ),
            410: OpenApiResponse(s.ErrorSerializer, description="The link expired and the package was deleted."),
        },
        parameters=[
            OpenApiParameter("package_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="the package's id")
        ],
        tags=["packages"],
    )
    def get(self, request, reference: str, package_id: str):
        """Download a released package. The download is recorded in the request's audit log once the whole
        file was served; the first download closes a delivered request."""
        lr = self.get_request(reference)
        if not package_id.isdigit():  # checked after the token (the URL takes any text): 404 like an unknown id
            raise Http404("No such package")
        production = lr.productions.filter(pk=int(package_id)).select_related("request__agency").first()
        if production is None:
            raise Http404("No such package")
        if production.status in (Production.Status.UNSIGNED, Production.Status.BUILDING):
            return _refused(
                "This package is not released yet: the platform's custodian of records must first sign its "
                "certificate of authenticity. You will get an e-mail when it is ready.",
                "not_released",
                http=status.HTTP_409_CONFLICT,
            )
        try:
            chunks = production_services.production_download(production=production, user=request.user, ip=self.ip)
        except production_services.NotVisible:
            raise Http404("No such package") from None
        except production_services.PackageGone:
            return _refused(
                "This download link has expired or the package was deleted. Ask the legal team if you still need it.",
                "gone",
                http=status.HTTP_410_GONE,
            )
        except production_services.PackageDamaged:
            return _refused(
                "This package cannot be served: the stored file is not the one that was built for you. "
                "This has been recorded; ask the legal team to build it again.",
                "damaged",
                http=status.HTTP_409_CONFLICT,
            )
        response = StreamingHttpResponse(chunks, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{lr.reference}-records-{production.pk}.zip"'
        response["Content-Length"] = str(production.size)
        response["Cache-Control"] = "no-store"
        response["X-Content-SHA256"] = production.sha256
        return response
