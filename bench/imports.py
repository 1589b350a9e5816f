"""Benchmark: `leeway import transactions` of a 10,000,000-row CSV file on PostgreSQL.

Creates the database `leeway_bench_imports`, migrates it and loads one organization with its
customers by COPY (setup, not measured), writes a transactions file of `--rows` rows (each
customer's purchases on distinct days, so no row repeats another), then times the whole command
in a fresh process, with its peak memory (ru_maxrss from wait4) and the load average around it.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):

    .venv/bin/python bench/imports.py                          # 10,000,000 rows, 1,000,000 customers
    .venv/bin/python bench/imports.py --rows 1000000 --customers 100000
    .venv/bin/python bench/imports.py --skip-load              # the file and the import only
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LEEWAY = ROOT / ".venv" / "bin" / "leeway"
CHUNK = 500_000


def environment(database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        SECRET_KEY="bench-imports",
        LEEWAY_LOG_LEVEL="WARNING",
    )
    return env


def recreate(database: str) -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')


def load(database: str, customers: int) -> None:
    """The organization and its customers, by COPY."""
    os.environ.update(environment(database))
    os.environ["DJANGO_SETTINGS_MODULE"] = "leeway.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from leeway.customers.models import Customer
    from leeway.people.models import Organization

    organization = Organization.objects.create(slug="bench", name="Bench", base_currency="USD")
    columns = ("organization_id", "external_id", "name", "email", "phone", "language", "segment",
               "id_key", "name_key", "surname_key", "phone_key")  # fmt: skip
    table = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for start in range(0, customers, CHUNK):
                block = io.StringIO()
                for i in range(start, min(start + CHUNK, customers)):
                    ref = f"C-{i + 1:07d}"
                    block.write(
                        f"{organization.pk}\t{ref}\tCustomer {i + 1}\t\t\ten\t\t{ref.lower()}\t\t\t\n"
                    )
                copy.write(block.getvalue())
        cursor.execute("ANALYZE")


def write_file(path: Path, rows: int, customers: int, seed: int) -> None:
    """customer,date,amount,currency: row i is customer i mod N's (i div N)-th purchase, a distinct day."""
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8") as out:
        out.write("customer,date,amount,currency\n")
        for start in range(0, rows, CHUNK):
            index = np.arange(start, min(rows, start + CHUNK))
            who = index % customers + 1
            nth = index // customers
            day = np.datetime64("2016-01-01") + (nth * 7 + who % 5).astype("timedelta64[D]")
            cents = rng.integers(100, 50_000, size=index.shape[0])
            out.write(
                "".join(
                    f"C-{c:07d},{d},{a // 100}.{a % 100:02d},USD\n"
                    for c, d, a in zip(who.tolist(), day.astype(str).tolist(), cents.tolist(), strict=True)
                )
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--database", default="leeway_bench_imports")
    parser.add_argument("--file", default="/tmp/leeway_bench_transactions.csv")
    parser.add_argument("--skip-load", action="store_true", help="keep the database and the file")
    args = parser.parse_args()
    env = environment(args.database)
    path = Path(args.file)
    if not args.skip_load:
        recreate(args.database)
        subprocess.run([str(LEEWAY), "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run(
            [sys.executable, __file__, "--worker-load", str(args.customers), args.database],
            env=env, cwd=ROOT, check=True,
        )  # fmt: skip
        started = time.perf_counter()
        write_file(path, args.rows, args.customers, args.seed)
        print(f"wrote {args.rows:,} rows ({path.stat().st_size / 2**20:.0f} MiB) in "
              f"{time.perf_counter() - started:.0f} s (setup, not measured)")  # fmt: skip
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(LEEWAY), "import", "transactions", str(path), "--organization", "bench", "--no-progress"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    output = process.stdout.read().strip()
    print(f"import: {wall:.1f} s wall, {args.rows / wall:,.0f} rows/s, "
          f"{usage.ru_utime + usage.ru_stime:.1f} s CPU (the command; PostgreSQL's is in the wall time), "
          f"peak {usage.ru_maxrss / 1024:.0f} MiB, exit {os.waitstatus_to_exitcode(status)}, "
          f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after\n  {output}")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker-load":
        load(sys.argv[3], int(sys.argv[2]))
    else:
        main()
