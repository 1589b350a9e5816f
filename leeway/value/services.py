"""Writes on customer value: the organization's settings."""

from django.db import transaction

from leeway.core.audit import audit_record
from leeway.value.models import ValueSettings
from leeway.value.selectors import value_settings_for


def value_settings_update(*, member, horizon_months: int, annual_discount_rate) -> ValueSettings:
    """Change the horizon and discount rate; the next refresh uses them."""
    with transaction.atomic():
        settings = value_settings_for(member.organization)
        before = {
            "horizon_months": settings.horizon_months,
            "annual_discount_rate": str(settings.annual_discount_rate),
        }
        settings.horizon_months = horizon_months
        settings.annual_discount_rate = annual_discount_rate
        settings.full_clean()
        settings.save(update_fields=["horizon_months", "annual_discount_rate"])
        audit_record(
            organization_id=member.organization_id,
            action="value.settings_changed",
            object_type="value_settings",
            object_id=settings.pk,
            actor_id=member.pk,
            data={
                "before": before,
                "after": {
                    "horizon_months": horizon_months,
                    "annual_discount_rate": str(annual_discount_rate),
                },
            },
        )
    return settings
