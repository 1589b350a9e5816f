"""Running the ROI estimator for an organization: the cohort read, the figures made, all of it recorded."""

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leeway.core.audit import audit_record
from leeway.insights.models import RoiEstimate
from leeway.insights.roi.cohort import (
    COMPARABLE_MINIMUM,
    FOLLOW_UP_DAYS,
    PRIOR_DAYS,
    WINDOW_DAYS,
    build_cohort,
)
from leeway.insights.roi.estimator import (
    BOOTSTRAP_REPLICATES,
    FIGURE_UNITS,
    HORIZONS,
    MINIMUM_PER_ARM,
    PROPENSITY_CLIP,
    Figure,
    estimate,
)

QUERY_TEXT_MAX = 4000


def roi_estimate_compute(
    *,
    organization,
    actor=None,
    now=None,
    replicates: int = BOOTSTRAP_REPLICATES,
    minimum: int = MINIMUM_PER_ARM,
    seed: int = 0,
) -> RoiEstimate:
    """Estimate the return of gestures for the organization now and store the figures with their method."""
    now = now or timezone.now()
    # The exact SQL that read the data is kept with the figures: the method page shows it.
    with CaptureQueriesContext(connection) as captured:
        built = build_cohort(organization, now=now, window_days=WINDOW_DAYS)
    queries = [query["sql"][:QUERY_TEXT_MAX] for query in captured.captured_queries]
    cohort = built.cohort
    if cohort is None:
        figures = [
            Figure(
                key=key,
                unit=unit,
                treated=0,
                control=0,
                missing={
                    "reason": "sample",
                    "minimum": minimum,
                    "treated_short": minimum,
                    "control_short": minimum,
                },
            )
            for key, unit in FIGURE_UNITS.items()
        ]
    else:
        figures = estimate(
            cohort,
            replicates=replicates,
            seed=seed,
            minimum=minimum,
            value_missing_reason=built.value_missing_reason,
        )
    parameters = {
        "window_days": WINDOW_DAYS,
        "horizons": list(HORIZONS),
        "follow_up_days": FOLLOW_UP_DAYS,
        "prior_days": PRIOR_DAYS,
        "minimum_per_arm": minimum,
        "comparable_minimum": COMPARABLE_MINIMUM,
        "replicates": replicates,
        "seed": seed,
        "propensity_clip": PROPENSITY_CLIP,
        "contacts": built.contacts,
        "excluded_categories": built.excluded_categories,
        "value_run": built.value_run_id,
        "mean_gesture_cost": built.mean_gesture_cost,
        "currency": organization.base_currency,
    }
    treated = int(cohort.treated.sum()) if cohort is not None else 0
    control = len(cohort) - treated if cohort is not None else 0
    with transaction.atomic():
        record = RoiEstimate.objects.create(
            organization=organization,
            computed_at=now,
            computed_by=actor,
            window_start=built.window_start,
            window_end=built.window_end,
            treated=treated,
            control=control,
            figures=[figure.as_dict() for figure in figures],
            parameters=parameters,
            queries=queries,
        )
        audit_record(
            organization_id=organization.pk,
            action="roi.estimated",
            object_type="roi_estimate",
            object_id=record.pk,
            actor_id=getattr(actor, "pk", None),
            data={
                "treated": treated,
                "control": control,
                "figures": len([f for f in figures if not f.missing]),
            },
        )
    return record


def latest_estimate(organization) -> RoiEstimate | None:
    """The organization's most recent ROI estimate, or None before the first."""
    return RoiEstimate.objects.filter(organization=organization).order_by("-computed_at", "-id").first()
