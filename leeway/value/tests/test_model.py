"""Golden tests for the customer-value models against the published CDNOW results."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from leeway.value.model import (
    BgNbdParams,
    FitError,
    GammaGammaParams,
    InsufficientHistory,
    customer_lifetime_value,
    expected_purchases,
    expected_spend,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_summary_csv,
    probability_alive,
    read_cdnow_transactions,
    read_summary_csv,
    rfm_summary,
    round_half_up,
    simulate,
    unconditional_expected_purchases,
)

CDNOW = Path(__file__).parent / "data" / "cdnow"
SUMMARY = CDNOW / "cdnow_customers_summary.csv"
SUMMARY_WITH_SPEND = CDNOW / "cdnow_customers_summary_with_transactions.csv"

# Fader, Hardie & Lee (2005) and Fader & Hardie (2013) on the 2,357-customer CDNOW sample.
PUBLISHED_BGNBD = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
PUBLISHED_LOGLIK = -9582.4
PUBLISHED_GG = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)


@pytest.fixture(scope="module")
def cdnow():
    return read_summary_csv(SUMMARY_WITH_SPEND)


@pytest.fixture(scope="module")
def fitted(cdnow):
    return fit_bgnbd(cdnow.x, cdnow.t_x, cdnow.T), fit_gamma_gamma(cdnow.x, cdnow.zbar)


def _posterior_expectation(
    params: BgNbdParams, *, t: float, x: float, t_x: float, T: float
) -> tuple[float, float]:
    """E[purchases in (T, T+t] | history] and P(alive) by direct integration over the dropout probability."""
    # The purchase rate lambda is integrated analytically (Gamma-Poisson); p ~ Beta(a, b) numerically.
    # Both terms are scaled by (alpha+T)^(r+x) and the Beta normaliser, which cancel in the ratios.
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    k = r + x
    silence = ((alpha + T) / (alpha + t_x)) ** k

    def alive_weight(p: float) -> float:
        return (1 - p) ** x

    def evidence(p: float) -> float:
        died = p * (1 - p) ** (x - 1) * silence if x > 0 else 0.0
        return alive_weight(p) + died

    def future(p: float) -> float:
        if p == 0:  # QUADPACK's algebraic-weight rule samples the endpoint; this is the limit there.
            return k * t / (alpha + T)
        return alive_weight(p) / p * (1 - ((alpha + T) / (alpha + T + p * t)) ** k)

    opts = {"weight": "alg", "wvar": (a - 1, b - 1), "limit": 200, "epsabs": 0, "epsrel": 1e-11}
    denominator = quad(evidence, 0, 1, **opts)[0]
    return quad(future, 0, 1, **opts)[0] / denominator, quad(alive_weight, 0, 1, **opts)[0] / denominator


def test_bgnbd_reproduces_the_published_cdnow_fit(fitted):
    bg, _ = fitted
    assert bg.converged
    for name in ("r", "alpha", "a", "b"):
        assert getattr(bg, name) == pytest.approx(getattr(PUBLISHED_BGNBD, name), rel=0.005), name
    assert bg.loglik == pytest.approx(PUBLISHED_LOGLIK, abs=0.1)


def test_gamma_gamma_reproduces_the_published_cdnow_fit_on_946_repeat_buyers(cdnow, fitted):
    _, gg = fitted
    assert int(np.sum((cdnow.x > 0) & (cdnow.zbar > 0))) == 946
    assert gg.converged
    for name in ("p", "q", "gamma"):
        assert getattr(gg, name) == pytest.approx(getattr(PUBLISHED_GG, name), rel=0.005), name


def test_merged_weights_give_the_same_fit_as_one_row_per_customer(cdnow, fitted):
    bg, _ = fitted
    rows = np.column_stack([cdnow.x, cdnow.t_x, cdnow.T])
    patterns, counts = np.unique(rows, axis=0, return_counts=True)
    merged = fit_bgnbd(patterns[:, 0], patterns[:, 1], patterns[:, 2], weights=counts)
    assert len(patterns) < len(rows)
    assert merged.loglik == pytest.approx(bg.loglik, abs=1e-6)
    assert merged.r == pytest.approx(bg.r, rel=1e-5) and merged.b == pytest.approx(bg.b, rel=1e-5)


def test_summary_rebuilt_from_the_sample_transactions_equals_the_shipped_summary():
    ids, days, amounts = read_cdnow_transactions(CDNOW / "CDNOW_sample.txt")
    assert len(ids) == 6919
    summary = rfm_summary(
        ids, days, amounts, observation_end="1998-06-30", calibration_end="1997-09-30", time_unit_days=7
    )
    published = read_summary_csv(SUMMARY)
    with_spend = read_summary_csv(SUMMARY_WITH_SPEND)
    assert len(summary) == 2357
    np.testing.assert_array_equal(summary.customer_id.astype(str), published.customer_id)
    np.testing.assert_array_equal(summary.x, published.x)
    np.testing.assert_array_equal(round_half_up(summary.t_x, 2), published.t_x)
    np.testing.assert_array_equal(round_half_up(summary.T, 2), published.T)
    np.testing.assert_array_equal(summary.x, with_spend.x)
    # zbar is the mean of per-day totals after the first purchase day, rounded half away from zero
    # (spreadsheet ROUND): np.round disagrees on 70 customers whose mean ends in exactly 5.
    np.testing.assert_array_equal(round_half_up(summary.zbar, 2), with_spend.zbar)
    assert np.count_nonzero(np.round(summary.zbar, 2) != with_spend.zbar) == 70
    assert summary.holdout_length == 39.0


def test_summary_counts_purchase_days_and_excludes_the_first_day_from_zbar():
    ids = np.array([7, 7, 7, 7, 9])
    days = np.array(
        ["2024-01-01", "2024-01-01", "2024-01-08", "2024-01-08", "2024-01-15"], dtype="datetime64[D]"
    )
    amounts = np.array([5.0, 100.0, 10.0, 20.0, 1.0])
    summary = rfm_summary(ids, days, amounts, observation_end="2024-01-29", time_unit_days=7)
    np.testing.assert_array_equal(summary.customer_id, [7, 9])
    np.testing.assert_array_equal(summary.x, [1, 0])
    np.testing.assert_allclose(summary.t_x, [1.0, 0.0])
    np.testing.assert_allclose(summary.T, [4.0, 2.0])
    np.testing.assert_allclose(summary.zbar, [30.0, 0.0])


def test_summary_splits_calibration_and_holdout_and_drops_customers_acquired_later():
    ids = np.array(["a", "a", "a", "a", "b", "c"])
    days = np.array(
        ["2024-01-01", "2024-01-15", "2024-02-05", "2024-02-05", "2024-01-29", "2024-02-10"],
        dtype="datetime64[D]",
    )
    summary = rfm_summary(
        ids, days, np.ones(6), observation_end="2024-02-26", calibration_end="2024-01-29", time_unit_days=1
    )
    np.testing.assert_array_equal(summary.customer_id, ["a", "b"])
    np.testing.assert_array_equal(summary.x, [1, 0])
    np.testing.assert_array_equal(summary.t_x, [14, 0])
    np.testing.assert_array_equal(summary.T, [28, 0])
    np.testing.assert_array_equal(summary.x_holdout, [1, 0])
    assert summary.holdout_length == 28


def test_likelihood_gradients_match_finite_differences(cdnow):
    from leeway.value.model import bgnbd, gamma_gamma

    histories = bgnbd._prepare(cdnow.x, cdnow.t_x, cdnow.T, None)
    spends = gamma_gamma._repeat_buyers(cdnow.x, cdnow.zbar, None)
    cases = [
        (lambda th: bgnbd._objective(th, histories), np.log([0.4, 3.0, 1.3, 2.0])),
        (lambda th: gamma_gamma._objective(th, spends), np.log([4.0, 2.5, 20.0])),
    ]
    for objective, theta in cases:
        _, gradient = objective(theta)
        step = 1e-6
        numeric = [
            (objective(theta + step * e)[0] - objective(theta - step * e)[0]) / (2 * step)
            for e in np.eye(len(theta))
        ]
        np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-9)


def test_probability_alive_is_a_probability_and_one_without_repeat_purchases(cdnow, fitted):
    bg, _ = fitted
    alive = probability_alive(bg, x=cdnow.x, t_x=cdnow.t_x, T=cdnow.T)
    assert np.all((alive >= 0) & (alive <= 1))
    np.testing.assert_array_equal(alive[cdnow.x == 0], 1.0)
    assert np.all(alive[cdnow.x > 0] < 1)
    # A long silence after a busy history drives P(alive) to 0 without overflow.
    assert probability_alive(bg, x=500, t_x=1.0, T=1000.0) == pytest.approx(0.0, abs=1e-300)


def test_expected_purchases_match_the_paper_for_its_example_customer():
    # FHL (2005): x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks.
    value = expected_purchases(PUBLISHED_BGNBD, t=39, x=2, t_x=30.43, T=38.86)
    assert float(value) == pytest.approx(1.226, abs=5e-4)


@pytest.mark.parametrize(
    ("t", "x", "t_x", "T"),
    [(39, 0, 0, 38.86), (39, 2, 30.43, 38.86), (1, 1, 2.0, 30.0), (52, 7, 35.0, 39.0), (500, 50, 20.0, 30.0)],
)
def test_expected_purchases_and_probability_alive_match_numeric_integration(fitted, t, x, t_x, T):
    bg, _ = fitted
    want_purchases, want_alive = _posterior_expectation(bg, t=t, x=x, t_x=t_x, T=T)
    assert float(expected_purchases(bg, t=t, x=x, t_x=t_x, T=T)) == pytest.approx(want_purchases, rel=1e-8)
    assert float(probability_alive(bg, x=x, t_x=t_x, T=T)) == pytest.approx(want_alive, rel=1e-8)


def test_expected_purchases_stay_finite_for_heavy_buyers_and_long_horizons(fitted):
    bg, _ = fitted
    horizons = np.array([1.0, 52.0, 520.0, 5200.0])
    value = expected_purchases(bg, t=horizons, x=400, t_x=39.0, T=39.0)
    assert np.all(np.isfinite(value)) and np.all(np.diff(value) > 0)
    # A buyer seen on the last day keeps buying at about (r + x) / (alpha + T) per week at first.
    assert value[0] == pytest.approx((bg.r + 400) / (bg.alpha + 39.0), rel=0.05)
    # The same buyer silent for the last two weeks (~20 expected purchases) has most likely left.
    assert float(expected_purchases(bg, t=1.0, x=400, t_x=37.0, T=39.0)) < 0.01 * value[0]


def test_expected_purchases_is_smooth_through_a_equal_to_one():
    near = [BgNbdParams(r=0.3, alpha=5.0, a=a, b=2.5) for a in (1 - 1e-4, 1.0, 1 + 1e-4)]
    values = [float(expected_purchases(p, t=39, x=3, t_x=20.0, T=30.0)) for p in near]
    assert values[1] == pytest.approx(0.5 * (values[0] + values[2]), rel=1e-6)


def test_expected_purchases_survive_the_hypergeometric_pole_at_a_plus_b_equal_to_one():
    # c = a + b + x - 1 = 0 for a new customer is a pole of 2F1; the answer is continuous there.
    on_pole = BgNbdParams(r=0.3, alpha=5.0, a=0.4, b=0.6)
    beside = BgNbdParams(r=0.3, alpha=5.0, a=0.4, b=0.6 + 1e-9)
    got = expected_purchases(on_pole, t=39, x=0, t_x=0, T=20.0)
    assert np.isfinite(got) and float(got) == pytest.approx(
        float(expected_purchases(beside, t=39, x=0, t_x=0, T=20.0))
    )


def test_unconditional_expectation_matches_the_mean_of_simulated_customers():
    rng = np.random.default_rng(20050101)
    customers = simulate(200_000, PUBLISHED_BGNBD, PUBLISHED_GG, 39.0, rng)
    mean = customers.x.mean()
    standard_error = customers.x.std() / math.sqrt(customers.x.size)
    assert mean == pytest.approx(
        float(unconditional_expected_purchases(PUBLISHED_BGNBD, t=39.0)), abs=4 * standard_error
    )
    assert float(unconditional_expected_purchases(PUBLISHED_BGNBD, t=0.0)) == 0.0


def test_fits_recover_the_parameters_of_simulated_customers():
    rng = np.random.default_rng(7)
    n = 40_000
    ages = rng.integers(189, 274, n) / 7
    customers = simulate(n, PUBLISHED_BGNBD, PUBLISHED_GG, ages, rng, time_resolution=1 / 7)
    assert np.all(customers.t_x <= customers.T) and np.all(customers.t_x[customers.x == 0] == 0)
    bg = fit_bgnbd(customers.x, customers.t_x, customers.T)
    gg = fit_gamma_gamma(customers.x, customers.zbar)
    for name in ("r", "alpha", "a", "b"):
        assert getattr(bg, name) == pytest.approx(getattr(PUBLISHED_BGNBD, name), rel=0.2), name
    for name in ("p", "q", "gamma"):
        assert getattr(gg, name) == pytest.approx(getattr(PUBLISHED_GG, name), rel=0.2), name


def test_expected_spend_shrinks_towards_the_population_mean(fitted):
    _, gg = fitted
    population = gg.p * gg.gamma / (gg.q - 1)
    assert float(expected_spend(gg, x=0, zbar=0.0)) == pytest.approx(population)
    spend = expected_spend(gg, x=np.array([1, 10, 1000]), zbar=np.array([100.0, 100.0, 100.0]))
    assert population < spend[0] < spend[1] < spend[2] < 100.0


def test_clv_increases_with_horizon_and_decreases_with_discount_rate(cdnow, fitted):
    bg, gg = fitted
    history = {"x": cdnow.x, "t_x": cdnow.t_x, "T": cdnow.T, "zbar": cdnow.zbar}
    by_horizon = [customer_lifetime_value(bg, gg, **history, horizon_months=h) for h in (1, 12, 36)]
    assert np.all(by_horizon[0] > 0)
    assert np.all(by_horizon[1] > by_horizon[0]) and np.all(by_horizon[2] > by_horizon[1])
    by_rate = [customer_lifetime_value(bg, gg, **history, annual_discount_rate=d) for d in (0.0, 0.1, 0.3)]
    assert np.all(by_rate[0] > by_rate[1]) and np.all(by_rate[1] > by_rate[2])


def test_clv_equals_the_discounted_sum_of_monthly_expected_purchases(cdnow, fitted):
    bg, gg = fitted
    sl = slice(0, 60)
    x, t_x, T, zbar = cdnow.x[sl], cdnow.t_x[sl], cdnow.T[sl], cdnow.zbar[sl]
    clv = customer_lifetime_value(
        bg, gg, x=x, t_x=t_x, T=T, zbar=zbar, horizon_months=6, annual_discount_rate=0.12, time_unit_days=7
    )
    monthly_rate = 1.12 ** (1 / 12) - 1
    weeks = np.arange(7) * (365.25 / 12) / 7
    cumulative = [expected_purchases(bg, t=w, x=x, t_x=t_x, T=T) for w in weeks]
    want = sum((cumulative[i] - cumulative[i - 1]) / (1 + monthly_rate) ** i for i in range(1, 7))
    np.testing.assert_allclose(clv, want * expected_spend(gg, x=x, zbar=zbar), rtol=1e-10)
    undiscounted = customer_lifetime_value(
        bg, gg, x=x, t_x=t_x, T=T, zbar=zbar, horizon_months=6, annual_discount_rate=0.0, time_unit_days=1
    )
    days = 6 * 365.25 / 12
    direct = expected_purchases(bg, t=days, x=x, t_x=t_x, T=T) * expected_spend(gg, x=x, zbar=zbar)
    np.testing.assert_allclose(undiscounted, direct, rtol=1e-10)


def test_too_few_customers_raise_insufficient_history():
    x = np.array([1.0, 0.0, 2.0] * 3)
    t_x = np.array([3.0, 0.0, 5.0] * 3)
    T = np.full(9, 10.0)
    with pytest.raises(InsufficientHistory):
        fit_bgnbd(x, t_x, T)
    with pytest.raises(InsufficientHistory):
        fit_gamma_gamma(x, np.full(9, 12.5))


def test_no_repeat_buyers_raise_insufficient_history():
    zeros = np.zeros(100)
    with pytest.raises(InsufficientHistory, match="repeat"):
        fit_bgnbd(zeros, zeros, np.full(100, 20.0))
    with pytest.raises(InsufficientHistory, match="repeat"):
        fit_gamma_gamma(zeros, zeros)


def test_an_unfinished_fit_raises_fit_error_or_reports_not_converged(cdnow):
    with pytest.raises(FitError, match="did not converge") as caught:
        fit_bgnbd(cdnow.x, cdnow.t_x, cdnow.T, max_iter=2)
    assert caught.value.params is not None and not caught.value.params.converged
    lenient = fit_bgnbd(cdnow.x, cdnow.t_x, cdnow.T, max_iter=2, strict=False)
    assert lenient.converged is False


def test_unidentified_parameters_raise_fit_error_instead_of_garbage():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 6, 200).astype(float)
    T = np.full(200, 30.0)
    # Everyone bought right up to the end: no evidence of dropout, so a -> 0 and b -> infinity.
    # (By default such a boundary optimum is fitted with a penalty: test_boundary.py.)
    with pytest.raises(FitError, match="ran off"):
        fit_bgnbd(x, T.copy(), T, penalize_boundary=False)
    # Identical mean spend for everyone: no spread, so p and q -> infinity.
    with pytest.raises(FitError, match="ran off"):
        fit_gamma_gamma(x, np.full(200, 10.0), penalize_boundary=False)


def test_invalid_histories_are_rejected():
    with pytest.raises(ValueError, match="t_x"):
        fit_bgnbd(np.ones(30), np.full(30, 11.0), np.full(30, 10.0))
    with pytest.raises(ValueError, match="whole numbers"):
        fit_bgnbd(np.full(30, 1.5), np.ones(30), np.full(30, 10.0))


def test_fit_summary_csv_accepts_both_header_styles(tmp_path):
    plain = fit_summary_csv(SUMMARY)
    with_spend = fit_summary_csv(SUMMARY_WITH_SPEND)
    assert plain["gamma_gamma"] is None
    assert plain["bgnbd"] == with_spend["bgnbd"]
    assert set(with_spend["bgnbd"]) >= {"r", "alpha", "a", "b", "loglik"}
    assert with_spend["gamma_gamma"]["p"] == pytest.approx(PUBLISHED_GG.p, rel=0.005)

    table = read_summary_csv(SUMMARY_WITH_SPEND)
    renamed = tmp_path / "lifetimes_style.csv"
    lines = ["customer_id,frequency,recency,T,monetary_value"]
    columns = (table.customer_id, table.x, table.t_x, table.T, table.zbar)
    lines += [f"{i},{x:g},{tx},{t},{z}" for i, x, tx, t, z in zip(*columns, strict=True)]
    renamed.write_text("\n".join(lines) + "\n")
    again = fit_summary_csv(renamed)
    assert again["bgnbd"]["loglik"] == pytest.approx(with_spend["bgnbd"]["loglik"], abs=1e-6)
    assert again["gamma_gamma"]["gamma"] == pytest.approx(with_spend["gamma_gamma"]["gamma"], rel=1e-6)


def test_the_column_reader_and_the_row_reader_read_the_same_file(tmp_path):
    fast = read_summary_csv(SUMMARY_WITH_SPEND)
    # A whitespace-only line and quoted cells: the C reader hands the file to the row-by-row one.
    text = SUMMARY_WITH_SPEND.read_text().splitlines()
    awkward = tmp_path / "awkward.csv"
    awkward.write_text(
        "\n".join([text[0], text[1], "   ", *(f'"{line}"'.replace(",", '","') for line in text[2:])])
    )
    slow = read_summary_csv(awkward)
    for column in ("customer_id", "x", "t_x", "T", "zbar"):
        np.testing.assert_array_equal(getattr(fast, column), getattr(slow, column))
    assert read_summary_csv(SUMMARY_WITH_SPEND, with_ids=False).customer_id is None


def test_a_bad_cell_is_named_by_its_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("ID,x,t_x,T\n1,2,30.4,38.9\n2,two,1.7,38.9\n")
    with pytest.raises(ValueError, match="column 'x' has a missing or non-numeric value"):
        read_summary_csv(bad)
    bad.write_text("ID,x,t_x,T\n1,2,30.4\n")
    with pytest.raises(ValueError, match="column 'T' has a missing or non-numeric value"):
        read_summary_csv(bad)
