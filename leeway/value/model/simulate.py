"""Synthetic customers drawn from the BG/NBD purchase process and the Gamma-Gamma spend process."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._common import FloatArray
from .bgnbd import BgNbdParams
from .gamma_gamma import GammaGammaParams


class Customers(NamedTuple):
    """Simulated calibration-period summaries, one entry per customer."""

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    zbar: FloatArray


def simulate(
    n: int,
    params_bgnbd: BgNbdParams,
    params_gg: GammaGammaParams,
    T: ArrayLike,
    rng: np.random.Generator,
    *,
    time_resolution: float | None = None,
) -> Customers:
    """Draw ``n`` customers observed for ``T`` time units since their first purchase."""
    if n < 0:
        raise ValueError("n must be non-negative")
    ages = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,)).copy()
    if np.any(~np.isfinite(ages)) or np.any(ages <= 0):
        raise ValueError("T must be positive and finite")

    lam = rng.gamma(shape=params_bgnbd.r, scale=1.0 / params_bgnbd.alpha, size=n)
    # Clipping keeps geometric() defined when a Beta draw underflows to exactly 0 or 1.
    p = np.clip(rng.beta(params_bgnbd.a, params_bgnbd.b, size=n), 1e-300, 1.0)
    arrivals = rng.poisson(lam * ages)
    # The customer may drop out right after each repeat purchase (never after the first one), so
    # the number of repeat purchases until dropout is Geometric(p) on 1, 2, ...
    lifetime_purchases = rng.geometric(p)
    x = np.minimum(arrivals, lifetime_purchases)
    repeat = x > 0

    # Given N arrivals of a Poisson process on (0, T], the x-th arrival time is T times the x-th
    # order statistic of N uniforms, i.e. T * Beta(x, N - x + 1).
    t_x = np.zeros(n)
    t_x[repeat] = ages[repeat] * rng.beta(x[repeat], arrivals[repeat] - x[repeat] + 1)
    if time_resolution is not None:
        if not time_resolution > 0:
            raise ValueError("time_resolution must be positive")
        # Purchases are recorded on a grid (e.g. whole days); rounding up keeps t_x > 0 for repeaters.
        t_x[repeat] = np.minimum(np.ceil(t_x[repeat] / time_resolution) * time_resolution, ages[repeat])

    # Spend: nu ~ Gamma(q, rate gamma) per customer; the mean of x Gamma(p, rate nu) amounts is
    # Gamma(p x, rate nu x).
    nu = rng.gamma(shape=params_gg.q, scale=1.0 / params_gg.gamma, size=n)
    zbar = np.zeros(n)
    xr = x[repeat].astype(np.float64)
    zbar[repeat] = rng.gamma(shape=params_gg.p * xr, scale=1.0 / (nu[repeat] * xr))
    return Customers(x=x.astype(np.float64), t_x=t_x, T=ages, zbar=zbar)
