"""Instructions per decision: the engine's Python cost, counted instead of timed.

On a shared two-core machine a timed run moves by ±20 % from one minute to the next, which hides a
change worth 5 %. This counts what a change does: it loads the benchmark's database
(`decisions.py --setup-only`), sends keyed POST /api/v1/decisions requests straight into the WSGI
application in one process (no server, no network: the same middleware, ninja, engine and
psycopg), and counts the instructions that process executes under valgrind's cachegrind. Two runs
with the same seeded warm-up, one with N more requests, on a database loaded afresh each time: their
difference divided by N is the instructions per decision, with the per-process caches warm (their
expiry is pushed past the run: under valgrind a request takes ~50 times longer). PostgreSQL's side
is not counted (it is a separate process); its backend's CPU per request in the same runs is timed.

    .venv/bin/python bench/instructions.py                    # this checkout, 200 requests
    .venv/bin/python bench/instructions.py --compare /tmp/old # also a worktree of another commit
    .venv/bin/python bench/instructions.py --profile          # where the Python time goes (cProfile)

`--profile` runs the same requests without valgrind under cProfile and prints each area's share of
the process's own time (psycopg, Django, ninja and pydantic, the engine, waiting on the socket, …) and
the functions that cost most: the profile issue 11 asks for where a target is short.

Needs valgrind (`apt-get install valgrind`) and what `decisions.py` needs. About a minute per tree.
Run it on a quiet machine: while the driver waits for an answer it polls, and a database slowed down
by other work adds polling instructions (seen: +10 % with the test suite running beside it).
"""

import argparse
import cProfile
import io
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
WARM_UP = 300
SEED = 7


def _child(lua: Path, requests: int, profile_to: str = "") -> None:
    """Inside valgrind (or cProfile, `profile_to`): warm up, then `requests` more, then print the
    backend's CPU time per request."""
    sys.path.insert(0, os.getcwd())  # the tree being measured, ahead of the editable install
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leeway.settings")
    from django.db import connection

    from leeway.core import nearcache
    from leeway.wsgi import application

    # Under valgrind a request takes ~50 times longer: keep the per-process caches from expiring
    # more often than on a real worker, so the count is the steady state's, whatever the machine.
    nearcache.NEAR_SECONDS = 3600.0

    text = lua.read_text()
    tokens = re.findall(r'"(lw_[^"]+)"', text)
    gestures = [
        (code, int(green), int(stretch))
        for code, green, stretch in re.findall(r'code = "(\w+)", green = (\d+), stretch = (\d+)', text)
    ]
    customers = int(re.search(r"local customers, hot, hot_share = (\d+)", text).group(1))
    reasons = ["billing_error", "service_outage", "delivery_delay", "product_defect", "loyalty", "other"]
    chance = random.Random(SEED)

    def environ(number: int) -> dict:
        code, green, stretch = chance.choice(gestures)
        roll = chance.random()
        if roll < 0.85:
            cents = chance.randint(100, green)
        elif roll < 0.95:
            cents = chance.randint(green + 1, stretch)
        else:
            cents = chance.randint(stretch + 1, 2 * stretch)
        why = ',"justification":"Customer was let down twice this month"' if cents > green else ""
        body = (
            f'{{"customer":"B-{chance.randint(1, customers):06d}","gesture":"{code}",'
            f'"amount":"{cents // 100}.{cents % 100:02d}","currency":"USD",'
            f'"reason":"{chance.choice(reasons)}","note":"Benchmark call",'
            f'"interaction_ref":"CALL-{number}"{why}}}'
        ).encode()
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/decisions",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT_LANGUAGE": "en",
            "HTTP_AUTHORIZATION": f"Bearer {chance.choice(tokens)}",
            "HTTP_IDEMPOTENCY_KEY": f"instructions-{number}",
        }

    statuses: dict[str, int] = {}

    def send(number: int) -> None:
        def start_response(status, headers, exc_info=None):
            statuses[status] = statuses.get(status, 0) + 1

        for _chunk in application(environ(number), start_response):
            pass

    for number in range(WARM_UP):
        send(number)
    connection.ensure_connection()
    stat = Path(f"/proc/{connection.connection.info.backend_pid}/stat")

    def backend_seconds() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    profiler = cProfile.Profile() if profile_to else None
    before = backend_seconds()
    if profiler:
        profiler.enable()
    for number in range(WARM_UP, WARM_UP + requests):
        send(number)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile_to)
    spent = backend_seconds() - before
    answers = " ".join(f"{status.replace(' ', '_')}={count}" for status, count in statuses.items())
    print(f"RESULT {requests} {spent} {answers}")


def _environment(tree: Path, database: str) -> dict:
    env = {
        key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}
    }
    env.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "SECRET_KEY": "instructions-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LEEWAY_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(tree),
            "PYTHONHASHSEED": "0",
            "LEEWAY_TOKEN_CACHE_SECONDS": "3600",  # see _child
        }
    )
    return env


def _count(tree: Path, database: str, requests: int, lua: Path) -> tuple[int, float, str]:
    """Instructions executed by one child run (on a freshly loaded database), its backend CPU, statuses."""
    subprocess.run(
        [str(PYTHON), str(ROOT / "bench" / "decisions.py"), "--setup-only", str(lua), "--database", database],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            str(PYTHON),
            str(Path(__file__).resolve()),
            "_child",
            str(lua),
            str(requests),
        ],
        cwd=tree,
        env=_environment(tree, database),
        capture_output=True,
        text=True,
        check=False,
    )
    counted = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    result = re.search(r"^RESULT (\d+) ([\d.]+) ?(.*)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or counted is None or result is None:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"the run in {tree} failed")
    return int(counted.group(1).replace(",", "")), float(result.group(2)), result.group(3)


def measure(tree: Path, database: str, requests: int) -> None:
    lua = Path(f"/tmp/leeway-instructions-{os.getpid()}.lua")
    started = time.monotonic()
    base, _cpu, _statuses = _count(tree, database, 0, lua)
    total, cpu, statuses = _count(tree, database, requests, lua)
    per_request = (total - base) / requests
    print(
        f"{tree}: {per_request / 1e6:.2f} M instructions per decision (Python process), "
        f"PostgreSQL backend {cpu / requests * 1000:.2f} ms CPU per decision (timed), "
        f"answers {statuses} ({time.monotonic() - started:.0f} s)"
    )


# Where a function's own time is counted, by the file it is in (the first match wins).
AREAS = [
    ("/psycopg", "psycopg (driver: executing, dumping, loading, pipeline)"),
    ("/ninja/", "django-ninja and pydantic (routing, parsing, schemas)"),
    ("/pydantic", "django-ninja and pydantic (routing, parsing, schemas)"),
    ("/django/", "Django (handler, middleware, ORM instances, i18n, transactions)"),
    ("/leeway/decisions/", "Leeway's engine (leeway/decisions: validation, judging, store, answer)"),
    ("/leeway/", "Leeway's other apps (core batches and audit, policy, people, customers, value)"),
]
WAITS = ("poll", "select", "recv", "send", "wait", "PQ", "execute")


def _area(filename: str, name: str) -> str:
    for needle, area in AREAS:
        if needle in filename:
            return area
    if filename == "~" and any(word in name for word in WAITS):
        return "waiting on PostgreSQL (socket calls in the driver)"
    return "Python's standard library and built-ins (json, datetime, decimal, uuid, …)"


def profile(database: str, requests: int) -> None:
    import pstats

    lua = Path(f"/tmp/leeway-instructions-{os.getpid()}.lua")
    out = Path(f"/tmp/leeway-profile-{os.getpid()}.prof")
    subprocess.run(
        [str(PYTHON), str(ROOT / "bench" / "decisions.py"), "--setup-only", str(lua), "--database", database],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    started = time.monotonic()
    subprocess.run(
        [str(PYTHON), str(Path(__file__).resolve()), "_child", str(lua), str(requests), str(out)],
        cwd=ROOT,
        env=_environment(ROOT, database),
        check=True,
    )
    stats = pstats.Stats(str(out)).stats
    own: dict[str, float] = {}
    functions = []
    for (filename, line, name), (_calls, primitive, tottime, _cumtime, _callers) in stats.items():
        area = _area(filename, name)
        own[area] = own.get(area, 0.0) + tottime
        functions.append((tottime, primitive, f"{Path(filename).name}:{line} {name}", area))
    total = sum(own.values())
    print(
        f"{requests} decisions in {time.monotonic() - started:.0f} s; "
        f"profiled Python time {total / requests * 1e3:.2f} ms each"
    )
    for area, seconds in sorted(own.items(), key=lambda item: -item[1]):
        print(f"  {seconds / total:6.1%}  {seconds / requests * 1e3:6.3f} ms  {area}")
    print("the 15 functions with most own time:")
    for tottime, calls, where, _area_name in sorted(functions, reverse=True)[:15]:
        print(f"  {tottime / total:6.1%}  {calls / requests:6.1f} calls/decision  {where}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _child(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "")
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", default="leeway_bench")
    parser.add_argument("--compare", type=Path, action="append", default=[], help="another checkout to count")
    parser.add_argument("--profile", action="store_true", help="cProfile this checkout instead of counting")
    args = parser.parse_args()
    if args.profile:
        profile(args.database, args.requests)
        return
    for tree in [ROOT, *args.compare]:
        measure(tree.resolve(), args.database, args.requests)


if __name__ == "__main__":
    main()
