"""Discounted customer lifetime value from a BG/NBD purchase model and a Gamma-Gamma spend model."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ._common import FloatArray, as_float_vector, merge_identical_rows, validate_history
from .bgnbd import BgNbdParams, _alive_expectation, probability_alive
from .gamma_gamma import GammaGammaParams, expected_spend

# Average Gregorian month, so twelve steps make exactly one (average) year.
DAYS_PER_MONTH = 365.25 / 12


def customer_lifetime_value(
    bgnbd: BgNbdParams,
    gamma_gamma: GammaGammaParams,
    *,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    zbar: ArrayLike,
    horizon_months: int = 12,
    annual_discount_rate: float = 0.10,
    time_unit_days: float = 7.0,
    days_per_month: float = DAYS_PER_MONTH,
) -> FloatArray:
    """Sum over months i of E[purchases in month i | history] * E[spend] / (1 + monthly rate)^i."""
    xs, txs, ts = validate_history(x, t_x, T)
    zs = as_float_vector(zbar, name="zbar")
    if zs.shape != xs.shape:
        raise ValueError(f"zbar has {zs.shape[0]} rows, expected {xs.shape[0]}")
    if int(horizon_months) != horizon_months or horizon_months < 0:
        raise ValueError("horizon_months must be a non-negative whole number of months")
    if not annual_discount_rate > -1.0:
        raise ValueError("annual_discount_rate must exceed -1")
    if not (time_unit_days > 0 and days_per_month > 0):
        raise ValueError("time_unit_days and days_per_month must be positive")

    spend = expected_spend(gamma_gamma, x=xs, zbar=zs)
    alive = probability_alive(bgnbd, x=xs, t_x=txs, T=ts)
    # Given "alive at T", the purchase outlook depends on (x, T) only; recency enters through
    # P(alive). So the hypergeometric work is done once per distinct (x, T), not per customer.
    groups = merge_identical_rows((xs, ts))
    gx, gT = groups.columns
    months = np.arange(1, int(horizon_months) + 1)
    # (1 + annual)^(-i/12) is the same as (1 + monthly)^(-i) with monthly = (1 + annual)^(1/12) - 1.
    discount = np.exp(-months / 12.0 * math.log1p(annual_discount_rate))
    step = days_per_month / time_unit_days
    discounted = np.zeros_like(gx)
    previous = np.zeros_like(gx)
    for month, factor in zip(months, discount, strict=True):
        cumulative = _alive_expectation(bgnbd, t=np.full_like(gx, month * step), x=gx, T=gT)
        discounted += factor * (cumulative - previous)
        previous = cumulative
    return spend * alive * discounted[groups.inverse]
