from django.contrib import admin
from parler.admin import TranslatableAdmin

from leeway.training.models import Attempt, Certification, Module, Scenario, TierProposal, TrainingSettings


@admin.register(Module)
class ModuleAdmin(TranslatableAdmin):
    list_display = ("code", "organization", "tier", "published")
    list_filter = ("organization", "published")


@admin.register(Scenario)
class ScenarioAdmin(TranslatableAdmin):
    list_display = ("module", "amount", "reason")


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("public_id", "module", "member", "started_at", "submitted_at", "passed")
    list_filter = ("organization", "passed")


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ("member", "module", "certified_at", "expires_at")


@admin.register(TierProposal)
class TierProposalAdmin(admin.ModelAdmin):
    list_display = ("member", "to_tier", "source", "status", "created_at")


admin.site.register(TrainingSettings)
