"""Benchmark: BG/NBD + Gamma-Gamma + 12-month CLV on synthetic customers, ours against lifetimes 0.11.3."""

# Usage (from the repository root):
#
#     .venv/bin/python bench/value.py                  # 1,000,000 customers, both implementations
#     .venv/bin/python bench/value.py --customers 100000 --skip-lifetimes
#     .venv/bin/python bench/value.py --refresh        # leeway value refresh on PostgreSQL, 1M customers
#
# The lifetimes side runs in its own virtualenv (bench/.venv-value, created on first use with
# lifetimes==0.11.3, pandas and setuptools<81; never a runtime dependency of Leeway) and in its own
# process, as does ours, so each peak-memory figure (ru_maxrss of that process) covers one
# implementation only. Both processes read the same customers from a temporary .npz.

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / "bench" / ".venv-value"
BENCH_PYTHON = BENCH_VENV / "bin" / "python"
BENCH_REQUIREMENTS = ["lifetimes==0.11.3", "pandas", "setuptools<81"]

# Published CDNOW fits (Fader, Hardie & Lee 2005; Fader & Hardie 2013) drive the simulation.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}
ANNUAL_DISCOUNT = 0.10
# lifetimes' month for weekly data (freq="W") is 4.345 weeks; ours is configurable, so the CLV
# cross-check below uses the same month length and the same monthly discount rate.
LIFETIMES_WEEKS_PER_MONTH = 4.345


def _peak_rss_mib() -> float:
    """Peak resident memory of this process in MiB: VmHWM where Linux reports it, else ru_maxrss."""
    # ru_maxrss of an exec'd child starts at its parent's RSS at fork time (Linux keeps the larger
    # high-water mark across exec); VmHWM belongs to the new address space only. The parent also stays
    # lean (data are generated in a child) so both measures agree.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _monthly_rate(annual: float) -> float:
    return (1.0 + annual) ** (1.0 / 12.0) - 1.0


def worker_ours(data: dict[str, np.ndarray], horizon: int) -> dict[str, object]:
    """Fit and score with leeway.value.model; returns timings and results."""
    sys.path.insert(0, str(ROOT))
    from leeway.value.model import customer_lifetime_value, fit_bgnbd, fit_gamma_gamma

    x, t_x, T, zbar = data["x"], data["t_x"], data["T"], data["zbar"]
    baseline = _peak_rss_mib()
    start = time.perf_counter()
    bg = fit_bgnbd(x, t_x, T)
    fitted_bg = time.perf_counter()
    gg = fit_gamma_gamma(x, zbar)
    fitted_gg = time.perf_counter()
    clv = customer_lifetime_value(
        bg, gg, x=x, t_x=t_x, T=T, zbar=zbar, horizon_months=horizon, annual_discount_rate=ANNUAL_DISCOUNT
    )
    end = time.perf_counter()
    return {
        "seconds": end - start,
        "bgnbd_seconds": fitted_bg - start,
        "gamma_gamma_seconds": fitted_gg - fitted_bg,
        "clv_seconds": end - fitted_gg,
        "peak_rss_mib": _peak_rss_mib(),
        "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_work_mib": baseline,
        "bgnbd": {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b, "loglik": bg.loglik},
        "gamma_gamma": {"p": gg.p, "q": gg.q, "gamma": gg.gamma},
        "clv_total": float(clv.sum()),
    }


def worker_lifetimes(data: dict[str, np.ndarray], horizon: int, clv_out: str) -> dict[str, object]:
    """The same work with lifetimes 0.11.3 used as documented (one row per customer)."""
    import warnings

    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    warnings.simplefilter("ignore")
    x, t_x, T, zbar = data["x"], data["t_x"], data["T"], data["zbar"]
    baseline = _peak_rss_mib()
    start = time.perf_counter()
    frequency, recency, age, monetary = (pd.Series(v) for v in (x, t_x, T, zbar))
    bgf = BetaGeoFitter().fit(frequency, recency, age)
    fitted_bg = time.perf_counter()
    repeat = (frequency > 0) & (monetary > 0)
    ggf = GammaGammaFitter().fit(frequency[repeat], monetary[repeat])
    fitted_gg = time.perf_counter()
    clv = ggf.customer_lifetime_value(
        bgf,
        frequency,
        recency,
        age,
        monetary,
        time=horizon,
        discount_rate=_monthly_rate(ANNUAL_DISCOUNT),
        freq="W",
    )
    end = time.perf_counter()
    np.save(clv_out, clv.to_numpy(dtype=np.float64))
    bg, gg = bgf.params_, ggf.params_
    return {
        "seconds": end - start,
        "bgnbd_seconds": fitted_bg - start,
        "gamma_gamma_seconds": fitted_gg - fitted_bg,
        "clv_seconds": end - fitted_gg,
        "peak_rss_mib": _peak_rss_mib(),
        "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_work_mib": baseline,
        "bgnbd": {"r": bg["r"], "alpha": bg["alpha"], "a": bg["a"], "b": bg["b"]},
        "gamma_gamma": {"p": gg["p"], "q": gg["q"], "gamma": gg["v"]},
        "clv_total": float(clv.sum()),
    }


def ensure_bench_venv() -> None:
    """Create bench/.venv-value with lifetimes 0.11.3 unless it already works."""
    probe = [str(BENCH_PYTHON), "-c", "import lifetimes, pandas; assert lifetimes.__version__ == '0.11.3'"]
    if BENCH_PYTHON.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return
    print(f"creating {BENCH_VENV.relative_to(ROOT)} with {' '.join(BENCH_REQUIREMENTS)} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(BENCH_VENV)], check=True)
    subprocess.run([str(BENCH_PYTHON), "-m", "pip", "install", "-q", *BENCH_REQUIREMENTS], check=True)


def run_worker(python: Path | str, name: str, *options: str) -> dict[str, object]:
    """Run one step in a fresh process and return its JSON report."""
    command = [str(python), __file__, "--worker", name, *options]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{name} worker failed with exit code {done.returncode}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # RUSAGE_CHILDREN holds the largest finished child so far, a cross-check of the worker's own figure.
    report["children_maxrss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return report


def run_repeated(python: Path | str, name: str, repeat: int, *options: str) -> dict[str, object]:
    """Run a worker ``repeat`` times; keep the median-time report and the largest memory figures."""
    runs = sorted(
        (run_worker(python, name, *options) for _ in range(max(1, repeat))), key=lambda r: r["seconds"]
    )
    report = dict(runs[len(runs) // 2])
    for key in ("peak_rss_mib", "ru_maxrss_mib"):
        report[key] = max(r[key] for r in runs)
    report["all_seconds"] = [r["seconds"] for r in runs]
    return report


def worker_generate(n: int, seed: int, data_path: str) -> dict[str, object]:
    """Synthetic CDNOW-like cohort: ages of 27-39 weeks in whole days, purchases recorded by day."""
    sys.path.insert(0, str(ROOT))
    from leeway.value.model import BgNbdParams, GammaGammaParams, simulate

    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    ages = rng.integers(27 * 7, 39 * 7 + 1, size=n) / 7.0
    customers = simulate(
        n, BgNbdParams(**PUBLISHED_BGNBD), GammaGammaParams(**PUBLISHED_GG), ages, rng, time_resolution=1 / 7
    )
    np.savez(data_path, **customers._asdict())
    return {"seconds": time.perf_counter() - start, "repeaters": int(np.count_nonzero(customers.x > 0))}


def cross_check_clv(
    data: dict[str, np.ndarray], theirs: dict[str, object], clv_path: Path, horizon: int
) -> float:
    """Largest relative CLV difference between lifetimes and ours evaluated at lifetimes' parameters."""
    sys.path.insert(0, str(ROOT))
    from leeway.value.model import BgNbdParams, GammaGammaParams, bgnbd_loglik, customer_lifetime_value

    bg = BgNbdParams(**theirs["bgnbd"])
    # lifetimes reports the likelihood of rescaled times; evaluate its estimate on the original scale.
    theirs["bgnbd"]["loglik"] = float(bgnbd_loglik(bg, x=data["x"], t_x=data["t_x"], T=data["T"]).sum())
    gg = GammaGammaParams(**theirs["gamma_gamma"])
    ours = customer_lifetime_value(
        bg,
        gg,
        x=data["x"],
        t_x=data["t_x"],
        T=data["T"],
        zbar=data["zbar"],
        horizon_months=horizon,
        annual_discount_rate=ANNUAL_DISCOUNT,
        time_unit_days=7.0,
        days_per_month=LIFETIMES_WEEKS_PER_MONTH * 7.0,
    )
    lifetimes_clv = np.load(clv_path)
    finite = np.isfinite(lifetimes_clv)
    rel = np.abs(ours[finite] - lifetimes_clv[finite]) / np.maximum(np.abs(lifetimes_clv[finite]), 1e-12)
    if not np.all(finite):
        print(f"  lifetimes returned {np.count_nonzero(~finite)} non-finite CLV values (ignored)")
    return float(rel.max())


def machine_description() -> str:
    """CPU model and core count as lscpu reports them."""
    model = "unknown CPU"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next(
            (line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")),
            model,
        )
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20050101)
    parser.add_argument("--horizon", type=int, default=12, help="CLV horizon in months")
    parser.add_argument("--skip-lifetimes", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs per implementation; the median is shown")
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="time `leeway value refresh` on PostgreSQL instead (bench/value_refresh.py)",
    )
    parser.add_argument("--worker", choices=["generate", "ours", "lifetimes"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--clv-out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.refresh:
        script = str(Path(__file__).with_name("value_refresh.py"))
        os.execv(sys.executable, [sys.executable, script, "--customers", str(args.customers)])
    if args.worker == "generate":
        print(json.dumps(worker_generate(args.customers, args.seed, args.data)))
        return
    if args.worker:
        with np.load(args.data) as archive:
            data = {k: archive[k] for k in archive.files}
        if args.worker == "ours":
            report = worker_ours(data, args.horizon)
        else:
            report = worker_lifetimes(data, args.horizon, args.clv_out)
        print(json.dumps(report))
        return

    print(f"machine: {machine_description()}")
    if not args.skip_lifetimes:
        ensure_bench_venv()
    with tempfile.TemporaryDirectory(prefix="bench-value-") as tmp:
        data_path = Path(tmp) / "customers.npz"
        clv_path = Path(tmp) / "lifetimes.npy"
        common = ["--data", str(data_path), "--horizon", str(args.horizon), "--clv-out", str(clv_path)]
        made = run_worker(
            sys.executable,
            "generate",
            "--data",
            str(data_path),
            "--customers",
            str(args.customers),
            "--seed",
            str(args.seed),
        )
        print(
            f"customers: {args.customers:,} ({made['repeaters']:,} repeat buyers), generated in "
            f"{made['seconds']:.1f} s; CLV horizon {args.horizon} months, {ANNUAL_DISCOUNT:.0%}/year"
        )
        reports = {"ours": run_repeated(sys.executable, "ours", args.repeat, *common)}
        if not args.skip_lifetimes:
            reports["lifetimes"] = run_repeated(BENCH_PYTHON, "lifetimes", args.repeat, *common)
            # Only now does this process load the data, so it was lean when it started the workers.
            with np.load(data_path) as archive:
                data = {k: archive[k] for k in archive.files}
            worst = cross_check_clv(data, reports["lifetimes"], clv_path, args.horizon)

    print()
    print(
        f"median of {args.repeat} run(s); memory in MiB: VmHWM peak, ru_maxrss, RSS after imports + data load"
    )
    header = (
        f"{'':12}{'total s':>10}{'BG/NBD s':>10}{'G-G s':>8}{'CLV s':>8}{'peak':>8}{'maxrss':>8}{'loaded':>8}"
    )
    print(header)
    for name, r in reports.items():
        print(
            f"{name:12}{r['seconds']:10.2f}{r['bgnbd_seconds']:10.2f}{r['gamma_gamma_seconds']:8.2f}"
            f"{r['clv_seconds']:8.2f}{r['peak_rss_mib']:8.0f}{r['ru_maxrss_mib']:8.0f}{r['rss_before_work_mib']:8.0f}"
            f"   runs: {', '.join(f'{t:.2f}' for t in r['all_seconds'])} s"
        )
    for name, r in reports.items():
        bg, gg = r["bgnbd"], r["gamma_gamma"]
        print(
            f"{name:12}r={bg['r']:.4f} alpha={bg['alpha']:.4f} a={bg['a']:.4f} b={bg['b']:.4f} "
            f"loglik={bg['loglik']:.1f}  p={gg['p']:.3f} q={gg['q']:.3f} gamma={gg['gamma']:.3f}  "
            f"sum CLV={r['clv_total']:,.0f}"
        )
    if "lifetimes" in reports:
        ratio = reports["lifetimes"]["seconds"] / reports["ours"]["seconds"]
        print(f"\nspeed-up (lifetimes / ours): {ratio:.1f}x")
        print(f"max relative CLV difference at lifetimes' parameters: {worst:.2e}")
    ok = reports["ours"]["peak_rss_mib"] < 1024 and math.isfinite(reports["ours"]["clv_total"])
    print(f"ours under 1 GiB peak: {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
