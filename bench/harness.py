"""What the load benchmarks share: processes, PostgreSQL, the pgbench reference, the server and a CPU meter.

Used by `bench/decisions.py` (the engine) and `bench/bare.py` (the bare Django endpoint). Plain
Python with psycopg; nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
LEEWAY = ROOT / ".venv" / "bin" / "leeway"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd: list[str], *, env=None, check=True, timeout=None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        cmd, env=env, cwd=ROOT, text=True, capture_output=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        sys.stderr.write(f"command failed ({result.returncode}): {' '.join(map(str, cmd))}\n")
        sys.stderr.write(result.stdout[-4000:] + "\n" + result.stderr[-4000:] + "\n")
        raise SystemExit(1)
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> dict:
    """CPU, cores, date, commit (+dirty when leeway/ has uncommitted changes) and Python."""
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if "Model name" in line), "")

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no", "leeway")
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "date": dt.date.today().isoformat(),
        "commit": git("rev-parse", "--short", "HEAD") + ("+dirty" if dirty else ""),
        "python": platform.python_version(),
    }


# ---------------------------------------------------------------------------------------------------------
# PostgreSQL


def pg_connect(database: str):
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/{database}", autocommit=True)


def sql_rows(database: str, query: str, params=None) -> list[tuple]:
    with pg_connect(database) as conn:
        return conn.execute(query, params).fetchall()


def sql_one(database: str, query: str, params=None):
    rows = sql_rows(database, query, params)
    return rows[0] if rows else None


def settle(database: str) -> None:
    """VACUUM ANALYZE and CHECKPOINT after bulk loading, as a database in service would be.

    Freshly loaded rows have no hint bits and no visibility map yet, and the first change to each page
    after a checkpoint writes the whole page to the WAL: without this, the first load run measured
    PostgreSQL tidying up after the load (up to twice the CPU per decision of the next run).
    """
    with pg_connect(database) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")


def analyze_without_autovacuum(database: str) -> None:
    """ANALYZE after the warm-up when autovacuum is off, as its auto-analyze would have done.

    The tables decisions write to were empty when `settle` analyzed them; plans made on those
    statistics (prepared statements, the foreign-key checks' cached plans) read whole tables once
    they grow, and nothing replans them while autovacuum is off (measured: PostgreSQL's CPU per
    decision 1.3 → 4 ms over 20,000 decisions).
    """
    with pg_connect(database) as conn:
        if conn.execute("SHOW autovacuum").fetchone()[0] == "off":
            conn.execute("ANALYZE")
            log("autovacuum is off on this server: analyzed after the warm-up, as its auto-analyze would")


# ---------------------------------------------------------------------------------------------------------
# The reference: the smallest transaction that guards a budget, run by pgbench

REFERENCE_SCRIPT = r"""
\set budget random(1, {budgets})
\set cents random(100, 5000)
BEGIN;
SELECT spent, cap FROM bench_ref_budget WHERE id = :budget FOR UPDATE;
UPDATE bench_ref_budget SET spent = spent + :cents / 100.0
  WHERE id = :budget AND spent + :cents / 100.0 <= cap;
INSERT INTO bench_ref_decision (budget_id, amount, approved) VALUES (:budget, :cents / 100.0, true);
END;
"""


def create_reference_tables(database: str, budgets: int) -> None:
    with pg_connect(database) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_ref_decision, bench_ref_budget")
        conn.execute(
            "CREATE TABLE bench_ref_budget (id integer PRIMARY KEY, cap numeric(14,2) NOT NULL,"
            " spent numeric(14,2) NOT NULL DEFAULT 0)"
        )
        conn.execute(
            "CREATE TABLE bench_ref_decision (id bigserial PRIMARY KEY,"
            " budget_id integer NOT NULL REFERENCES bench_ref_budget(id),"
            " amount numeric(14,2) NOT NULL, approved boolean NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute(
            "INSERT INTO bench_ref_budget (id, cap) SELECT g, 1e11 FROM generate_series(1, %s) g", [budgets]
        )
        conn.execute("ANALYZE bench_ref_budget")


def run_pgbench(
    database: str, workdir: Path, *, clients: int, budgets: int, seconds: int
) -> tuple[float, float]:
    """Transactions per second of the reference, and the cores other processes used meanwhile."""
    script = workdir / f"reference-{budgets}.sql"
    script.write_text(REFERENCE_SCRIPT.format(budgets=budgets))
    with pg_connect(database) as conn:
        conn.execute("TRUNCATE bench_ref_decision")
        conn.execute("UPDATE bench_ref_budget SET spent = 0")
        conn.execute("VACUUM ANALYZE bench_ref_budget")
    command = ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-n", "-M", "simple", "-c", str(clients),
               "-j", str(min(2, clients)), "-T", str(seconds), "-f", str(script), database]  # fmt: skip
    meter = CpuMeter(None, database)
    meter.start()
    process = subprocess.Popen(command, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while process.poll() is None:  # pgbench's backends are gone at the end: sample them while they run
        meter.sample()
        time.sleep(0.5)
    stdout, stderr = process.communicate()
    other = meter.stop()["other_cores"]
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", stdout)
    if process.returncode != 0 or not match:
        raise SystemExit(f"pgbench failed ({process.returncode}):\n{stdout[-3000:]}\n{stderr[-3000:]}")
    return float(match.group(1)), other


# ---------------------------------------------------------------------------------------------------------
# The server


class Server:
    """`leeway serve` (granian) in its own process group, up once /healthz answers."""

    def __init__(self, env: dict, *, workers: int, threads: int, logfile: Path):
        self.env, self.port, self.logfile = env, free_port(), logfile
        self.command = [str(LEEWAY), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                        "--workers", str(workers), "--threads", str(threads),
                        "--no-collectstatic", "--no-access-log"]  # fmt: skip
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = open(self.logfile, "w")  # closed by stop()
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited ({self.process.returncode}); see {self.logfile}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        log(f"server up: {' '.join(self.command[1:])}")
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise SystemExit("the server did not answer /healthz within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()


# ---------------------------------------------------------------------------------------------------------
# Where the CPU went

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc(pid: str) -> tuple[int, int, str] | None:
    """(process group, utime + stime in ticks, command line) of one process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode(errors="replace")
        return int(fields[2]), int(fields[11]) + int(fields[12]), command
    except (OSError, IndexError, ValueError):
        return None


class CpuMeter:
    """The CPU our server, our PostgreSQL backends, our children (wrk) and everything else used.

    The machine is shared (other engineers run test suites on it), so each run reports the cores
    other processes took: figures from a busy machine are not comparable.
    """

    def __init__(self, server_pgid: int | None, database: str):
        self.server_pgid, self.database = server_pgid, database

    @staticmethod
    def _busy_ticks() -> int:
        with open("/proc/stat", encoding="ascii") as handle:
            values = [int(v) for v in handle.readline().split()[1:]]
        return sum(values) - values[3] - values[4]  # minus idle and iowait

    def _ours(self) -> dict[str, tuple[str, int]]:
        ours = {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            info = _proc(pid)
            if info is None:
                continue
            group, ticks, command = info
            if self.server_pgid is not None and group == self.server_pgid:
                ours[pid] = ("server", ticks)
            elif command.startswith(("postgres:", "/usr/lib/postgresql/")):
                # A backend names its database ("postgres: 15/main: USER DATABASE HOST(PORT) STATE"): ours if
                # it is this one; the shared helpers (WAL writer, checkpointer…) count as ours too.
                names_a_database = "(" in command or "[local]" in command or "autovacuum worker" in command
                if not names_a_database or f" {self.database} " in command:
                    ours[pid] = ("postgres", ticks)
        return ours

    def start(self) -> None:
        self.started, self.busy0, self.children0 = time.monotonic(), self._busy_ticks(), os.times()
        self.ours0 = self._ours()
        self.seen: dict[str, tuple[str, int]] = {}

    def sample(self) -> None:
        """Remember our processes' ticks now: short-lived ones are gone at stop()."""
        self.seen.update(self._ours())

    def stop(self) -> dict:
        wall = time.monotonic() - self.started
        busy = (self._busy_ticks() - self.busy0) / CLOCK_TICKS
        by_kind = {"server": 0, "postgres": 0}
        for pid, (kind, ticks) in {**self.seen, **self._ours()}.items():
            by_kind[kind] += ticks - self.ours0.get(pid, (kind, 0))[1]
        now = os.times()
        client = (now.children_user - self.children0.children_user) + (
            now.children_system - self.children0.children_system
        )
        ours = (by_kind["server"] + by_kind["postgres"]) / CLOCK_TICKS + client
        return {
            "server_cpu_s": by_kind["server"] / CLOCK_TICKS,
            "postgres_cpu_s": by_kind["postgres"] / CLOCK_TICKS,
            "client_cpu_s": client,
            "other_cores": max(busy - ours, 0.0) / wall,
        }


def wait_for_quiet(database: str, server_pgid: int | None, *, wait: int, quiet_cores: float) -> float:
    """Wait (up to `wait` s) until other processes use at most `quiet_cores`; return what they used."""
    deadline = time.monotonic() + wait
    announced = False
    while True:
        meter = CpuMeter(server_pgid, database)
        meter.start()
        time.sleep(2)
        other = meter.stop()["other_cores"]
        if other <= quiet_cores or time.monotonic() >= deadline:
            if other > quiet_cores:
                log(f"machine still busy ({other:.2f} cores used by other processes): measuring anyway")
            return other
        if not announced:
            log(f"other processes use {other:.2f} cores: waiting up to {wait} s for a quiet machine")
            announced = True
