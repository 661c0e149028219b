"""Operator view of reports: read-only (publishing goes through services, never the admin)."""

from django.contrib import admin

from transparency.models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("period", "version", "status", "progress", "created_at", "published_at")
    list_filter = ("status",)
    exclude = ("pdf", "canonical", "snapshot")
    readonly_fields = (
        "period",
        "version",
        "status",
        "progress",
        "error",
        "sha256",
        "signature",
        "change_note",
        "created_by",
        "created_at",
        "built_at",
        "published_by",
        "published_at",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
