"""Validation: the ROI estimator on synthetic data with a planted effect and confounding.

Each data set draws customers with a segment, prior value, tenure and contact category; gestures go
more often to valuable, premium customers (who churn less anyway) and a gesture multiplies the churn
hazard by 0.6 (leeway/insights/roi/simulate.py). The planted truth is the average effect on 90-day
retention over the population. For every data set the estimator (propensity-weighted Kaplan-Meier,
bootstrap interval) runs exactly as the ROI page runs it; the script reports

- the mean estimate against the truth (target: within ±10 %),
- how often the 95 % interval covers the truth (target: 90-98 % of data sets),
- the naive (unweighted) comparison's mean, which is biased upwards,
- one large data set's estimate (its own sampling noise is small, so it alone must be within ±10 %).

Usage (from the repository root):

    .venv/bin/python bench/roi.py                          # 200 data sets of 4,000, 200 replicates
    .venv/bin/python bench/roi.py --datasets 20 --replicates 50 --workers 1   # a quick look
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# One thread per process: the workers run side by side, and BLAS threads would only fight them.
for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(name, "1")

import numpy as np  # noqa: E402

from leeway.insights.roi.estimator import estimate  # noqa: E402
from leeway.insights.roi.simulate import HAZARD_RATIO, simulate_cohort, true_effect  # noqa: E402


def one(args: tuple[int, int, int]) -> tuple[float, float, float, float, int, int]:
    seed, customers, replicates = args
    cohort = simulate_cohort(seed, customers)
    figure = next(f for f in estimate(cohort, replicates=replicates, seed=seed) if f.key == "retention_90")
    return figure.estimate, figure.low, figure.high, figure.naive, figure.treated, figure.control


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=200)
    parser.add_argument("--customers", type=int, default=4000)
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--large", type=int, default=40_000, help="customers in the one large data set")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    options = parser.parse_args()

    truth = true_effect(90) * 100
    print(f"machine: {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"planted: hazard ratio {HAZARD_RATIO}; true effect on 90-day retention {truth:.2f} points")
    print(
        f"{options.datasets} data sets of {options.customers:,} customers, "
        f"{options.replicates} bootstrap replicates each, {options.workers} worker(s)"
    )
    started = time.perf_counter()
    jobs = [(1000 + i, options.customers, options.replicates) for i in range(options.datasets)]
    if options.workers > 1:
        with ProcessPoolExecutor(options.workers) as pool:
            results = list(pool.map(one, jobs, chunksize=4))
    else:
        results = [one(job) for job in jobs]
    elapsed = time.perf_counter() - started
    columns = zip(*results, strict=True)
    est, low, high, naive, treated, control = (np.array(column, dtype=float) for column in columns)
    covered = (low <= truth) & (truth <= high)
    mean = est.mean()
    print(f"arms: {treated.mean():.0f} with a gesture, {control.mean():.0f} without (mean per data set)")
    print(
        f"adjusted estimate: mean {mean:.2f} points ({(mean - truth) / truth:+.1%} of the truth), "
        f"sd {est.std(ddof=1):.2f}, mean interval width {(high - low).mean():.2f}"
    )
    share = covered.mean()
    print(f"95 % interval covers the truth in {covered.sum()} of {len(covered)} data sets ({share:.1%})")
    bias = (naive.mean() - truth) / truth
    print(f"naive comparison: mean {naive.mean():.2f} points ({bias:+.1%} of the truth)")
    print(f"time: {elapsed:.0f} s ({elapsed / len(results):.2f} s per data set)")

    large = one((7, options.large, 50))
    print(
        f"one data set of {options.large:,} customers: estimate {large[0]:.2f} "
        f"({(large[0] - truth) / truth:+.1%} of the truth), interval {large[1]:.2f} to {large[2]:.2f}, "
        f"naive {large[3]:.2f}"
    )
    ok = (
        abs(mean - truth) <= 0.10 * truth
        and 0.90 <= covered.mean() <= 0.98
        and abs(large[0] - truth) <= 0.10 * truth
        and naive.mean() > truth * 1.1
    )
    print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
