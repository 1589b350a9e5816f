"""Refit the value models for an organization and store each customer's predicted value.

The recency/frequency/monetary summary is aggregated in the database (one row
per customer, not per purchase); numpy and the model in `leeway.value.model`
do the rest. A fit that fails keeps the previous values and records why.
"""

import datetime as dt
import logging
import math
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from leeway.core.audit import audit_record
from leeway.customers.models import Customer, Purchase
from leeway.value.bulk import purchase_summary, store_values
from leeway.value.model import (
    FitError,
    InsufficientHistory,
    customer_lifetime_value,
    fit_bgnbd,
    fit_gamma_gamma,
    probability_alive,
)
from leeway.value.models import ValueRun, ValueRunFailure, ValueRunStatus
from leeway.value.selectors import value_settings_for

logger = logging.getLogger(__name__)

TIME_UNIT_DAYS = 7.0  # weeks, as in the published CDNOW fits
STORE_CHUNK = 2000
MAX_VALUE = 1e11  # far beyond any customer's value; the column holds 12 integer digits

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DatabaseRfm:
    """Per-customer summary in weeks: x repeat purchase days, t_x, T, zbar (mean repeat-day spend)."""

    customer_id: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    zbar: np.ndarray

    def __len__(self) -> int:
        return int(self.customer_id.shape[0])


def rfm_from_database(*, organization_id: int, observation_end: dt.date) -> DatabaseRfm:
    """Aggregate purchases per customer per day in SQL, then shape the model's inputs with numpy.

    x counts distinct purchase days after the first; zbar is the mean of the per-day
    totals excluding the first day, i.e. (total - first day's total) / x.
    """
    summary = purchase_summary(organization_id=organization_id, observation_end=observation_end)
    ids, first, last, days = summary.customer_id, summary.first_day, summary.last_day, summary.days
    total, first_total, n = summary.total, summary.first_day_total, summary.customer_id.shape[0]
    x = (days - 1).astype(np.float64)
    end = (observation_end - dt.date(1970, 1, 1)).days  # day numbers as in value/bulk.py
    repeat_spend = np.maximum(total - first_total, 0.0)
    zbar = np.divide(repeat_spend, x, out=np.zeros(n), where=x > 0)
    return DatabaseRfm(
        customer_id=ids,
        x=x,
        t_x=np.where(x > 0, (last - first) / TIME_UNIT_DAYS, 0.0),
        T=(end - first) / TIME_UNIT_DAYS,
        zbar=zbar,
    )


def value_run_create(*, organization, trigger: str = "command", member=None) -> ValueRun:
    """A queued run with the organization's current settings (the page shows it at once)."""
    settings = value_settings_for(organization)
    return ValueRun.objects.create(
        organization=organization,
        trigger=trigger,
        started_by=member,
        horizon_months=settings.horizon_months,
        annual_discount_rate=settings.annual_discount_rate,
    )


def _save(run: ValueRun, *fields: str) -> None:
    run.save(update_fields=list(fields))


def _fail(run: ValueRun, code: str, detail: str) -> ValueRun:
    run.failure_code = code
    run.job_finished(
        ValueRunStatus.FAILED, "failure_code", "converged", "parameters", "phase", error=detail[:2000]
    )
    return run


def value_refresh(
    *, run: ValueRun, today: dt.date | None = None, progress: Progress | None = None
) -> ValueRun:
    """Fit BG/NBD and Gamma-Gamma on the organization's purchases and store every customer's value.

    On too little history or a fit that does not converge, nothing is overwritten:
    customers keep their previous values and the run records the reason. A history whose
    BG/NBD optimum lies on the boundary (no sign of customers dropping out) is fitted with the
    model's small penalty, and the run records that (`penalized`).
    """
    organization = run.organization
    report = progress or (lambda phase, done, total: None)
    run.phase = "reading"
    end = today or timezone.now().astimezone(zoneinfo.ZoneInfo(organization.time_zone)).date()
    run.observation_end = end
    run.job_started("phase", "observation_end")
    try:
        report("reading", 0, 0)
        rfm = rfm_from_database(organization_id=organization.pk, observation_end=end)
        run.progress_total = len(rfm)
        run.repeat_customers = int(np.count_nonzero(rfm.x))
        run.phase = "fitting"
        _save(run, "progress_total", "repeat_customers", "phase")
        if len(rfm) == 0:
            return _fail(run, ValueRunFailure.NO_PURCHASES, "No purchases up to the observation end.")
        report("fitting", 0, len(rfm))
        try:
            bgnbd = fit_bgnbd(rfm.x, rfm.t_x, rfm.T)
            gamma_gamma = fit_gamma_gamma(rfm.x, rfm.zbar)
        except InsufficientHistory as error:
            return _fail(run, ValueRunFailure.INSUFFICIENT_HISTORY, str(error))
        except FitError as error:
            run.converged = False
            if error.params is not None:
                run.parameters = {"not_converged": _params_dict(error.params)}
            return _fail(run, ValueRunFailure.NOT_CONVERGED, str(error))
        run.converged = True
        run.penalized = bgnbd.penalty > 0 or gamma_gamma.penalty > 0
        run.parameters = {
            "bgnbd": _params_dict(bgnbd),
            "gamma_gamma": _params_dict(gamma_gamma),
            "time_unit_days": TIME_UNIT_DAYS,
        }
        try:
            clv = customer_lifetime_value(
                bgnbd,
                gamma_gamma,
                x=rfm.x,
                t_x=rfm.t_x,
                T=rfm.T,
                zbar=rfm.zbar,
                horizon_months=run.horizon_months,
                annual_discount_rate=float(run.annual_discount_rate),
                time_unit_days=TIME_UNIT_DAYS,
            )
            alive = probability_alive(bgnbd, x=rfm.x, t_x=rfm.t_x, T=rfm.T)
        except ValueError as error:
            # e.g. Gamma-Gamma q <= 1: the mean spend does not exist, so no value can be given.
            return _fail(run, ValueRunFailure.NOT_CONVERGED, str(error))
        if not (np.all(np.isfinite(clv)) and np.all(np.isfinite(alive))) or np.any(clv > MAX_VALUE):
            return _fail(
                run, ValueRunFailure.NOT_CONVERGED, "Predicted values are not finite or implausibly large."
            )
        run.phase = "storing"
        _save(run, "converged", "penalized", "parameters", "phase")
        _store_values(run, rfm, clv, alive, report)
    except Exception as error:
        logger.exception("Value refresh failed for organization %s", organization.pk)
        return _fail(run, ValueRunFailure.ERROR, f"{type(error).__name__}: {error}")
    run.phase = ""
    with transaction.atomic():
        run.job_finished(ValueRunStatus.SUCCEEDED, "phase", "progress_done")
        audit_record(
            organization_id=organization.pk,
            action="value.refreshed",
            object_type="value_run",
            object_id=run.pk,
            actor_id=run.started_by_id,
            data={"customers": run.progress_done, "parameters": run.parameters},
        )
    return run


def _params_dict(params) -> dict:
    names = ("r", "alpha", "a", "b") if hasattr(params, "alpha") else ("p", "q", "gamma")
    values = {name: float(getattr(params, name)) for name in names}
    if math.isfinite(params.loglik):
        values["loglik"] = float(params.loglik)
    if getattr(params, "penalty", 0.0) > 0:
        values["penalty"] = float(params.penalty)
    return values


def _store_values(run: ValueRun, rfm: DatabaseRfm, clv, alive, report: Progress) -> None:
    """Every customer's new value in one transaction (value/bulk.py): the old ones stay until it commits."""
    moment = timezone.now()
    total = len(rfm)
    with transaction.atomic():
        store_values(
            organization_id=run.organization_id,
            customer_ids=rfm.customer_id,
            values=np.round(clv, 2),
            alive=alive,
            moment=moment,
            progress=lambda done: report("storing", done, total),
        )
        # A customer whose purchases were all removed has nothing to predict from any more.
        Customer.objects.filter(organization_id=run.organization_id, predicted_clv__isnull=False).exclude(
            Exists(Purchase.objects.filter(customer_id=OuterRef("pk"), occurred_on__lte=run.observation_end))
        ).update(predicted_clv=None, probability_alive=None, value_computed_at=moment)
        run.job_progressed(total)


def value_refresh_organization(
    *, organization, trigger: str = "command", member=None, today=None, progress: Progress | None = None
) -> ValueRun:
    """Create a run and execute it now (the command line, the demo and the scheduled task)."""
    run = value_run_create(organization=organization, trigger=trigger, member=member)
    return value_refresh(run=run, today=today, progress=progress)
