"""REST API (mounted at /api/): v1 endpoints, the OpenAPI schema and its docs.

The schema and docs are public (they describe, they do not disclose); every
/api/v1/ endpoint needs a per-officer token.
"""

from django.conf import settings
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from requests_app.intake import api, api_guide, api_packages

_public = {"authentication_classes": [], "permission_classes": [AllowAny]}

urlpatterns = [
    path("v1/requests/", api.RequestListCreate.as_view(), name="api_requests"),
    path("v1/requests/dry-run/", api.RequestDryRun.as_view(), name="api_dry_run"),
    path("v1/requests/<str:reference>/", api.RequestDetail.as_view(), name="api_request"),
    path("v1/requests/<str:reference>/timeline/", api.RequestTimeline.as_view(), name="api_timeline"),
    path("v1/requests/<str:reference>/messages/", api.RequestMessages.as_view(), name="api_messages"),
    path("v1/requests/<str:reference>/documents/", api.RequestDocuments.as_view(), name="api_documents"),
    path("v1/requests/<str:reference>/answer/", api.RequestAnswer.as_view(), name="api_answer"),
    path("v1/requests/<str:reference>/receipts/", api.RequestReceipts.as_view(), name="api_receipts"),
    path("v1/requests/<str:reference>/withdraw/", api.RequestWithdraw.as_view(), name="api_withdraw"),
    path("v1/requests/<str:reference>/packages/", api_packages.RequestPackages.as_view(), name="api_packages"),
    path(
        "v1/requests/<str:reference>/packages/<str:package_id>/download/",
        api_packages.PackageDownload.as_view(),
        name="api_package_download",
    ),
    path("guide/", api_guide.api_guide, name="api_guide"),
    path("schema/", SpectacularAPIView.as_view(**_public), name="api_schema"),
    # The split view serves its start-up script from a URL instead of inline (strict CSP).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api_schema", template_name="intake/swagger_ui.html", **_public),
        name="api_docs",
    ),
]

if settings.BENCH_ENDPOINTS:
    urlpatterns.append(path("bench/bare/", api.BenchBare.as_view(), name="api_bench_bare"))
    urlpatterns.append(path("bench/naive/", api.BenchNaive.as_view(), name="api_bench_naive"))
