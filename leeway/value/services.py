"""Writes on customer value: the organization's settings, and the refresh an import starts."""

from django.db import transaction

from leeway.core.audit import audit_record
from leeway.value.models import ValueRun, ValueRunStatus, ValueRunTrigger, ValueSettings
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


def value_refresh_after_import(*, job) -> ValueRun | None:
    """Queue a refresh once an import has written rows, so imported customers get values without a click.

    A run still waiting to start will read the new rows anyway, so none is added beside it.
    """
    from leeway.value.refresh import value_run_create
    from leeway.value.tasks import value_refresh_run

    if not job.wrote_rows:
        return None  # rows all recorded before change no value
    waiting = ValueRun.objects.filter(organization_id=job.organization_id, status=ValueRunStatus.QUEUED)
    if waiting.exists():
        return None
    run = value_run_create(
        organization=job.organization, trigger=ValueRunTrigger.IMPORT, member=job.created_by
    )
    # The database task backend writes the task in the same transaction as the run: both or neither.
    value_refresh_run.enqueue(run.pk)
    return run
