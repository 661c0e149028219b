"""Operator views in the Django admin. Evidence (requests, documents, decisions,
messages, events) is read-only here: no change, no delete. Any operator action
that must exist goes through a service and is audited."""

from django.contrib import admin

from requests_app.models import (
    Agency,
    Decision,
    Document,
    FollowUp,
    LegalRequest,
    Message,
    Officer,
    RequestEvent,
    Target,
)


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: evidence, the audit log and the outbox are never added, changed or deleted from the admin
    (changes go through the services)."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LegalRequest)
class LegalRequestAdmin(ReadOnlyAdmin):
    """Status changes go through the legal workspace, so the lifecycle fields are read-only here."""

    list_display = ("reference", "agency", "request_type", "status", "emergency", "received_at", "due_at")
    list_filter = ("status", "request_type", "emergency")
    search_fields = ("reference", "case_number")
    inlines = [TargetInline]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("filename", "request", "kind", "scan_status", "uploaded_at")
    list_filter = ("kind", "scan_status")
    exclude = ("file",)


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("request", "category", "verdict", "decided_by", "decided_at")


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("request", "author", "from_agency", "created_at")


@admin.register(RequestEvent)
class RequestEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "event_type", "request", "actor", "created_at")
    list_filter = ("event_type",)


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    """The outbox: failed follow-ups need an operator (see `manage.py outbox_status`)."""

    list_display = ("pk", "event", "task", "status", "attempts", "publishes", "created_at", "finished_at", "last_error")
    list_filter = ("status", "task")
