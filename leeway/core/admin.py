from django.contrib import admin

from leeway.core.models import AuditEntry, OutboxEvent


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["organization", "seq", "created_at", "action", "object_type", "object_id", "actor"]
    list_filter = ["organization", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "topic", "created_at", "attempts", "delivered_at"]
    list_filter = ["organization", "topic"]
    readonly_fields = ["organization", "topic", "payload", "created_at"]
