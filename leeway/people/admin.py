from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from parler.admin import TranslatableAdmin

from leeway.people.models import ApiToken, AuthorityTier, Department, Member, Organization, Site, Team


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "base_currency", "default_language", "time_zone"]
    search_fields = ["name", "slug"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "country", "time_zone", "languages"]
    list_filter = ["organization"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "organization"]
    list_filter = ["organization"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "department", "site"]
    list_filter = ["organization"]


@admin.register(AuthorityTier)
class AuthorityTierAdmin(TranslatableAdmin):
    list_display = ["name", "code", "rank", "organization"]
    list_filter = ["organization"]


@admin.register(Member)
class MemberAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "organization", "role", "tier", "team", "language"]
    list_filter = ["organization", "role", "language"]
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            _("Leeway"),
            {"fields": ("organization", "role", "tier", "team", "department", "language", "time_zone")},
        ),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "member", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
    list_filter = ["organization"]
