"""Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value")."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from ._common import (
    FloatArray,
    as_float_vector,
    check_frequency,
    merge_identical_rows,
    minimise_at_boundary_too,
    require_customers,
    validate_weights,
)
from .errors import FitError

PARAM_NAMES = ("p", "q", "gamma")


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters: spend per purchase ~ Gamma(p, nu), nu ~ Gamma(q, gamma) across customers."""

    p: float
    q: float
    gamma: float
    loglik: float = math.nan
    converged: bool = True
    # 0 for the plain maximum-likelihood fit; one of BOUNDARY_PENALTIES (model/_common.py) when the
    # optimum lay on the boundary, e.g. mean spends that hardly differ between customers.
    penalty: float = 0.0

    def __post_init__(self) -> None:
        for name in PARAM_NAMES:
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"Gamma-Gamma parameter {name} must be positive and finite, got {value!r}")

    @property
    def mean_spend(self) -> float:
        """Population mean spend per purchase, p * gamma / (q - 1); infinite when q <= 1."""
        return self.p * self.gamma / (self.q - 1.0) if self.q > 1.0 else math.inf


@dataclass(frozen=True)
class _Spends:
    """Distinct (x, zbar) rows of repeat buyers with customer counts, plus per-distinct-x sums."""

    x: FloatArray
    zbar: FloatArray
    weight: FloatArray
    x_values: FloatArray
    weight_per_x: FloatArray
    sum_log_zbar: float
    x_zbar: FloatArray  # x * zbar, each pattern's total spend
    weights_xw: (
        FloatArray  # rows (weight * x, weight): one matrix product gives both sums the likelihood needs
    )
    sum_x_log_zbar: float
    total: float


def _repeat_buyers(x: ArrayLike, zbar: ArrayLike, weights: ArrayLike | None) -> _Spends:
    """Keep customers with repeat purchases and positive mean spend, merged by identical (x, zbar)."""
    xs = as_float_vector(x, name="x")
    zs = as_float_vector(zbar, name="zbar")
    if xs.shape != zs.shape:
        raise ValueError(f"x and zbar differ in length: {xs.shape[0]}, {zs.shape[0]}")
    check_frequency(xs)
    if np.any(zs < 0):
        raise ValueError("zbar (mean repeat spend) must be non-negative")
    w = validate_weights(weights, xs.shape[0])
    # The model describes positive spend amounts; zero-value repeat purchases (free items, fully
    # refunded orders) have zero likelihood under a Gamma, so those customers cannot inform it.
    keep = (xs > 0) & (zs > 0)
    if w is not None:
        keep &= w > 0
    if not np.any(keep):
        empty = np.empty(0)
        return _Spends(empty, empty, empty, empty, empty, 0.0, empty, np.empty((2, 0)), 0.0, total=0.0)
    merged = merge_identical_rows((xs[keep], zs[keep]), None if w is None else w[keep])
    mx, mz = merged.columns
    mw = merged.weights
    x_values, x_index = np.unique(mx, return_inverse=True)
    weighted_log_zbar = mw * np.log(mz)
    return _Spends(
        x=mx,
        zbar=mz,
        weight=mw,
        x_values=x_values,
        weight_per_x=np.bincount(x_index, weights=mw, minlength=x_values.shape[0]),
        sum_log_zbar=float(weighted_log_zbar.sum()),
        x_zbar=mx * mz,
        weights_xw=np.vstack([mw * mx, mw]),
        sum_x_log_zbar=float(weighted_log_zbar @ mx),
        total=float(mw.sum()),
    )


def _objective(theta: FloatArray, s: _Spends) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood per repeat buyer and its gradient in log-parameters."""
    p, q, gamma = np.exp(theta)
    # Gamma functions depend on x alone, so they are evaluated once per distinct frequency; only
    # log(gamma + x zbar) is needed per customer pattern.
    xv = s.x_values
    pxv = p * xv
    log_xv = np.log(xv)
    per_x = gammaln(pxv + q) - gammaln(pxv) - gammaln(q) + q * math.log(gamma) + pxv * log_xv
    # Per pattern only log(gamma + x zbar) and its reciprocal: shape = p x + q is linear, so each sum
    # over patterns splits into a (weight * x) part and a weight part, two matrix products in all.
    scaled = gamma + s.x_zbar
    (wx_log, wx_inv), (w_log, w_inv) = s.weights_xw @ np.column_stack([np.log(scaled), 1.0 / scaled])
    loglik = s.weight_per_x @ per_x + p * s.sum_x_log_zbar - s.sum_log_zbar - (p * wx_log + q * w_log)
    psi_pxq = digamma(pxv + q)
    d_p = s.weight_per_x @ (xv * (psi_pxq - digamma(pxv) + log_xv)) + s.sum_x_log_zbar - wx_log
    d_q = s.weight_per_x @ (psi_pxq - digamma(q)) + s.total * math.log(gamma) - w_log
    d_gamma = s.total * q / gamma - (p * wx_inv + q * w_inv)
    gradient = -np.array([p * d_p, q * d_q, gamma * d_gamma]) / s.total
    return float(-loglik / s.total), gradient


def fit_gamma_gamma(
    x: ArrayLike,
    zbar: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    min_customers: int = 20,
    max_iter: int = 1000,
    strict: bool = True,
    penalize_boundary: bool = True,
) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma fit on the repeat buyers (x > 0, zbar > 0) among all customers.

    An optimum on the boundary is fitted with a small penalty instead, as in `fit_bgnbd`.
    """
    s = _repeat_buyers(x, zbar, weights)
    require_customers(s.total, minimum=min_customers, what="repeat buyers with positive spend")

    # p = 1, q = 2 puts the prior mean spend p*gamma/(q-1) at gamma, so gamma starts at the mean zbar.
    mean_zbar = float(s.weight @ s.zbar) / s.total
    theta0 = np.array([0.0, math.log(2.0), math.log(mean_zbar)])
    report, penalty = minimise_at_boundary_too(
        lambda th: _objective(th, s),
        theta0,
        names=PARAM_NAMES,
        max_iter=max_iter,
        penalize_boundary=penalize_boundary,
    )
    p, q, gamma = (float(v) for v in np.exp(report.theta))
    params = GammaGammaParams(
        p=p,
        q=q,
        gamma=gamma,
        loglik=-report.mean_negloglik * s.total,
        converged=report.converged,
        penalty=penalty,
    )
    if strict and not report.converged:
        raise FitError(f"Gamma-Gamma fit did not converge: {report.message}", params=params)
    return params


def expected_spend(params: GammaGammaParams, *, x: ArrayLike, zbar: ArrayLike) -> FloatArray:
    """E[mean spend per future purchase | x, zbar]: a credibility blend of zbar and the population mean."""
    xs, zs = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(zbar, dtype=np.float64))
    check_frequency(xs)
    p, q, gamma = params.p, params.q, params.gamma
    denominator = p * xs + q - 1.0
    if np.any(denominator <= 0):
        # Only possible with q <= 1, where the Gamma-Gamma mean spend does not exist.
        raise ValueError(f"expected spend is infinite for q = {q:.4g} <= 1 and x < (1 - q) / p")
    # Equals (q-1)/(px+q-1) * p*gamma/(q-1) + px/(px+q-1) * zbar, written without dividing by q - 1.
    return p * (gamma + xs * zs) / denominator
