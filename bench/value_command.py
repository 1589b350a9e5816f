"""Benchmark: the whole `leeway value fit --summary FILE` process against lifetimes' whole script on one file.

A user waits for the whole command, not the fit: start-up, imports, reading the file, both fits, the
answer. This times exactly that, in fresh processes, alternating the two sides so that a busy machine
slows both alike:

- ours: `.venv/bin/leeway value fit --summary FILE`;
- lifetimes 0.11.3 as its documentation has a user do it: `pandas.read_csv`, `BetaGeoFitter().fit`,
  `GammaGammaFitter().fit` on repeat buyers (bench/.venv-value, see bench/value.py).

Usage (from the repository root):

    .venv/bin/python bench/value_command.py                       # 1,000,000 customers, 5 runs each
    .venv/bin/python bench/value_command.py --customers 100000 --repeat 3

Each run's wall time, CPU time (user + sys, from wait4) and peak memory (ru_maxrss) are printed; the
summary gives medians and the speed-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
# bench/value.py: the cohort, the lifetimes virtualenv, the machine's description.
from value import (
    BENCH_PYTHON,
    ROOT,
    ensure_bench_venv,
    machine_description,
    run_worker,
)

LIFETIMES_SCRIPT = """
import sys, warnings
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
warnings.simplefilter("ignore")
summary = pd.read_csv(sys.argv[1])
bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
print(dict(bgf.params_), dict(ggf.params_))
"""


def write_summary(data_path: Path, csv_path: Path) -> None:
    """The cohort of bench/value.py as a lifetimes-style summary CSV (what `value fit` reads)."""
    with np.load(data_path) as archive:
        x, t_x, T, zbar = (archive[k] for k in ("x", "t_x", "T", "zbar"))
    ids = np.arange(1, x.shape[0] + 1)
    table = np.column_stack([ids, x, t_x, T, zbar])
    np.savetxt(
        csv_path,
        table,
        delimiter=",",
        fmt=["%d", "%d", "%.6f", "%.6f", "%.4f"],
        header="ID,frequency,recency,T,monetary_value",
        comments="",
    )


def timed(command: list[str]) -> dict[str, float]:
    """Run `command` to its end; wall seconds, CPU seconds and peak memory (MiB) of that process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    # wait4 gives this child's own rusage (RUSAGE_CHILDREN would mix all children so far).
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    out = process.stdout.read().decode()
    err = process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[0]} failed:\n{out}{err}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss": usage.ru_maxrss / 1024,
        "out": out,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20050101)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine_description()}; load average {os.getloadavg()[0]:.2f}")
    ensure_bench_venv()
    with tempfile.TemporaryDirectory(prefix="bench-value-command-") as tmp:
        data_path, csv_path = Path(tmp) / "customers.npz", Path(tmp) / "summary.csv"
        run_worker(sys.executable, "generate", "--data", str(data_path), "--customers", str(args.customers),
                   "--seed", str(args.seed))  # fmt: skip
        write_summary(data_path, csv_path)
        size = csv_path.stat().st_size / 2**20
        print(f"file: {args.customers:,} customers, {size:.1f} MiB")
        sides = {
            "leeway value fit": [
                str(ROOT / ".venv" / "bin" / "leeway"),
                "value",
                "fit",
                "--summary",
                str(csv_path),
            ],
            "lifetimes script": [str(BENCH_PYTHON), "-c", LIFETIMES_SCRIPT, str(csv_path)],
        }
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        for round_number in range(1, args.repeat + 1):
            for name, command in sides.items():
                run = timed(command)
                runs[name].append(run)
                print(f"  run {round_number} {name:18} {run['wall']:6.2f} s wall {run['cpu']:6.2f} s CPU "
                      f"{run['maxrss']:6.0f} MiB")  # fmt: skip
    print()
    medians = {}
    for name, done in runs.items():
        medians[name] = {key: statistics.median(r[key] for r in done) for key in ("wall", "cpu", "maxrss")}
        m = medians[name]
        print(f"{name:18} median {m['wall']:6.2f} s wall {m['cpu']:6.2f} s CPU {m['maxrss']:6.0f} MiB peak")
    print(
        f"\nours printed:\n{runs['leeway value fit'][-1]['out']}"
        f"lifetimes printed:\n{runs['lifetimes script'][-1]['out']}"
    )
    ours, theirs = medians["leeway value fit"], medians["lifetimes script"]
    print(
        f"speed-up, whole process: {theirs['wall'] / ours['wall']:.1f}x wall, "
        f"{theirs['cpu'] / ours['cpu']:.1f}x CPU"
    )


if __name__ == "__main__":
    main()
