"""BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting your customers the easy way")."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from ._common import (
    FloatArray,
    IndexArray,
    check_frequency,
    merge_identical_rows,
    minimise_at_boundary_too,
    require_customers,
    validate_history,
    validate_weights,
)
from .errors import FitError, InsufficientHistory

PARAM_NAMES = ("r", "alpha", "a", "b")
# Within this distance of a = 1 the closed forms divide 0 by 0; the expectation is smooth in a, so
# it is evaluated symmetrically either side of the pole instead.
_A_POLE_GAP = 1e-6


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters: purchase rate ~ Gamma(r, alpha), dropout probability ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    loglik: float = math.nan
    converged: bool = True
    # 0 for the plain maximum-likelihood fit; one of BOUNDARY_PENALTIES (model/_common.py) when the
    # optimum lay on the boundary of the parameter space, e.g. no sign of customers dropping out.
    penalty: float = 0.0

    def __post_init__(self) -> None:
        for name in PARAM_NAMES:
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"BG/NBD parameter {name} must be positive and finite, got {value!r}")


@dataclass(frozen=True)
class _Histories:
    """Distinct (x, t_x, T) rows with customer counts, plus per-distinct-x bookkeeping."""

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    weight: FloatArray
    x_values: FloatArray
    x_index: IndexArray
    weight_per_x: FloatArray
    total: float


def _prepare(x: FloatArray, t_x: FloatArray, T: FloatArray, weights: FloatArray | None) -> _Histories:
    """Merge identical histories so the likelihood is evaluated once per distinct pattern."""
    merged = merge_identical_rows((x, t_x, T), weights)
    keep = merged.weights > 0
    mx, mtx, mT = (c[keep] for c in merged.columns)
    w = merged.weights[keep]
    x_values, x_index = np.unique(mx, return_inverse=True)
    return _Histories(
        x=mx,
        t_x=mtx,
        T=mT,
        weight=w,
        x_values=x_values,
        x_index=x_index,
        weight_per_x=np.bincount(x_index, weights=w, minlength=x_values.shape[0]),
        total=float(w.sum()),
    )


def _loglik_terms(
    r: float, alpha: float, a: float, b: float, *, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> tuple[FloatArray, ...]:
    """Return the per-row pieces of the log-likelihood that the value and the gradient share."""
    rx = r + x
    log_age = np.log(alpha + T)
    log_recency = np.log(alpha + t_x)
    # b + x - 1 only enters for repeat buyers; max(x, 1) keeps it positive (and unused) for x == 0.
    b_x1 = b + np.maximum(x, 1.0) - 1.0
    a3 = -rx * log_age
    a4 = np.where(x > 0, math.log(a) - np.log(b_x1) - rx * log_recency, -np.inf)
    # log(exp(A3) + [x>0] exp(A4)) without overflow/underflow: both terms are tiny for big x.
    log_sum = np.logaddexp(a3, a4)
    return rx, log_age, log_recency, b_x1, a3, a4, log_sum


def _objective(theta: FloatArray, h: _Histories) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood per customer and its gradient in log-parameters."""
    r, alpha, a, b = np.exp(theta)
    xv = h.x_values
    # A1 + A2 without alpha: depends on x only, so it is evaluated once per distinct frequency.
    per_x = gammaln(r + xv) - gammaln(r) + betaln(a, b + xv) - betaln(a, b)
    rx, log_age, log_recency, b_x1, a3, a4, log_sum = _loglik_terms(r, alpha, a, b, x=h.x, t_x=h.t_x, T=h.T)
    loglik = h.weight_per_x @ per_x + h.total * r * math.log(alpha) + h.weight @ log_sum

    # Posterior shares of the "still alive" (A3) and "dropped out after t_x" (A4) branches.
    w_alive = np.exp(a3 - log_sum)
    w_dead = np.exp(a4 - log_sum)
    d_r = (
        h.weight_per_x @ (digamma(r + xv) - digamma(r))
        + h.total * math.log(alpha)
        - h.weight @ (w_alive * log_age + w_dead * log_recency)
    )
    d_alpha = h.total * r / alpha - h.weight @ (rx * (w_alive / (alpha + h.T) + w_dead / (alpha + h.t_x)))
    psi_ab = digamma(a + b)
    psi_abx = digamma(a + b + xv)
    d_a = h.weight_per_x @ (psi_ab - psi_abx) + (h.weight @ w_dead) / a
    d_b = h.weight_per_x @ (psi_ab + digamma(b + xv) - digamma(b) - psi_abx) - h.weight @ (w_dead / b_x1)
    gradient = -np.array([r * d_r, alpha * d_alpha, a * d_a, b * d_b]) / h.total
    return float(-loglik / h.total), gradient


def bgnbd_loglik(params: BgNbdParams, *, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
    """Per-customer BG/NBD log-likelihood of the histories under ``params``."""
    xs, txs, ts = validate_history(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    per_x = gammaln(r + xs) - gammaln(r) + betaln(a, b + xs) - betaln(a, b) + r * math.log(alpha)
    return per_x + _loglik_terms(r, alpha, a, b, x=xs, t_x=txs, T=ts)[-1]


def fit_bgnbd(
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    min_customers: int = 20,
    max_iter: int = 1000,
    strict: bool = True,
    penalize_boundary: bool = True,
) -> BgNbdParams:
    """Maximum-likelihood BG/NBD fit; raises FitError (or flags converged=False) on failure.

    An optimum on the boundary of the parameter space is fitted with a small penalty instead
    (BOUNDARY_PENALTIES in model/_common.py), given in `penalty`; `penalize_boundary=False` keeps
    the plain fit and its FitError.
    """
    xs, txs, ts = validate_history(x, t_x, T)
    w = validate_weights(weights, xs.shape[0])
    h = _prepare(xs, txs, ts, w)
    require_customers(h.total, minimum=min_customers, what="customers")
    repeaters = float(h.weight[h.x > 0].sum())
    if repeaters == 0:
        raise InsufficientHistory("no customer made a repeat purchase, so purchase rates cannot be estimated")

    # Start from r = 1 with alpha matching the observed repeat-purchase rate, and a neutral Beta(1, 1).
    rate = float(h.weight @ h.x) / float(h.weight @ h.T)
    theta0 = np.array([0.0, math.log(1.0 / rate), 0.0, 0.0])
    report, penalty = minimise_at_boundary_too(
        lambda th: _objective(th, h),
        theta0,
        names=PARAM_NAMES,
        max_iter=max_iter,
        penalize_boundary=penalize_boundary,
    )
    r, alpha, a, b = (float(v) for v in np.exp(report.theta))
    params = BgNbdParams(
        r=r,
        alpha=alpha,
        a=a,
        b=b,
        loglik=-report.mean_negloglik * h.total,
        converged=report.converged,
        penalty=penalty,
    )
    if strict and not report.converged:
        raise FitError(f"BG/NBD fit did not converge: {report.message}", params=params)
    return params


def probability_alive(params: BgNbdParams, *, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
    """P(customer is still active at T | x, t_x, T); exactly 1 for customers without repeat purchases."""
    xs, txs, ts = _broadcast_history(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    # Odds of "dropped out right after the last purchase" against "still alive", in logs so that a
    # long silence after a busy history does not overflow (alpha+T)/(alpha+t_x) ** (r+x).
    log_odds = (
        math.log(a)
        - np.log(b + np.maximum(xs, 1.0) - 1.0)
        + (r + xs) * (np.log(alpha + ts) - np.log(alpha + txs))
    )
    return np.where(xs > 0, expit(-log_odds), 1.0)


def expected_purchases(
    params: BgNbdParams, *, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> FloatArray:
    """E[repeat purchases in (T, T + t] | x, t_x, T] (FHL 2005 eq. 10), broadcast over all inputs."""
    ts_ = np.asarray(t, dtype=np.float64)
    xs, txs, ages = _broadcast_history(x, t_x, T)
    alive = probability_alive(params, x=xs, t_x=txs, T=ages)
    return _alive_expectation(params, t=ts_, x=xs, T=ages) * alive


def unconditional_expected_purchases(params: BgNbdParams, *, t: ArrayLike) -> FloatArray:
    """E[X(t)]: expected repeat purchases of a new customer in (0, t] (FHL 2005 eq. 9)."""
    ts_ = np.asarray(t, dtype=np.float64)
    if np.any(ts_ < 0):
        raise ValueError("t must be non-negative")
    # A brand-new customer is a live customer with no history: x = 0 and age T = 0.
    return _alive_expectation(params, t=ts_, x=np.zeros_like(ts_), T=np.zeros_like(ts_))


def _alive_expectation(params: BgNbdParams, *, t: FloatArray, x: FloatArray, T: FloatArray) -> FloatArray:
    """Expected purchases in (T, T + t] for a customer known to be alive at T with x repeat purchases."""
    if np.any(t < 0):
        raise ValueError("t must be non-negative")
    if abs(params.a - 1.0) < _A_POLE_GAP:
        lower = _alive_expectation_raw(params.r, params.alpha, 1.0 - _A_POLE_GAP, params.b, t, x, T)
        upper = _alive_expectation_raw(params.r, params.alpha, 1.0 + _A_POLE_GAP, params.b, t, x, T)
        return 0.5 * (lower + upper)
    return _alive_expectation_raw(params.r, params.alpha, params.a, params.b, t, x, T)


def _alive_expectation_raw(
    r: float, alpha: float, a: float, b: float, t: FloatArray, x: FloatArray, T: FloatArray
) -> FloatArray:
    """(a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)], z = t/(alpha+T+t)."""
    t, x, T = np.broadcast_arrays(t, x, T)
    z = t / (alpha + T + t)
    c = a + b + x - 1.0
    # Euler's transformation 2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A,C-B;C;z) turns the product into
    # (1-z)^(a-1) 2F1(a+b-1-r, a-1; C; z): the upper parameters no longer grow with x, so the series
    # stays O(1) where the textbook form multiplies a vanishing power by an overflowing 2F1.
    with np.errstate(invalid="ignore", over="ignore"):  # non-finite results are repaired just below
        survivor = np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
        value = np.array(c / (a - 1.0) * (1.0 - survivor), dtype=np.float64)
    bad = ~np.isfinite(value)
    if np.any(bad):
        # C = a+b+x-1 at a non-positive integer is a pole of 2F1 (only x = 0 with a + b = 1 exactly);
        # the quadrature form of the same expectation has no such pole.
        value[bad] = [
            _alive_expectation_quad(r, alpha, a, b, float(tt), float(xx), float(aa))
            for tt, xx, aa in zip(t[bad], x[bad], T[bad], strict=True)
        ]
        if not np.all(np.isfinite(value)):
            raise FloatingPointError(
                f"expected purchases not computable for r={r}, alpha={alpha}, a={a}, b={b}"
            )
    return value


def _alive_expectation_quad(
    r: float, alpha: float, a: float, b: float, t: float, x: float, T: float
) -> float:
    """Same expectation as E_p[(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p] with p ~ Beta(a, b+x)."""
    from scipy.integrate import quad

    scale = math.exp(-betaln(a, b + x))

    def smooth_part(p: float) -> float:
        # (1 - E[e^{-lambda p t}]) / p is smooth on [0, 1]; at p -> 0 it tends to (r+x) t / (alpha+T).
        if p <= 0.0:
            return scale * (r + x) * t / (alpha + T)
        return scale * -math.expm1(-(r + x) * math.log1p(p * t / (alpha + T))) / p

    # The Beta density's p^(a-1) (1-p)^(b+x-1) goes into QUADPACK's algebraic weight, so its
    # endpoint singularities are integrated exactly rather than sampled.
    value, _ = quad(smooth_part, 0.0, 1.0, weight="alg", wvar=(a - 1.0, b + x - 1.0), limit=200)
    return value


def _broadcast_history(
    x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Broadcast (x, t_x, T) for prediction, checking only what the formulas need."""
    xs, txs, ts = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    xs, txs, ts = np.broadcast_arrays(xs, txs, ts)
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(txs)) and np.all(np.isfinite(ts))):
        raise ValueError("x, t_x and T must be finite")
    check_frequency(xs)
    if np.any(ts < 0) or np.any(txs < 0) or np.any(txs > ts * (1 + 1e-12)):
        raise ValueError("need 0 <= t_x <= T")
    return xs, txs, ts
