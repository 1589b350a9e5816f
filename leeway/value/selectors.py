"""Reads of customer value: the organization's settings, its runs, and why a value may be missing."""

from django.utils.translation import gettext_lazy as _

from leeway.value.models import ValueRun, ValueRunFailure, ValueRunStatus, ValueSettings

FAILURE_EXPLANATIONS = {
    ValueRunFailure.NO_PURCHASES: _(
        "No purchases are recorded in this organization yet, so there is nothing to predict from."
    ),
    ValueRunFailure.INSUFFICIENT_HISTORY: _(
        "There is too little purchase history to predict value reliably: the model needs at least "
        "20 customers who bought more than once. Values will appear once there is more history."
    ),
    ValueRunFailure.NOT_CONVERGED: _(
        "The value model could not find a stable fit for this purchase history, so no value is shown "
        "rather than an unreliable one."
    ),
    ValueRunFailure.ERROR: _(
        "The last value refresh failed unexpectedly; an analyst can see the details on the value page."
    ),
}


def value_settings_for(organization) -> ValueSettings:
    """The organization's value settings, created with the defaults on first use."""
    settings, _created = ValueSettings.objects.get_or_create(organization=organization)
    return settings


def failure_explanation(code: str):
    return FAILURE_EXPLANATIONS.get(code, FAILURE_EXPLANATIONS[ValueRunFailure.ERROR])


def latest_runs(organization_id: int, *, limit: int = 10):
    return ValueRun.objects.filter(organization_id=organization_id).select_related("started_by")[:limit]


def last_successful_run(organization_id: int) -> ValueRun | None:
    return (
        ValueRun.objects.filter(organization_id=organization_id, status=ValueRunStatus.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .first()
    )


def organization_value_reason(organization_id: int):
    """Why a customer with purchases has no value: the organization's last run, in plain words."""
    finished = (
        ValueRun.objects.filter(
            organization_id=organization_id, status__in=[ValueRunStatus.SUCCEEDED, ValueRunStatus.FAILED]
        )
        .order_by("-finished_at", "-id")
        .first()
    )
    if finished is None:
        return _("Values have not been computed yet; they appear after the first value refresh.")
    if finished.status == ValueRunStatus.FAILED:
        return failure_explanation(finished.failure_code)
    return _(
        "This customer's purchases arrived after the last value refresh; the value appears at the next one."
    )
