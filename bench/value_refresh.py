"""Benchmark: `leeway value refresh` on PostgreSQL with 1,000,000 customers and ~10,000,000 purchases.

The refresh a company runs: purchase summaries in SQL, both fits, every customer's value written
back in one step. This loads an organization straight into a fresh database (COPY: the benchmark's
setup is not what is measured), then times the whole `leeway value refresh --organization bench`
process, with its peak memory (ru_maxrss from wait4) and the phases it prints.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):

    .venv/bin/python bench/value.py --refresh                       # the same, through bench/value.py
    .venv/bin/python bench/value_refresh.py --customers 100000      # a smaller run
    .venv/bin/python bench/value_refresh.py --database leeway_bench_value_2

Customers are drawn from BG/NBD (r = 0.486, alpha = 2.3, a = 0.3, b = 3.0; ~10 purchases each over
one to two years) with Gamma-Gamma spend, so the fit has an interior optimum to find.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LEEWAY = ROOT / ".venv" / "bin" / "leeway"
PARAMS = {"r": 0.486, "alpha": 2.3, "a": 0.3, "b": 3.0}
SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}
END = dt.date(2026, 11, 30)
CHUNK = 500_000


def environment(database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        SECRET_KEY="bench-value-refresh",
        LEEWAY_LOG_LEVEL="WARNING",
    )
    return env


def recreate(database: str) -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')


def histories(customers: int, seed: int):
    """Per customer: first purchase day (days before END) and the days of every purchase."""
    sys.path.insert(0, str(ROOT))
    from leeway.value.model import BgNbdParams, GammaGammaParams, simulate

    rng = np.random.default_rng(seed)
    ages = rng.integers(52 * 7, 104 * 7 + 1, size=customers)  # days since the first purchase
    drawn = simulate(
        customers, BgNbdParams(**PARAMS), GammaGammaParams(**SPEND), ages / 7.0, rng, time_resolution=1 / 7
    )
    x = drawn.x.astype(np.int64)
    last = np.rint(drawn.t_x * 7).astype(np.int64)  # days from the first purchase to the last
    owner = np.repeat(np.arange(customers), x + 1)
    # Each customer's first purchase on day 0, the last repeat on day `last`, the others between.
    offsets = rng.random(owner.shape[0]) * last[owner]
    starts = np.concatenate([[0], np.cumsum(x + 1)[:-1]])
    offsets[starts] = 0
    ends = starts + x
    offsets[ends[x > 0]] = last[x > 0]
    days_before_end = ages[owner] - np.rint(offsets).astype(np.int64)
    amounts = np.round(rng.gamma(SPEND["p"], drawn.zbar[owner] / SPEND["p"] + 1.0), 2)
    return owner, days_before_end, amounts


def load(database: str, customers: int, seed: int) -> int:
    """The organization, its customers and purchases, by COPY; returns the number of purchases."""
    os.environ.update(environment(database))
    os.environ["DJANGO_SETTINGS_MODULE"] = "leeway.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from leeway.customers.models import Customer, Purchase
    from leeway.people.models import Organization

    organization = Organization.objects.create(slug="bench", name="Bench", base_currency="USD")
    owner, days_before_end, amounts = histories(customers, seed)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        columns = ("organization_id", "external_id", "name", "email", "phone", "language", "segment",
                   "id_key", "name_key", "surname_key", "phone_key")  # fmt: skip
        with cursor.copy(f"COPY {quote(Customer._meta.db_table)} ({', '.join(columns)}) FROM STDIN") as copy:
            for start in range(0, customers, CHUNK):
                block = io.StringIO()
                for i in range(start, min(start + CHUNK, customers)):
                    ref = f"B-{i + 1:07d}"
                    block.write(
                        f"{organization.pk}\t{ref}\tCustomer {i + 1}\t\t\ten\t\t{ref.lower()}\t\t\t\n"
                    )
                copy.write(block.getvalue())
        cursor.execute(
            f"SELECT id FROM {quote(Customer._meta.db_table)} WHERE organization_id = %s "
            "ORDER BY external_id",
            [organization.pk],
        )
        ids = np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
        columns = ("organization_id", "customer_id", "occurred_on", "amount", "currency", "base_amount")
        end = np.datetime64(END.isoformat())
        with cursor.copy(f"COPY {quote(Purchase._meta.db_table)} ({', '.join(columns)}) FROM STDIN") as copy:
            for start in range(0, owner.shape[0], CHUNK):
                stop = min(start + CHUNK, owner.shape[0])
                days = (end - days_before_end[start:stop].astype("timedelta64[D]")).astype(str)
                money = np.char.mod("%.2f", amounts[start:stop])
                who = ids[owner[start:stop]].astype(str)
                lines = [
                    f"{organization.pk}\t{c}\t{d}\t{m}\tUSD\t{m}\n"
                    for c, d, m in zip(who, days, money, strict=True)
                ]
                copy.write("".join(lines))
        cursor.execute("ANALYZE")
    return int(owner.shape[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--database", default="leeway_bench_value")
    parser.add_argument(
        "--skip-load", action="store_true", help="time the refresh on an already loaded database"
    )
    args = parser.parse_args()
    env = environment(args.database)
    print(f"load average {os.getloadavg()[0]:.2f}, database {args.database}")
    if not args.skip_load:
        recreate(args.database)
        subprocess.run([str(LEEWAY), "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, __file__, "--worker-load", str(args.customers), str(args.seed), args.database],
            env=env, cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
        print(f"loaded {args.customers:,} customers and {int(done.stdout.split()[-1]):,} purchases "
              f"in {time.perf_counter() - started:.0f} s (COPY; setup, not measured)")  # fmt: skip
    for run in (1, 2):  # the second refresh replaces values that exist, as a company's nightly one does
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(LEEWAY), "value", "refresh", "--organization", "bench", "--no-progress"],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        output = process.stdout.read().strip()
        print(f"refresh {run}: {wall:.1f} s wall, {usage.ru_utime + usage.ru_stime:.1f} s CPU (the command; "
              f"PostgreSQL's own work is in the wall time), peak {usage.ru_maxrss / 1024:.0f} MiB, "
              f"exit {os.waitstatus_to_exitcode(status)}\n  {output}")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--worker-load":
        print(load(sys.argv[4], int(sys.argv[2]), int(sys.argv[3])))
    else:
        main()
