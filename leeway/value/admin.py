from django.contrib import admin

from leeway.value.models import ValueRun, ValueSettings


@admin.register(ValueSettings)
class ValueSettingsAdmin(admin.ModelAdmin):
    list_display = ["organization", "horizon_months", "annual_discount_rate"]


@admin.register(ValueRun)
class ValueRunAdmin(admin.ModelAdmin):
    """Read-only: runs are started by `leeway value refresh`, the value page or the schedule."""

    list_display = ["created_at", "organization", "status", "failure_code", "progress_total", "progress_done"]
    list_filter = ["organization", "status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
