"""Read-only admin for operators: packages, downloads, holds, notices. Changes go through the services."""

from django.contrib import admin

from requests_app.admin import ReadOnlyAdmin as ReadOnly
from requests_app.production.models import PreservationHold, Production, ProductionDownload, UserNotice


@admin.register(Production)
class ProductionAdmin(ReadOnly):
    list_display = [
        "pk",
        "request",
        "status",
        "progress",
        "attempts",
        "heartbeat_at",
        "record_count",
        "created_at",
        "expires_at",
    ]
    list_filter = ["status"]
    search_fields = ["request__reference"]
    exclude = ["manifest"]


@admin.register(ProductionDownload)
class ProductionDownloadAdmin(ReadOnly):
    list_display = ["production", "user", "at", "ip_address"]


@admin.register(PreservationHold)
class PreservationHoldAdmin(ReadOnly):
    list_display = ["request", "target", "starts_on", "until", "extended_at", "released_at"]
    search_fields = ["request__reference"]


@admin.register(UserNotice)
class UserNoticeAdmin(ReadOnly):
    list_display = ["request", "target", "status", "send_after", "sent_at"]
    list_filter = ["status"]
