"""Background work for customer value: one organization's refresh, or all of them (the periodic run)."""

from django_tasks import task

from leeway.people.models import Organization
from leeway.value.models import ValueRun, ValueRunStatus
from leeway.value.refresh import value_refresh, value_refresh_organization


@task()
def value_refresh_run(run_id: int) -> str:
    """Execute a queued run (started from the value page); progress is saved on the run."""
    run = ValueRun.objects.select_related("organization").get(pk=run_id)
    if run.status != ValueRunStatus.QUEUED:
        return run.status
    return value_refresh(run=run).status


@task()
def value_refresh_all() -> dict[str, str]:
    """Refit every organization, e.g. nightly from cron: `leeway value refresh` does the same inline."""
    return {
        organization.slug: value_refresh_organization(organization=organization, trigger="schedule").status
        for organization in Organization.objects.order_by("slug")
    }
