"""The compared customers of one organization, read from its interactions, decisions, outcomes and purchases.

Each customer with a contact in the window enters once, at their first contact there (the index
contact). They are in the gesture arm when an approved decision names that contact by its
`interaction_ref` (the same reference, the same customer, in the same organization), otherwise in the
comparison arm. Contact categories where either arm has fewer than COMPARABLE_MINIMUM customers are left
out: there is nobody comparable to weigh them against.
"""

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Sum

from leeway.customers.models import Customer, Outcome, OutcomeKind, Purchase
from leeway.decisions.models import Decision, DecisionStatus
from leeway.insights.models import Interaction
from leeway.insights.roi.estimator import FOLLOW_UP_DAYS, Cohort
from leeway.value.model import customer_lifetime_value
from leeway.value.model.bgnbd import BgNbdParams
from leeway.value.model.gamma_gamma import GammaGammaParams
from leeway.value.selectors import last_successful_run

WINDOW_DAYS = 730
PRIOR_DAYS = 365  # prior value: spend in the year before the contact
COMPARABLE_MINIMUM = 5
DAY = 86_400.0
EPOCH = dt.date(1970, 1, 1)


@dataclass
class Built:
    """The cohort, and what the method page says about how it was made."""

    cohort: Cohort | None
    window_start: dt.datetime
    window_end: dt.datetime
    contacts: int = 0
    excluded_categories: list[str] = field(default_factory=list)
    value_missing_reason: str = ""
    value_run_id: int | None = None
    mean_gesture_cost: float | None = None


def _day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def build_cohort(organization, *, now: dt.datetime, window_days: int = WINDOW_DAYS) -> Built:
    """Read the organization's data into a Cohort (None when nobody had a contact in the window)."""
    start = now - dt.timedelta(days=window_days)
    built = Built(cohort=None, window_start=start, window_end=now)
    index: dict[int, tuple[str, str, dt.datetime]] = {}
    contacts = (
        Interaction.objects.filter(organization=organization, occurred_at__gte=start, occurred_at__lte=now)
        .order_by("customer_id", "occurred_at", "id")
        .values_list("customer_id", "external_ref", "category", "occurred_at")
    )
    for customer_id, ref, category, at in contacts.iterator(chunk_size=5000):
        built.contacts += 1
        if customer_id not in index:
            index[customer_id] = (ref, category, at)
    if not index:
        return built
    cost: dict[tuple[str, int], float] = {}
    for ref, customer_id, amount in (
        Decision.objects.filter(
            organization=organization,
            status=DecisionStatus.APPROVED,
            created_at__gte=start,
            created_at__lte=now,
        )
        .exclude(interaction_ref="")
        .values_list("interaction_ref", "customer_id", "base_amount")
        .iterator(chunk_size=5000)
    ):
        cost[(ref, customer_id)] = cost.get((ref, customer_id), 0.0) + float(amount)

    ids = np.fromiter(index, dtype=np.int64, count=len(index))
    treated = np.array([(index[c][0], c) in cost for c in ids])
    categories = np.array([index[c][1] for c in ids])
    at = np.array([index[c][2].timestamp() for c in ids])
    gesture_cost = np.array([cost.get((index[c][0], c), 0.0) for c in ids])

    # Comparable contacts only: a category that one arm hardly has cannot be weighed.
    keep = np.ones(len(ids), dtype=bool)
    for category in np.unique(categories):
        in_category = categories == category
        arms = (np.count_nonzero(in_category & treated), np.count_nonzero(in_category & ~treated))
        if min(arms) < COMPARABLE_MINIMUM:
            keep &= ~in_category
            built.excluded_categories.append(str(category))
    ids, treated, categories, at, gesture_cost = (
        ids[keep],
        treated[keep],
        categories[keep],
        at[keep],
        gesture_cost[keep],
    )
    if not len(ids):
        return built
    position = {int(c): i for i, c in enumerate(ids)}
    n = len(ids)
    observed = (now.timestamp() - at) / DAY

    # Outcomes and purchases of the contacted customers only (a subquery: the id list may be long).
    contacted = Interaction.objects.filter(
        organization=organization, occurred_at__gte=start, occurred_at__lte=now
    ).values("customer_id")
    churn_at = np.full(n, np.inf)
    for customer_id, moment in (
        Outcome.objects.filter(
            organization=organization,
            kind=OutcomeKind.CHURNED,
            occurred_at__gte=start,
            customer__in=contacted,
        )
        .values_list("customer_id", "occurred_at")
        .iterator(chunk_size=5000)
    ):
        i = position.get(customer_id)
        if i is not None:
            t = moment.timestamp()
            if t >= at[i]:
                churn_at[i] = min(churn_at[i], t)
    churned = churn_at <= now.timestamp()
    duration = np.where(churned, (churn_at - at) / DAY, observed)

    segments, created = {}, {}
    for customer_id, segment, created_on in (
        Customer.objects.filter(organization=organization, pk__in=contacted)
        .values_list("id", "segment", "created_on")
        .iterator(chunk_size=5000)
    ):
        segments[customer_id], created[customer_id] = segment or "", created_on

    # Purchases per customer and day, from a year before the window to now.
    earliest = (start - dt.timedelta(days=PRIOR_DAYS)).date()
    rows = list(
        Purchase.objects.filter(organization=organization, occurred_on__gte=earliest, customer__in=contacted)
        .values("customer_id", "occurred_on")
        .annotate(total=Sum("base_amount"))
        .order_by("customer_id", "occurred_on")
        .values_list("customer_id", "occurred_on", "total")
    )
    rows = [(position[c], _day_number(d), float(total)) for c, d, total in rows if c in position]
    p_cust = np.array([r[0] for r in rows], dtype=np.int64)
    p_day = np.array([r[1] for r in rows], dtype=np.float64)
    p_total = np.array([r[2] for r in rows], dtype=np.float64)
    index_day = np.floor(at / DAY)  # day numbers in UTC, as the purchase days are compared

    def spend_between(low_days: float, high_days: float) -> np.ndarray:
        """Spend of each customer from index day + low (inclusive) to index day + high (exclusive)."""
        if not len(p_cust):
            return np.zeros(n)
        offset = p_day - index_day[p_cust]
        mask = (offset >= low_days) & (offset < high_days)
        return np.bincount(p_cust[mask], weights=p_total[mask], minlength=n)

    prior = spend_between(-PRIOR_DAYS, 0)
    purchases_change = spend_between(0, FOLLOW_UP_DAYS) - spend_between(-FOLLOW_UP_DAYS, 0)
    first_purchase = np.full(n, np.inf)
    if len(p_cust):
        np.minimum.at(first_purchase, p_cust, p_day)
    tenure = np.array(
        [
            index_day[i] - (_day_number(created[c]) if created.get(c) else first_purchase[i])
            for i, c in enumerate(ids.tolist())
        ]
    )
    tenure = np.where(np.isfinite(tenure), np.maximum(tenure, 0), 0)

    value_change = np.full(n, np.nan)
    run = last_successful_run(organization.pk)
    if run is None or "bgnbd" not in (run.parameters or {}):
        built.value_missing_reason = "no_value_model"
    else:
        built.value_run_id = run.pk
        value_change = _value_change(run, p_cust, p_day, p_total, index_day, n)

    seg = np.array([segments.get(c, "") for c in ids.tolist()])
    columns = [(seg == level).astype(float) for level in sorted(set(seg.tolist()))[1:]]
    columns += [(categories == level).astype(float) for level in sorted(set(categories.tolist()))[1:]]
    columns += [_standard(np.log1p(prior)), _standard(np.log1p(tenure))]
    built.cohort = Cohort(
        treated=treated,
        covariates=np.column_stack(columns),
        duration=np.maximum(duration, 0.0),
        churned=churned,
        observed_days=observed,
        purchases_change=purchases_change,
        value_change=value_change,
        gesture_cost=gesture_cost,
    )
    built.mean_gesture_cost = float(gesture_cost[treated].mean()) if treated.any() else None
    return built


def _standard(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


def _rfm_before(p_cust, p_day, p_total, cutoff, n):
    """x, t_x, T (weeks) and mean repeat spend from each customer's purchase days before their cutoff day."""
    mask = p_day < cutoff[p_cust] if len(p_cust) else np.zeros(0, dtype=bool)
    cust, day, total = p_cust[mask], p_day[mask], p_total[mask]
    days = np.bincount(cust, minlength=n).astype(float)
    first = np.full(n, np.inf)
    last = np.full(n, -np.inf)
    np.minimum.at(first, cust, day)
    np.maximum.at(last, cust, day)
    spend = np.bincount(cust, weights=total, minlength=n)
    first_spend = np.bincount(cust, weights=np.where(day == first[cust], total, 0.0), minlength=n)
    has = days > 0
    x = np.where(has, days - 1, 0.0)
    t_x = np.where(has, (last - first) / 7.0, 0.0)
    T = np.where(has, (cutoff - first) / 7.0, 0.0)
    zbar = np.divide(spend - first_spend, x, out=np.zeros(n), where=x > 0)
    return has, x, t_x, T, zbar


def _value_change(run, p_cust, p_day, p_total, index_day, n) -> np.ndarray:
    """Predicted value 90 days after the contact minus at the contact, with the last value run's fit."""
    parameters = run.parameters
    bgnbd = BgNbdParams(**{k: parameters["bgnbd"][k] for k in ("r", "alpha", "a", "b")})
    gamma_gamma = GammaGammaParams(**{k: parameters["gamma_gamma"][k] for k in ("p", "q", "gamma")})
    values = []
    for cutoff in (index_day, index_day + FOLLOW_UP_DAYS):
        has, x, t_x, T, zbar = _rfm_before(p_cust, p_day, p_total, cutoff, n)
        clv = np.full(n, np.nan)
        if has.any():
            clv[has] = customer_lifetime_value(
                bgnbd,
                gamma_gamma,
                x=x[has],
                t_x=t_x[has],
                T=np.maximum(T[has], t_x[has]),
                zbar=zbar[has],
                horizon_months=run.horizon_months,
                annual_discount_rate=float(run.annual_discount_rate),
                time_unit_days=float(parameters.get("time_unit_days", 7.0)),
            )
        values.append(clv)
    change = values[1] - values[0]
    return np.where(np.isfinite(change) & (np.abs(change) < 1e11), change, math.nan)
