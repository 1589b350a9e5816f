"""Calibration: the bare Django endpoint that issue 3's target is stated against, on this machine.

Usage (from the repository root, PostgreSQL as for bench/decisions.py):

    .venv/bin/python bench/bare.py                    # 32 clients, 20 s, then pgbench
    .venv/bin/python bench/bare.py --clients 8 --seconds 10

"On a 2-core machine a bare Django endpoint doing only that [the reference transaction] reaches about
0.12-0.16 of it": this script builds that endpoint and measures it the way bench/decisions.py measures
the engine, so the engine's ratio can be read against what Django itself reaches here. The endpoint
is a Django project of its own (this module, served by granian as `leeway serve` serves the engine,
with the same worker count): startproject's default middleware, persistent connections with health
checks (as Leeway's settings), one view that runs the reference transaction with a hand-written SQL
cursor (the cheapest way Django can: no ORM query building) and answers 201 with a small JSON body.
It uses pgbench's reference tables (bench_ref_budget, bench_ref_decision) in the benchmark database,
created anew.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

# --- The bare Django project (imported by granian as bench.bare:application) --------------------------

if os.environ.get("BARE_DJANGO") == "1":
    import django
    from django.conf import settings

    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bare-endpoint-calibration-only",
        ALLOWED_HOSTS=["127.0.0.1"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
        ],
        MIDDLEWARE=[  # django-admin startproject's list
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": url.path.lstrip("/"),
                "USER": url.username or "",
                "HOST": url.hostname or "",
                "PORT": url.port or "",
                "CONN_MAX_AGE": 600,
                "CONN_HEALTH_CHECKS": True,
            }
        },
        USE_TZ=True,
    )
    django.setup()

    from django.db import connection, transaction
    from django.http import HttpResponse, JsonResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt
    from django.views.decorators.http import require_POST

    @csrf_exempt
    @require_POST
    def decide(request):
        body = json.loads(request.body)
        budget, amount = int(body["budget"]), Decimal(body["amount"])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT spent, cap FROM bench_ref_budget WHERE id = %s FOR UPDATE", [budget])
            cursor.execute(
                "UPDATE bench_ref_budget SET spent = spent + %s WHERE id = %s AND spent + %s <= cap",
                [amount, budget, amount],
            )
            approved = cursor.rowcount == 1
            cursor.execute(
                "INSERT INTO bench_ref_decision (budget_id, amount, approved) VALUES (%s, %s, %s) "
                "RETURNING id",
                [budget, amount, approved],
            )
            decision_id = cursor.fetchone()[0]
        return JsonResponse({"id": decision_id, "approved": approved}, status=201)

    def healthz(request):
        return HttpResponse("ok")

    urlpatterns = [path("decide", decide), path("healthz", healthz)]

    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()


# --- The run ------------------------------------------------------------------------------------------

LUA = r"""
math.randomseed(os.time())
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local body = string.format('{"budget": %d, "amount": "%d.%02d"}', math.random(1, {budgets}),
                             math.random(1, 49), math.random(0, 99))
  return wrk.format(nil, "/decide", nil, body)
end
"""


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(BENCH_DIR))
    import harness as bench  # database, pgbench and the server, shared with bench/decisions.py

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="leeway_bench")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="default: one per core")
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--ref-budgets", type=int, default=200)
    args = parser.parse_args(argv)

    with bench.pg_connect("postgres") as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone():
            conn.execute(f'CREATE DATABASE "{args.database}"')
    bench.create_reference_tables(args.database, args.ref_budgets)
    port = bench.free_port()
    env = dict(os.environ, BARE_DJANGO="1", DATABASE_URL=f"{bench.PG_SERVER}/{args.database}")
    server = subprocess.Popen(
        [str(bench.PYTHON), "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(args.workers), "--blocking-threads", "1",
         "--runtime-threads", "1", "--no-ws", "--no-access-log", "bench.bare:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                subprocess.run(
                    ["curl", "-sf", f"http://127.0.0.1:{port}/healthz"], check=True, capture_output=True
                )
                break
            except subprocess.CalledProcessError:
                time.sleep(0.3)
        with tempfile.TemporaryDirectory() as workdir:
            script = Path(workdir) / "bare.lua"
            script.write_text(LUA.replace("{budgets}", str(args.ref_budgets)))
            url = f"http://127.0.0.1:{port}"
            subprocess.run(["wrk", "-t2", "-c8", "-d3s", "-s", str(script), url], capture_output=True)
            load = ["wrk", "-t2", f"-c{args.clients}", f"-d{args.seconds}s", "--latency", "-s", str(script)]
            wrk = subprocess.run(
                [*load, url],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1))
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk)
            p99 = re.search(r"99%\s+([\d.]+\w+)", wrk)
            tps, _other = bench.run_pgbench(
                args.database,
                Path(workdir),
                clients=args.clients,
                budgets=args.ref_budgets,
                seconds=args.pgbench_seconds,
            )
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
    print(
        f"bare Django endpoint, {args.workers} granian workers, {args.clients} clients, {args.seconds} s: "
        f"{rps:.0f} requests/s (p99 {p99.group(1) if p99 else '?'}, "
        f"non-2xx {non2xx.group(1) if non2xx else 0}); pgbench {tps:.0f} tps; ratio {rps / tps:.3f}"
    )
    return 0


if __name__ == "__main__":
    random.seed()
    raise SystemExit(main(sys.argv[1:]))
