"""Synthetic cohorts with a planted effect and confounding, to validate the estimator (tests, bench/roi.py).

Customers have a segment, a prior value, a tenure and a contact category. Gestures go more often to
high-value, premium customers, who also churn less: the naive comparison overstates the effect. Churn
is exponential in time; a gesture multiplies the churn hazard by HAZARD_RATIO. The truth, the average
effect on 90-day retention over the population, is the mean of exp(-90 λ r) - exp(-90 λ) over a fixed
large draw of customers (the planted amount, `true_effect`).
"""

import numpy as np

from leeway.insights.roi.estimator import Cohort

HAZARD_RATIO = 0.6
BASE_HAZARD = 0.0042  # per day: about 70 % of untreated customers are still active after 90 days
SEGMENTS = ("consumer", "business", "premium")
SEGMENT_SHARES = (0.6, 0.3, 0.1)
CATEGORIES = ("billing", "delivery", "defect", "other")
CATEGORY_SHARES = (0.35, 0.3, 0.2, 0.15)


def draw_customers(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    segment = rng.choice(len(SEGMENTS), size=n, p=SEGMENT_SHARES)
    category = rng.choice(len(CATEGORIES), size=n, p=CATEGORY_SHARES)
    log_value = rng.normal(5.0 + 0.6 * segment, 0.8)  # prior 365-day spend, log of base currency
    tenure = rng.uniform(30, 2000, size=n)
    return {"segment": segment, "category": category, "log_value": log_value, "tenure": tenure}


def _z_value(log_value):
    return (log_value - 5.4) / 0.9


def _z_tenure(tenure):
    return (tenure - 1015) / 570


def hazard(c: dict[str, np.ndarray]) -> np.ndarray:
    """Untreated churn hazard per day: lower for valuable and long-standing customers."""
    return BASE_HAZARD * np.exp(
        -0.5 * _z_value(c["log_value"])
        - 0.3 * _z_tenure(c["tenure"])
        + 0.25 * (c["category"] == 2)
        - 0.2 * (c["segment"] == 1)
    )


def gesture_probability(c: dict[str, np.ndarray]) -> np.ndarray:
    """Who gets a gesture: agents favour valuable and premium customers, and billing complaints."""
    logit = (
        -0.9
        + 0.9 * _z_value(c["log_value"])
        + 0.6 * (c["segment"] == 2)
        + 0.4 * (c["category"] == 0)
        - 0.2 * _z_tenure(c["tenure"])
    )
    return 1.0 / (1.0 + np.exp(-logit))


def true_effect(horizon: int = 90) -> float:
    """The planted average effect of a gesture on retention at `horizon` days, a share (0.1 = 10 points)."""
    c = draw_customers(np.random.default_rng(20_260_000 + horizon), 2_000_000)
    lam = hazard(c)
    return float(np.mean(np.exp(-horizon * lam * HAZARD_RATIO) - np.exp(-horizon * lam)))


def encode(c: dict[str, np.ndarray]) -> np.ndarray:
    """The propensity model's inputs: segment and category as indicators, value and tenure standardised."""
    columns = [(c["segment"] == s).astype(float) for s in range(1, len(SEGMENTS))]
    columns += [(c["category"] == k).astype(float) for k in range(1, len(CATEGORIES))]
    columns += [_z_value(c["log_value"]), _z_tenure(c["tenure"])]
    return np.column_stack(columns)


def simulate_cohort(seed: int, n: int = 4000) -> Cohort:
    """One synthetic data set: contacts spread over a year, observed up to today (so some are censored)."""
    rng = np.random.default_rng(seed)
    c = draw_customers(rng, n)
    treated = rng.random(n) < gesture_probability(c)
    lam = hazard(c) * np.where(treated, HAZARD_RATIO, 1.0)
    churn_after = rng.exponential(1.0 / lam)
    observed = rng.uniform(20, 400, size=n)
    churned = churn_after <= observed
    duration = np.where(churned, np.ceil(churn_after), observed)
    spend = np.exp(c["log_value"]) / 4
    purchases_change = np.where(churned & (churn_after < 90), -spend, 0.0) + rng.normal(0, spend / 4)
    return Cohort(
        treated=treated,
        covariates=encode(c),
        duration=duration,
        churned=churned,
        observed_days=observed,
        purchases_change=purchases_change,
        value_change=np.full(n, np.nan),
        gesture_cost=np.where(treated, 20.0, 0.0),
    )
