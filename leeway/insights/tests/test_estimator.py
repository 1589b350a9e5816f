"""The estimator on synthetic data with a planted effect: it finds it, the naive comparison does not."""

import numpy as np
import pytest

from leeway.insights.roi.estimator import Cohort, estimate, km_at, km_lifelines
from leeway.insights.roi.simulate import simulate_cohort, true_effect


def test_the_fast_kaplan_meier_is_lifelines_own_with_weights_ties_and_censoring():
    rng = np.random.default_rng(3)
    duration = rng.integers(1, 200, size=3000).astype(float)  # many ties
    churned = rng.random(3000) < 0.6
    weight = rng.random(3000) * 3
    weight[::7] = 0.0  # bootstrap counts leave some customers out
    times = (0, 30, 90, 180, 250)
    assert np.allclose(
        km_at(duration, churned, weight, times), km_lifelines(duration, churned, weight, times)
    )


def test_the_estimate_recovers_the_planted_effect_and_the_naive_comparison_is_biased():
    truth = true_effect(90) * 100
    assert 10 < truth < 13  # the planted effect: about 11.6 points more customers kept at 90 days
    cohort = simulate_cohort(seed=7, n=40_000)
    figure = next(f for f in estimate(cohort, replicates=40, seed=1) if f.key == "retention_90")
    assert abs(figure.estimate - truth) <= 0.10 * truth
    assert figure.low < truth < figure.high
    assert figure.high - figure.low < 0.5 * truth
    # Gestures go to customers who stay anyway: the plain comparison overstates the effect by far.
    assert figure.naive > 1.4 * truth


def test_no_figure_below_the_minimum_sample_and_the_shortfall_is_said():
    cohort = simulate_cohort(seed=2, n=600)
    figures = {f.key: f for f in estimate(cohort, replicates=5)}
    for figure in figures.values():
        assert figure.estimate is None and figure.low is None and figure.naive is None
    short = figures["retention_90"]
    assert short.missing["reason"] == "sample" and short.missing["minimum"] == 300
    assert short.missing["treated_short"] == 300 - short.treated > 0
    assert short.missing["control_short"] == max(0, 300 - short.control)


def test_the_minimum_counts_only_customers_measurable_for_the_figure():
    n = 800
    cohort = Cohort(
        treated=np.arange(n) % 2 == 0,
        covariates=np.zeros((n, 0)),
        duration=np.full(n, 100.0),
        churned=np.zeros(n, dtype=bool),
        observed_days=np.where(np.arange(n) < 700, 100.0, 30.0),  # 700 followed past 90 days, none to 180
        purchases_change=np.zeros(n),
        value_change=np.full(n, np.nan),
        gesture_cost=np.zeros(n),
    )
    figures = {f.key: f for f in estimate(cohort, replicates=5, value_missing_reason="no_value_model")}
    assert (figures["retention_90"].treated, figures["retention_90"].control) == (350, 350)
    assert figures["retention_90"].estimate == pytest.approx(0.0)
    assert figures["retention_180"].missing["treated_short"] == 300
    assert figures["value"].missing == {"reason": "no_value_model"}
