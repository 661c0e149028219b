"""Operator views in the Django admin: read-mostly; the event log is read-only."""

from django.contrib import admin

from requests_app.models import Agency, Decision, Document, LegalRequest, Message, Officer, RequestEvent, Target


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "kind", "verification_status")
    list_filter = ("verification_status", "kind", "country")
    search_fields = ("name",)


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ("full_name", "user", "agency", "role", "status")
    list_filter = ("role", "status")
    search_fields = ("full_name", "user__email")
    raw_id_fields = ("user", "agency")


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    can_delete = False
    readonly_fields = ("identifier_type", "raw_value", "kind", "value", "lookup", "notified_at")


@admin.register(LegalRequest)
class LegalRequestAdmin(admin.ModelAdmin):
    """Status changes go through the legal workspace, so the lifecycle fields are read-only here."""

    list_display = ("reference", "agency", "request_type", "status", "emergency", "received_at", "due_at")
    list_filter = ("status", "request_type", "emergency")
    search_fields = ("reference", "case_number")
    readonly_fields = [f.name for f in LegalRequest._meta.fields]
    inlines = [TargetInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RequestEvent)
class RequestEventAdmin(admin.ModelAdmin):
    list_display = ("seq", "event_type", "request", "actor", "created_at")
    list_filter = ("event_type",)
    readonly_fields = [f.name for f in RequestEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (Document, Decision, Message):
    admin.site.register(model)
