"""The ROI estimator on arrays: with vs without a gesture, propensity-weighted, with bootstrap intervals.

One row per customer: their first contact in the window (the index contact), whether a gesture was
approved on it (treated), the covariates that drive both the gesture and the outcome (segment, prior
value, tenure, contact category), the days to churn or to the end of follow-up, and the change in
purchases and in predicted value over the 90 days after the contact.

Method (the method page states it in words):
- propensity e(x) = P(gesture | x) by logistic regression (scikit-learn, all but unpenalised),
  clipped to [0.01, 0.99];
- inverse-probability weights for the average effect over all compared customers, 1/e for the treated
  and 1/(1-e) for the others;
- retention at 90 and 180 days: weighted Kaplan-Meier curves (lifelines) per arm, treated minus control;
- purchases and predicted value: weighted means of the change per arm (Hájek), treated minus control;
- the 95 % interval: percentile bootstrap over customers, refitting the propensity model in every
  replicate (each replicate is the same estimator with resampling counts as weights);
- the naive comparison: the same figures with every weight 1.
No figure is given when either arm has fewer than `minimum` customers who can be evaluated for it.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np

HORIZONS = (90, 180)
FOLLOW_UP_DAYS = 90  # purchases and predicted value are compared over the 90 days after the contact
MINIMUM_PER_ARM = 300
BOOTSTRAP_REPLICATES = 200
PROPENSITY_CLIP = 0.01


@dataclass(frozen=True)
class Cohort:
    """The compared customers as arrays, one row each (see the module's docstring)."""

    treated: np.ndarray  # bool
    covariates: np.ndarray  # float, (n, k): the propensity model's inputs, already encoded
    duration: np.ndarray  # days from the index contact to churn, or to the end of observation
    churned: np.ndarray  # bool: the duration ends with a churn (else censored)
    observed_days: np.ndarray  # days from the index contact to the end of observation
    purchases_change: np.ndarray  # base-currency spend in the 90 days after minus the 90 days before
    value_change: np.ndarray  # predicted value 90 days after minus at the contact; NaN when unknown
    gesture_cost: np.ndarray  # base-currency cost of the gestures on the index contact (0 for control)

    def __len__(self) -> int:
        return int(self.treated.shape[0])


@dataclass
class Figure:
    """One figure: the adjusted estimate, its interval, the naive comparison, or what is missing."""

    key: str
    unit: str  # "points" (a difference in percentage points) or "money" (base currency)
    treated: int
    control: int
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    naive: float | None = None
    treated_level: float | None = None  # the adjusted level in each arm (retention %, mean change)
    control_level: float | None = None
    missing: dict = field(default_factory=dict)  # {"reason": code, ...}: why no figure is given

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def km_at(duration, churned, weight, times) -> np.ndarray:
    """Weighted Kaplan-Meier survival at each of `times` (the same estimate lifelines gives)."""
    order = np.argsort(duration, kind="stable")
    d, e, w = duration[order], churned[order].astype(float), weight[order]
    unique, first = np.unique(d, return_index=True)
    at_risk = np.cumsum(w[::-1])[::-1][first]
    deaths = np.add.reduceat(w * e, first)
    hazard = np.divide(deaths, at_risk, out=np.zeros_like(deaths), where=at_risk > 0)
    survival = np.cumprod(1.0 - hazard)
    index = np.searchsorted(unique, np.asarray(times, dtype=float), side="right") - 1
    return np.where(index >= 0, survival[np.maximum(index, 0)], 1.0)


def km_lifelines(duration, churned, weight, times) -> np.ndarray:
    """The weighted Kaplan-Meier curve by lifelines, read at `times`."""
    from lifelines import KaplanMeierFitter

    with warnings.catch_warnings():
        # lifelines warns that non-integer weights call for a robust variance; only the curve is used here.
        warnings.simplefilter("ignore")
        fitter = KaplanMeierFitter().fit(duration, event_observed=churned, weights=weight)
    return np.asarray(fitter.survival_function_at_times(list(times)), dtype=float)


def propensity(covariates, treated, sample_weight=None) -> np.ndarray:
    """P(gesture | covariates) by logistic regression, clipped away from 0 and 1."""
    from sklearn.linear_model import LogisticRegression

    if covariates.shape[1] == 0:
        share = np.average(treated, weights=sample_weight)
        return np.full(treated.shape[0], np.clip(share, PROPENSITY_CLIP, 1 - PROPENSITY_CLIP))
    # Newton-Cholesky: exact and fast for a few covariates over many customers (the bootstrap refits it).
    model = LogisticRegression(C=1e4, solver="newton-cholesky", max_iter=200)
    model.fit(covariates, treated, sample_weight=sample_weight)
    return np.clip(model.predict_proba(covariates)[:, 1], PROPENSITY_CLIP, 1 - PROPENSITY_CLIP)


def ipw(treated, score) -> np.ndarray:
    return np.where(treated, 1.0 / score, 1.0 / (1.0 - score))


def _levels(cohort: Cohort, weight: np.ndarray, *, exact: bool) -> dict[str, tuple[float, float]]:
    """Per figure, the (treated, control) level under these weights."""
    t = cohort.treated
    km = km_lifelines if exact else km_at
    levels = {}
    for arm in (True, False):
        mask = t == arm
        levels[arm] = km(cohort.duration[mask], cohort.churned[mask], weight[mask], HORIZONS)
    out = {f"retention_{h}": (levels[True][i], levels[False][i]) for i, h in enumerate(HORIZONS)}
    followed = cohort.observed_days >= FOLLOW_UP_DAYS
    for key, values in (("purchases", cohort.purchases_change), ("value", cohort.value_change)):
        known = followed & np.isfinite(values)
        pair = []
        for arm in (True, False):
            mask = known & (t == arm)
            total = weight[mask].sum()
            pair.append(float(np.dot(weight[mask], values[mask]) / total) if total > 0 else np.nan)
        out[key] = (pair[0], pair[1])
    return out


def evaluable(cohort: Cohort) -> dict[str, np.ndarray]:
    """Per figure, which customers it can use: churned before the horizon or followed past it."""
    followed = cohort.observed_days >= FOLLOW_UP_DAYS
    out = {
        f"retention_{h}": (cohort.churned & (cohort.duration < h)) | (cohort.observed_days >= h)
        for h in HORIZONS
    }
    out["purchases"] = followed & np.isfinite(cohort.purchases_change)
    out["value"] = followed & np.isfinite(cohort.value_change)
    return out


FIGURE_UNITS = {**{f"retention_{h}": "points" for h in HORIZONS}, "purchases": "money", "value": "money"}


def estimate(
    cohort: Cohort,
    *,
    replicates: int = BOOTSTRAP_REPLICATES,
    seed: int = 0,
    minimum: int = MINIMUM_PER_ARM,
    value_missing_reason: str = "",
) -> list[Figure]:
    """Every figure of the ROI page, each with its interval and the naive comparison, or what is missing."""
    usable = evaluable(cohort)
    figures = []
    for key, unit in FIGURE_UNITS.items():
        mask = usable[key]
        figure = Figure(
            key=key,
            unit=unit,
            treated=int(np.count_nonzero(mask & cohort.treated)),
            control=int(np.count_nonzero(mask & ~cohort.treated)),
        )
        if key == "value" and value_missing_reason:
            figure.missing = {"reason": value_missing_reason}
        elif min(figure.treated, figure.control) < minimum:
            figure.missing = {
                "reason": "sample",
                "minimum": minimum,
                "treated_short": max(0, minimum - figure.treated),
                "control_short": max(0, minimum - figure.control),
            }
        figures.append(figure)
    wanted = [figure for figure in figures if not figure.missing]
    if not wanted:
        return figures
    treated = cohort.treated
    weight = ipw(treated, propensity(cohort.covariates, treated))
    adjusted = _levels(cohort, weight, exact=True)
    naive = _levels(cohort, np.ones(len(cohort)), exact=True)
    draws = {figure.key: [] for figure in wanted}
    rng = np.random.default_rng(seed)
    n = len(cohort)
    for _ in range(replicates):
        counts = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        if counts[treated].sum() == 0 or counts[~treated].sum() == 0:
            continue
        score = propensity(cohort.covariates, treated, sample_weight=counts)
        levels = _levels(cohort, counts * ipw(treated, score), exact=False)
        for figure in wanted:
            a, b = levels[figure.key]
            draws[figure.key].append(a - b)
    for figure in wanted:
        scale = 100.0 if figure.unit == "points" else 1.0
        a, b = (float(level) for level in adjusted[figure.key])
        figure.treated_level, figure.control_level = a * scale, b * scale
        figure.estimate = (a - b) * scale
        figure.naive = float(naive[figure.key][0] - naive[figure.key][1]) * scale
        values = np.asarray(draws[figure.key]) * scale
        values = values[np.isfinite(values)]
        if values.size:
            figure.low, figure.high = (float(v) for v in np.percentile(values, [2.5, 97.5]))
    return figures
