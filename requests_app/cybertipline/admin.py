"""Read-only admin for the register: evidence and what was sent are never edited here."""

from django.contrib import admin

from requests_app.cybertipline.models import CyberTipReport, ReportedAccount, ReportFile


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CyberTipReport)
class CyberTipReportAdmin(ReadOnly):
    list_display = ["reference", "incident_type", "status", "knowledge_at", "ncmec_report_id", "acknowledged_at"]
    list_filter = ["status", "incident_type"]
    exclude = ["sent_xml"]


@admin.register(ReportedAccount)
class ReportedAccountAdmin(ReadOnly):
    list_display = ["report", "user_id"]


@admin.register(ReportFile)
class ReportFileAdmin(ReadOnly):
    list_display = ["report", "sha256", "chat_type", "viewed_by_platform"]
    exclude = ["content"]  # the file itself is opened only through the register, audited
