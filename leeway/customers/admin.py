from django.contrib import admin

from leeway.customers.models import Customer, ImportJob, Outcome, Purchase


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "external_id",
        "name",
        "organization",
        "language",
        "segment",
        "predicted_clv",
        "probability_alive",
    ]
    list_filter = ["organization", "language"]
    search_fields = ["external_id", "name", "email"]
    readonly_fields = ["predicted_clv", "probability_alive", "value_computed_at"]


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = ["customer", "occurred_on", "amount", "currency", "base_amount", "organization"]
    list_filter = ["organization", "currency"]
    raw_id_fields = ["customer", "import_job"]


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["customer", "kind", "score", "amount", "occurred_at", "organization"]
    list_filter = ["organization", "kind"]
    raw_id_fields = ["customer", "purchase", "decision", "recorded_by", "import_job"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: imports are run from the import page or `leeway import`."""

    list_display = ["created_at", "organization", "kind", "file_name", "status", "rows_read", "error_count"]
    list_filter = ["organization", "kind", "status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
