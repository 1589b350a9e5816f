"""Benchmark: POST /api/v1/decisions under concurrent load on PostgreSQL, against a pgbench reference.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres, trust auth; wrk and pgbench
on the path):

    .venv/bin/python bench/decisions.py                       # 8 and 32 clients, 30 s each, with history
    .venv/bin/python bench/decisions.py --clients 32 --seconds 20 --skip-history

What it does, in order:

1. Drops and recreates the database (`--database`, default leeway_bench), runs `leeway migrate` and
   `leeway demo-data`, then loads a benchmark policy in `aurora` through the services: 200 agents across
   the demo teams (60 % starter, 30 % experienced, 10 % senior) with API tokens (`token_create`), budgets
   large enough that most decisions are green or amber (agent 10,000/day and 200,000/month, roomy hard caps),
   republished with `policy_publish`, and 10,000 customers (bulk).
2. Starts `leeway serve --workers N --no-collectstatic --no-access-log` (granian; `--access-log` keeps
   the log) and waits for /healthz.
3. Drives K concurrent clients for T seconds with wrk and a generated Lua script: a random agent token
   (5 "busy" agents send 10 % of requests, so they reach their daily budget), a random customer (20 "hot"
   customers get 10 %, so they reach per-customer caps), a random gesture and an amount mostly under the
   starter tier's green limit (85 % green, 10 % amber with a justification, 5 % beyond stretch; 10 % in
   CAD or EUR; 3 % the zero-cost rule bend), and a fresh Idempotency-Key per request. Lua's done() prints
   the latency percentiles and status counts; then SQL checks that every 201 is a recorded decision.
4. Runs pgbench with the reference transaction (lock one budget row, conditional update, insert the
   decision row) at the same client count, just before and just after, and prints decisions/s / the
   mean of the two pgbench tps.
5. Unless --skip-history: measures p50 at 8 clients with ~1,000 prior decisions and again after
   bulk-inserting history up to 1,000,000 rows (SQL generate_series, then ANALYZE): it must stay flat.
6. Overspend check in SQL: for every BudgetCounter, spent == the sum of approved decisions' base amounts for
   that budget, subject and period, and spent <= cap; then `leeway audit verify`.

Results are printed as a table and written as JSON to bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zoneinfo
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python"
LEEWAY = VENV_BIN / "leeway"
RESULTS_DIR = ROOT / "bench" / "results"

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
ORGANIZATION = "aurora"
AGENTS = 200
CUSTOMERS = 10_000
BUSY_AGENTS = 5  # they send BUSY_SHARE of the requests and reach their daily budget
BUSY_SHARE = 0.10
HOT_CUSTOMERS = 20  # they get HOT_SHARE of the requests and reach per-customer caps
HOT_SHARE = 0.10
TIER_MIX = [("starter", 0.6), ("experienced", 0.3), ("senior", 0.1)]
# (scope, period, cap): sized for a whole default run (~45,000 decisions, ~25 USD each): the busy agents
# (10 % of requests for 5 of them, ~22,000 USD each) reach their daily budget half-way, the others
# (~5,200 USD each) do not; hard caps are roomy. Red then stays a minority (caps, stretch, busy agents).
BENCH_BUDGETS = {
    ("agent", "day"): "10000.00",
    ("agent", "month"): "200000.00",
    ("team", "day"): "500000.00",
    ("department", "month"): "5000000.00",
    ("organization", "month"): "50000000.00",
}
RATES = {"USD": 1.0, "CAD": 0.73, "EUR": 1.08}  # as in the demo (CAD, EUR → USD)
HISTORY_SMALL = 1_000
HISTORY_LARGE = 1_000_000


# ---------------------------------------------------------------------------------------------------------
# Helpers


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def pg_connect(database: str):
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/{database}", autocommit=True)


def sql_rows(database: str, query: str, params=None) -> list[tuple]:
    with pg_connect(database) as conn:
        return conn.execute(query, params).fetchall()


def sql_one(database: str, query: str, params=None):
    rows = sql_rows(database, query, params)
    return rows[0] if rows else None


def server_env(args, static_root: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"LEEWAY_TESTING", "DEBUG", "REDIS_URL", "LEEWAY_TASKS_IMMEDIATE", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        {
            "DATABASE_URL": f"{PG_SERVER}/{args.database}",
            "SECRET_KEY": args.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LEEWAY_LOG_LEVEL": "WARNING",
            "LEEWAY_STATIC_ROOT": str(static_root),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def run(cmd: list[str], *, env=None, check=True, capture=True, timeout=None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        cmd, env=env, cwd=ROOT, text=True, capture_output=capture, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        sys.stderr.write(f"command failed ({result.returncode}): {' '.join(map(str, cmd))}\n")
        if capture:
            sys.stderr.write(result.stdout[-4000:] + "\n" + result.stderr[-4000:] + "\n")
        raise SystemExit(1)
    return result


def run_sampled(meter, cmd: list[str]) -> subprocess.CompletedProcess:
    """Run a command to completion while the meter samples our processes every half second."""
    process = subprocess.Popen(cmd, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while process.poll() is None:
        meter.sample()
        time.sleep(0.5)
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        sys.stderr.write(
            f"command failed ({process.returncode}): {' '.join(cmd)}\n{stdout[-4000:]}\n{stderr[-4000:]}\n"
        )
        raise SystemExit(1)
    return subprocess.CompletedProcess(cmd, process.returncode, stdout, stderr)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------------------------
# Inside Django (this file run as `decisions.py _django <job>` in a subprocess with the server's environment)


def _django_setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leeway.settings")
    import django

    django.setup()


def _job_load(out: Path) -> None:
    """Benchmark policy, agents with tokens and customers; writes what the Lua script needs to `out`."""
    import random

    from django.conf import settings
    from django.db import connection, transaction

    from leeway.customers import models as customer_models
    from leeway.people.models import AuthorityTier, Member, Organization, Role, Team
    from leeway.people.services import token_create
    from leeway.policy.models import Budget
    from leeway.policy.services import budget_create, budget_update, policy_publish
    from leeway.policy.snapshot import current_policy

    rng = random.Random(20261122)
    organization = Organization.objects.get(slug=ORGANIZATION)
    teams = list(Team.objects.filter(organization=organization).order_by("id"))
    tiers = {tier.code: tier for tier in AuthorityTier.objects.filter(organization=organization)}
    tier_codes = [code for code, _share in TIER_MIX]
    tier_weights = [share for _code, share in TIER_MIX]

    with transaction.atomic():
        members = []
        for number in range(1, AGENTS + 1):
            member = Member(
                username=f"bench-agent-{number:03d}",
                first_name="Bench",
                last_name=f"Agent {number:03d}",
                email=f"bench-agent-{number:03d}@{organization.slug}.example",
                organization=organization,
                role=Role.AGENT,
                # Busy agents are starters: their gestures cost the most of their tier's authority.
                tier=tiers["starter"]
                if number <= BUSY_AGENTS
                else tiers[rng.choices(tier_codes, tier_weights)[0]],
                team=teams[(number - 1) % len(teams)],
                language="es" if number % 5 == 0 else "en",
                time_zone=organization.time_zone,
            )
            member.set_unusable_password()
            members.append(member)
        Member.objects.bulk_create(members)
    members = list(Member.objects.filter(username__startswith="bench-agent-").order_by("username"))
    tokens = [token_create(member=member, name="benchmark")[1] for member in members]

    for (scope, period), cap in BENCH_BUDGETS.items():
        budget = Budget.objects.filter(
            organization=organization, scope=scope, period=period, retired_at__isnull=True
        ).first()
        if budget is None:
            budget_create(organization=organization, actor=None, scope=scope, period=period, cap=cap)
        else:
            budget_update(budget=budget, actor=None, cap=cap)
    version = policy_publish(organization=organization, actor=None, summary="Benchmark policy")

    search_keys = getattr(customer_models, "customer_search_keys", None)
    field_names = {f.name for f in customer_models.Customer._meta.get_fields()}
    first_names = ["Ana", "Ben", "Chloé", "Dmitri", "Ewa", "Farid", "Grace", "Hiro", "Inés", "José", "Kofi"]
    last_names = ["García", "Smith", "Nowak", "Santos", "Müller", "Reyes", "Chen", "Okafor", "Dubois"]
    customers = []
    for number in range(1, CUSTOMERS + 1):
        external_id = f"B-{number:06d}"
        name = f"{rng.choice(first_names)} {rng.choice(last_names)}"
        phone = f"+1 303 555 {number:04d}"[:40]
        values = {
            "organization": organization,
            "external_id": external_id,
            "name": name,
            "email": f"customer{number}@example.com",
            "phone": phone,
            "language": "es" if number % 4 == 0 else "en",
            "segment": rng.choice(["consumer", "small_business", "premium"]),
        }
        if search_keys is not None:
            values.update(search_keys(external_id=external_id, name=name, phone=phone))
        customers.append(customer_models.Customer(**{k: v for k, v in values.items() if k in field_names}))
    customer_models.Customer.objects.bulk_create(customers, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    snapshot = current_policy(organization.pk)
    starter = tiers["starter"].pk
    gestures = []
    zero_cost = None
    for code, entry in snapshot.gestures.items():
        rule = snapshot.rule_for(starter, code)
        if entry.zero_cost:
            zero_cost = code
        elif rule is not None:
            gestures.append(
                {"code": code, "green": str(rule.green_limit), "stretch": str(rule.stretch_limit)}
            )
    from leeway.decisions.models import Decision, IdempotencyRecord
    from leeway.policy.models import BudgetCounter

    def table(model) -> str:
        return model._meta.db_table

    out.write_text(
        json.dumps(
            {
                "organization_id": organization.pk,
                "time_zone": organization.time_zone,
                "policy_version": version.number,
                "tokens": tokens,
                "agent_ids": [member.pk for member in members],
                "gestures": gestures,
                "zero_cost": zero_cost,
                "customers": CUSTOMERS,
                "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
                "tables": {
                    "decision": table(Decision),
                    "idempotency": table(IdempotencyRecord),
                    "counter": table(BudgetCounter),
                    "budget": table(Budget),
                    "organization": table(Organization),
                    "member": table(Member),
                    "customer": table(customer_models.Customer),
                },
            }
        )
    )


# SQL for each decision column of a history row (`r` is the row of random draws in _job_history).
HISTORY_EXPRESSIONS = {
    "organization_id": "%(org)s",
    "public_id": "gen_random_uuid()",
    "customer_id": "(c.ids)[r.ci]",
    "agent_id": "(m.ids)[r.ai]",
    "team_id": "(m.teams)[r.ai]",
    "department_id": "(m.departments)[r.ai]",
    "gesture_id": "(g.ids)[r.gi]",
    "amount": "r.amount",
    "currency": "%(currency)s",
    "base_amount": "r.amount",
    "base_currency": "%(currency)s",
    "reason": "(ARRAY['billing_error','service_outage','delivery_delay','product_defect','loyalty',"
    "'other'])[1 + (r.g %% 6)]",
    "note": "''",
    "justification": "''",
    "interaction_ref": "''",
    "zone": "CASE WHEN r.amount <= 50 THEN 'green' WHEN r.amount <= 100 THEN 'amber' ELSE 'red' END",
    "status": "CASE WHEN r.declined THEN 'declined' ELSE 'approved' END",
    "protected": "NOT r.declined",
    "learning_case": "r.amount > 50 AND r.amount <= 100",
    "escalated": "false",
    "escalated_at": "NULL",
    "auto_approved": "false",
    "policy_version_id": "%(version)s",
    "reasons": "'[]'::jsonb",
    "created_at": "r.created_at",
    "due_at": "NULL",
    "decided_at": "r.created_at + interval '1 minute'",
    "decided_by_id": "NULL",
    "decision_note": "''",
}


def _job_history(target: int, out: Path) -> None:
    """Bulk-insert past decisions until the table holds `target` rows (one INSERT … generate_series)."""
    from django.db import connection
    from django.utils import timezone

    from leeway.decisions.models import Decision
    from leeway.people.models import Member, Organization, Team
    from leeway.policy.selectors import period_start
    from leeway.policy.snapshot import current_policy

    organization = Organization.objects.get(slug=ORGANIZATION)
    existing = Decision.objects.count()
    missing = target - existing
    started = time.perf_counter()
    if missing > 0:
        # History ends before the current month (in the organization's time zone), so no current budget
        # counter covers it, and spans two years, so per-customer cap windows do see some of it.
        month_start = period_start("month", time_zone=organization.time_zone, now=timezone.now())
        end = dt.datetime.combine(month_start, dt.time(), tzinfo=zoneinfo.ZoneInfo(organization.time_zone))
        snapshot = current_policy(organization.pk)
        costing = [entry.id for entry in snapshot.gestures.values() if not entry.zero_cost]
        agents = list(
            Member.objects.filter(username__startswith="bench-agent-")
            .order_by("id")
            .values_list("id", "team_id")
        )
        departments = dict(Team.objects.filter(organization=organization).values_list("id", "department_id"))
        expressions = HISTORY_EXPRESSIONS
        columns, values = [], []
        for field in Decision._meta.concrete_fields:
            if field.primary_key:
                continue
            column = field.column
            if column in expressions:
                columns.append(column)
                values.append(expressions[column])
            elif field.null:
                continue
            elif field.has_default() and isinstance(field.get_default(), bool | int | str):
                columns.append(column)
                values.append(_literal(field.get_default()))
            else:
                raise SystemExit(f"history: no value for new column decisions.{column}; extend the bench")
        decision_table = Decision._meta.db_table
        customer_table = Decision._meta.get_field("customer").related_model._meta.db_table
        query = f"""
            WITH c AS (SELECT array_agg(id ORDER BY id) AS ids FROM {customer_table}
                       WHERE organization_id = %(org)s),
                 m AS (SELECT %(agent_ids)s::bigint[] AS ids, %(team_ids)s::bigint[] AS teams,
                              %(department_ids)s::bigint[] AS departments),
                 g AS (SELECT %(gesture_ids)s::bigint[] AS ids)
            INSERT INTO {decision_table} ({", ".join(columns)})
            SELECT {", ".join(values)}
            FROM c, m, g, (
                SELECT s.g,
                       1 + floor(random() * %(customers)s)::int AS ci,
                       1 + floor(random() * %(agents)s)::int AS ai,
                       1 + floor(random() * %(gestures)s)::int AS gi,
                       round((1 + random() * 79)::numeric, 2) AS amount,
                       random() < 0.08 AS declined,
                       %(end)s::timestamptz - random() * interval '730 days' AS created_at
                FROM generate_series(1, %(missing)s) AS s(g)
            ) AS r
        """
        with connection.cursor() as cursor:
            customers = cursor.execute(
                f"SELECT count(*) FROM {customer_table} WHERE organization_id = %s", [organization.pk]
            ).fetchone()[0]
            cursor.execute(
                query,
                {
                    "org": organization.pk,
                    "currency": organization.base_currency,
                    "version": snapshot.version_id,
                    "agent_ids": [agent for agent, _team in agents],
                    "team_ids": [team for _agent, team in agents],
                    "department_ids": [departments.get(team) for _agent, team in agents],
                    "gesture_ids": costing,
                    "customers": customers,
                    "agents": len(agents),
                    "gestures": len(costing),
                    "end": end - dt.timedelta(minutes=5),
                    "missing": missing,
                },
            )
            cursor.execute(f"ANALYZE {decision_table}")
    out.write_text(
        json.dumps(
            {"before": existing, "after": Decision.objects.count(), "seconds": time.perf_counter() - started}
        )
    )


def _job_profile(requests: int, out: Path) -> None:
    """Send `requests` decisions through the whole Django stack in this process, under cProfile.

    Prints the functions that cost most (cumulative and own time) and the queries per request; the
    WSGI server and the network are not included (see the load runs for those).
    """
    import cProfile
    import pstats
    import random
    from collections import Counter

    from django.db import connection
    from django.test import Client

    from leeway.people.models import Member
    from leeway.people.services import token_create

    rng = random.Random(7)
    members = list(Member.objects.filter(username__startswith="bench-agent-").order_by("id")[BUSY_AGENTS:])
    tokens = [token_create(member=member, name="profile")[1] for member in members[:50]]
    client = Client(HTTP_HOST="127.0.0.1")
    statements: Counter = Counter()
    timings = {"sql_seconds": 0.0, "queries": 0}

    def count(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings["sql_seconds"] += time.perf_counter() - started
            timings["queries"] += 1
            statements[re.sub(r'"s\d+_x\d+"', '"sN"', " ".join(sql.split()))[:110]] += 1

    def send(number: int):
        body = {
            "customer": f"B-{rng.randint(HOT_CUSTOMERS + 1, CUSTOMERS):06d}",
            "gesture": rng.choice(["waive_fee", "account_credit", "refund", "discount"]),
            "amount": f"{rng.randint(100, 2000) / 100:.2f}",
            "currency": "USD",
            "reason": "billing_error",
            "note": "Profiling call",
            "interaction_ref": f"CALL-{number}",
        }
        response = client.post(
            "/api/v1/decisions",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {rng.choice(tokens)}",
            HTTP_IDEMPOTENCY_KEY=f"profile-{secrets.token_hex(8)}",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        if response.status_code != 201:
            raise SystemExit(f"profile: {response.status_code} {response.content[:300]!r}")

    for number in range(50):  # warm caches (policy snapshot, tokens, counters), as a running worker has
        send(number)
    profiler = cProfile.Profile()
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        profiler.enable()
        for number in range(requests):
            send(number)
        profiler.disable()
        elapsed = time.perf_counter() - started
    print(
        f"\n{requests} requests in-process: {elapsed / requests * 1000:.2f} ms each under cProfile "
        f"({timings['queries'] / requests:.1f} queries, {timings['sql_seconds'] / requests * 1000:.2f} ms "
        "in the database driver per request)\n"
    )
    print("Statements per request:")
    for sql, n in statements.most_common():
        print(f"  {n / requests:5.2f}  {sql}")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    out.write_text(json.dumps({"ms_per_request": elapsed / requests * 1000, **timings}))


def _literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def django_job(argv: list[str]) -> None:
    _django_setup()
    job, out = argv[0], Path(argv[-1])
    if job == "load":
        _job_load(out)
    elif job == "history":
        _job_history(int(argv[1]), out)
    elif job == "profile":
        _job_profile(int(argv[1]), out)
    else:
        raise SystemExit(f"unknown job {job}")


# ---------------------------------------------------------------------------------------------------------
# Database and server


def create_database(args, env: dict) -> dict:
    with pg_connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    started = time.perf_counter()
    run([str(LEEWAY), "migrate", "--no-input", "-v", "0"], env=env)
    demo = run([str(LEEWAY), "demo-data"], env=env).stdout.strip()
    log(f"migrated and loaded the demo in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    run([str(PYTHON), __file__, "_django", "load", str(out)], env=env)
    loaded = json.loads(out.read_text())
    out.unlink()
    log(
        f"benchmark policy v{loaded['policy_version']}: {len(loaded['tokens'])} agents with tokens, "
        f"{loaded['customers']:,} customers in {time.perf_counter() - started:.1f} s"
    )
    loaded["demo"] = demo.splitlines()[-1] if demo else ""
    settle(args.database)
    return loaded


def settle(database: str) -> None:
    """VACUUM ANALYZE and CHECKPOINT after bulk loading, as a database in service would be.

    Freshly loaded rows have no hint bits and no visibility map yet, and the first change to each page
    after a checkpoint writes the whole page to the WAL: without this, the first load run measured
    PostgreSQL tidying up after the load (up to twice the CPU per decision of the next run).
    """
    started = time.perf_counter()
    with pg_connect(database) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")
    log(f"vacuumed, analyzed and checkpointed in {time.perf_counter() - started:.1f} s")


def analyze_without_autovacuum(database: str) -> None:
    """ANALYZE after the warm-up when autovacuum is off, as its auto-analyze would have done.

    The tables the decisions write to were empty when `settle` analyzed them. Plans made on those
    statistics (psycopg prepares the hot path's statements; PostgreSQL caches the plans of its
    foreign-key checks per connection) read whole tables instead of their indexes once they grow,
    and nothing replans them while autovacuum is off: PostgreSQL's CPU per decision then grows
    with every decision recorded (measured: 1.3 ms → 4 ms over 20,000 decisions).
    """
    with pg_connect(database) as conn:
        if conn.execute("SHOW autovacuum").fetchone()[0] == "on":
            return
        conn.execute("ANALYZE")
    log("autovacuum is off on this server: analyzed after the warm-up, as its auto-analyze would")


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


def run_pgbench(args, workdir: Path, clients: int, budgets: int) -> tuple[float, float]:
    """Transactions per second of the reference transaction, and the cores other processes used meanwhile."""
    script = workdir / f"reference-{budgets}.sql"
    script.write_text(REFERENCE_SCRIPT.format(budgets=budgets))
    with pg_connect(args.database) as conn:
        conn.execute("TRUNCATE bench_ref_decision")
        conn.execute("UPDATE bench_ref_budget SET spent = 0")
        conn.execute("VACUUM ANALYZE bench_ref_budget")
    meter = CpuMeter(None, args.database)
    meter.start()
    result = run_sampled(
        meter,
        [
            "pgbench",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-n",
            "-M",
            "simple",
            "-c",
            str(clients),
            "-j",
            str(min(2, clients)),
            "-T",
            str(args.pgbench_seconds),
            "-f",
            str(script),
            args.database,
        ],
    )
    other = meter.stop()["other_cores"]
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    if not match:
        raise SystemExit("could not read pgbench's tps:\n" + result.stdout + result.stderr)
    return float(match.group(1)), other


class Server:
    """`leeway serve` in its own process group."""

    def __init__(self, args, env: dict, port: int):
        self.args, self.env, self.port = args, env, port
        self.process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [
            str(LEEWAY),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.args.workers),
            "--threads",
            str(self.args.threads),
            "--no-collectstatic",
            *(["--no-access-log"] if self.args.no_access_log else []),
        ]

    def start(self) -> None:
        self.log = open(self.args.workdir / "server.log", "w")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        url = f"http://127.0.0.1:{self.port}/healthz"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited ({self.process.returncode}); see {self.log.name}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
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
# Load with wrk


LUA_TEMPLATE = r"""
-- Generated by bench/decisions.py: POST /api/v1/decisions with random agents, customers and amounts.
local tokens = {TOKENS}
local gestures = {GESTURES}  -- limits in cents of the base currency
local zero_cost = "{ZERO_COST}"
local busy, busy_share = {BUSY}, {BUSY_SHARE}
local customers, hot, hot_share = {CUSTOMERS}, {HOT}, {HOT_SHARE}
local run_id = "{RUN_ID}"
local reasons = {"billing_error", "service_outage", "delivery_delay", "product_defect", "loyalty", "other"}
local currencies = {{"USD", 100}, {"USD", 100}, {"USD", 100}, {"USD", 100}, {"USD", 100}, {"USD", 100},
                    {"USD", 100}, {"USD", 100}, {"USD", 100}, {"USD", 100}, {"USD", 100}, {"USD", 100},
                    {"USD", 100}, {"USD", 100}, {"USD", 100}, {"USD", 100}, {"USD", 100}, {"USD", 100},
                    {"CAD", 73}, {"EUR", 108}}
local headers = {["Content-Type"] = "application/json", ["Accept-Language"] = "en"}
local threads = {}

thread_id = 0
sent = 0
counts = {}
sample = ""

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  math.randomseed(os.time() + thread_id * 7919)
end

local function pick_amount(g)
  -- cents in the base currency, then back into the request's currency
  local r = math.random()
  local base
  if r < 0.85 then base = math.random(100, g.green)
  elseif r < 0.95 then base = math.random(g.green + 1, g.stretch)
  else base = math.random(g.stretch + 1, 2 * g.stretch) end
  local c = currencies[math.random(1, #currencies)]
  local cents = math.floor(base * 100 / c[2])
  if cents < 1 then cents = 1 end
  return cents, c[1], cents * c[2] / 100 > g.green
end

function request()
  sent = sent + 1
  local token
  if math.random() < busy_share then token = tokens[math.random(1, busy)]
  else token = tokens[math.random(busy + 1, #tokens)] end
  local customer
  if math.random() < hot_share then customer = math.random(1, hot)
  else customer = math.random(1, customers) end
  local code, cents, currency, justify
  if math.random() < 0.03 then
    code, cents, currency, justify = zero_cost, 0, "USD", false
  else
    local g = gestures[math.random(1, #gestures)]
    code = g.code
    cents, currency, justify = pick_amount(g)
  end
  local justification = ""
  if justify then justification = ',"justification":"Customer was let down twice this month"' end
  local body = string.format(
    '{"customer":"B-%06d","gesture":"%s","amount":"%d.%02d","currency":"%s","reason":"%s",' ..
    '"note":"Benchmark call","interaction_ref":"CALL-%d"%s}',
    customer, code, math.floor(cents / 100), cents % 100, currency, reasons[math.random(1, #reasons)],
    sent, justification)
  headers["Authorization"] = "Bearer " .. token
  headers["Idempotency-Key"] = run_id .. "-" .. thread_id .. "-" .. sent
  return wrk.format("POST", "/api/v1/decisions", headers, body)
end

function response(status, hdrs, body)
  counts[status] = (counts[status] or 0) + 1
  if status ~= 201 and sample == "" then sample = status .. " " .. string.sub(body, 1, 300) end
end

function done(summary, latency, requests)
  local total, statuses, total_sent = {}, {}, 0
  for _, t in ipairs(threads) do
    total_sent = total_sent + t:get("sent")
    local c = t:get("counts")
    for status, n in pairs(c) do statuses[status] = (statuses[status] or 0) + n end
    local s = t:get("sample")
    if s ~= "" then io.write("BENCH sample ", s:gsub("\n", " "), "\n") end
  end
  for _, p in ipairs({50, 90, 95, 99, 99.9}) do
    io.write(string.format("BENCH p%s %d\n", p, latency:percentile(p)))
  end
  io.write(string.format("BENCH mean %d\n", latency.mean))
  io.write(string.format("BENCH max %d\n", latency.max))
  io.write(string.format("BENCH requests %d\n", summary.requests))
  io.write(string.format("BENCH duration %d\n", summary.duration))
  io.write(string.format("BENCH sent %d\n", total_sent))
  local e = summary.errors
  io.write(string.format("BENCH socket_errors %d %d %d %d %d\n",
    e.connect, e.read, e.write, e.status, e.timeout))
  for status, n in pairs(statuses) do io.write(string.format("BENCH status %d %d\n", status, n)) end
end
"""


def lua_script(loaded: dict, run_id: str) -> str:
    def cents(value: str) -> int:
        return round(float(value) * 100)

    gestures = ", ".join(
        f'{{code = "{g["code"]}", green = {cents(g["green"])}, stretch = {cents(g["stretch"])}}}'
        for g in loaded["gestures"]
    )
    return (
        LUA_TEMPLATE.replace("{TOKENS}", "{" + ", ".join(f'"{t}"' for t in loaded["tokens"]) + "}")
        .replace("{GESTURES}", "{" + gestures + "}")
        .replace("{ZERO_COST}", loaded["zero_cost"] or "")
        .replace("{BUSY}", str(BUSY_AGENTS))
        .replace("{BUSY_SHARE}", str(BUSY_SHARE))
        .replace("{CUSTOMERS}", str(loaded["customers"]))
        .replace("{HOT}", str(HOT_CUSTOMERS))
        .replace("{HOT_SHARE}", str(HOT_SHARE))
        .replace("{RUN_ID}", run_id)
    )


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: str) -> tuple[int, int] | None:
    """(process group, utime + stime in ticks) of one process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return int(fields[2]), int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class CpuMeter:
    """Where the machine's CPU went during a run: our server, our PostgreSQL backends, and everything else.

    The machine is shared (other engineers run test suites on it), so each run reports the CPU that
    processes other than the benchmark's took: figures from a busy machine are not comparable.
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
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            info = _proc_cpu(pid)
            if info is None:
                continue
            group, ticks = info
            if self.server_pgid is not None and group == self.server_pgid:
                ours[pid] = ("server", ticks)
                continue
            command = _cmdline(pid)
            if command.startswith("postgres:") or command.startswith("/usr/lib/postgresql/"):
                # "postgres: 15/main: USER DATABASE HOST(PORT) STATE" for a backend: ours if it names our
                # database; the shared helpers (WAL writer, checkpointer…) count as ours too.
                names_a_database = "(" in command or "[local]" in command or "autovacuum worker" in command
                if not names_a_database or f" {self.database} " in command:
                    ours[pid] = ("postgres", ticks)
        return ours

    def start(self) -> None:
        self.started = time.monotonic()
        self.busy0 = self._busy_ticks()
        self.ours0 = self._ours()
        self.seen: dict[str, tuple[str, int]] = {}
        self.children0 = os.times()

    def sample(self) -> None:
        """Remember our processes' ticks now: short-lived ones (pgbench's backends) are gone at stop()."""
        self.seen.update(self._ours())

    def stop(self) -> dict:
        wall = time.monotonic() - self.started
        busy = self._busy_ticks() - self.busy0
        ours1 = {**self.seen, **self._ours()}
        by_kind = {"server": 0, "postgres": 0}
        for pid, (kind, ticks) in ours1.items():
            by_kind[kind] += ticks - self.ours0.get(pid, (kind, 0))[1]
        children = os.times()
        client = (children.children_user - self.children0.children_user) + (
            children.children_system - self.children0.children_system
        )
        ours = (by_kind["server"] + by_kind["postgres"]) / CLOCK_TICKS + client
        total = busy / CLOCK_TICKS
        return {
            "wall_s": wall,
            "server_cpu_s": by_kind["server"] / CLOCK_TICKS,
            "postgres_cpu_s": by_kind["postgres"] / CLOCK_TICKS,
            "client_cpu_s": client,
            "machine_busy_cores": total / wall,
            "other_cores": max(total - ours, 0.0) / wall,
        }


def wait_for_quiet(args, server_pgid: int | None) -> float:
    """Wait (up to --wait-idle s) until other processes use less than --quiet-cores; return their load."""
    deadline = time.monotonic() + args.wait_idle
    announced = False
    while True:
        meter = CpuMeter(server_pgid, args.database)
        meter.start()
        time.sleep(2)
        other = meter.stop()["other_cores"]
        if other <= args.quiet_cores or time.monotonic() >= deadline:
            if other > args.quiet_cores:
                log(f"machine still busy ({other:.2f} cores used by other processes): measuring anyway")
            return other
        if not announced:
            log(
                f"other processes use {other:.2f} cores: waiting up to {args.wait_idle} s for a quiet machine"
            )
            announced = True


def db_stats(database: str) -> dict:
    row = sql_one(
        database,
        "SELECT xact_commit, xact_rollback, sessions, tup_inserted, tup_updated, tup_fetched, blks_read "
        "FROM pg_stat_database WHERE datname = current_database()",
    )
    return dict(
        zip(
            ["commits", "rollbacks", "sessions", "inserted", "updated", "fetched", "blks_read"],
            row,
            strict=True,
        )
    )


def drive(args, loaded: dict, server: Server, clients: int, seconds: int, label: str) -> dict:
    """One wrk run; then the SQL accounting of what it recorded."""
    port, pgid = server.port, server.process.pid
    quiet = wait_for_quiet(args, pgid) if label != "warm-up" else None
    run_id = f"{label}-{secrets.token_hex(4)}"
    script = args.workdir / f"{run_id}.lua"
    script.write_text(lua_script(loaded, run_id))
    tables = loaded["tables"]
    prior = sql_one(args.database, f"SELECT count(*) FROM {tables['decision']}")[0]
    started_at = sql_one(args.database, "SELECT clock_timestamp()")[0]
    before = db_stats(args.database)
    meter = CpuMeter(pgid, args.database)
    meter.start()
    result = run(
        [
            "wrk",
            "-t",
            str(min(args.wrk_threads, clients)),
            "-c",
            str(clients),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/api/v1/decisions",
        ],
        timeout=seconds + 120,
    )
    cpu = meter.stop()
    time.sleep(2)  # requests in flight when wrk stopped finish (or not) in the server
    ended_at = sql_one(args.database, "SELECT clock_timestamp()")[0]
    time.sleep(1)
    after = db_stats(args.database)
    parsed: dict = {"statuses": {}, "samples": []}
    for line in result.stdout.splitlines():
        if not line.startswith("BENCH "):
            continue
        parts = line.split()
        if parts[1] == "status":
            parsed["statuses"][parts[2]] = int(parts[3])
        elif parts[1] == "sample":
            parsed["samples"].append(" ".join(parts[2:]))
        elif parts[1] == "socket_errors":
            parsed["socket_errors"] = dict(
                zip(["connect", "read", "write", "status", "timeout"], map(int, parts[2:]), strict=True)
            )
        else:
            parsed[parts[1]] = int(parts[2])
    if "requests" not in parsed:
        raise SystemExit("wrk printed no summary:\n" + result.stdout + result.stderr)
    created = parsed["statuses"].get("201", 0)
    answered = sum(parsed["statuses"].values())
    in_flight = parsed["sent"] - answered
    rows = dict(
        sql_rows(
            args.database,
            f"SELECT status, count(*) FROM {tables['decision']} WHERE created_at >= %s AND created_at <= %s "
            "GROUP BY status",
            [started_at, ended_at],
        )
    )
    zones = dict(
        sql_rows(
            args.database,
            f"SELECT zone, count(*) FROM {tables['decision']} WHERE created_at >= %s AND created_at <= %s "
            "GROUP BY zone",
            [started_at, ended_at],
        )
    )
    keys = sql_one(
        args.database,
        f"SELECT count(*) FROM {tables['idempotency']} WHERE key LIKE %s",
        [run_id + "-%"],
    )[0]
    recorded = sum(rows.values())
    duration = parsed["duration"] / 1e6
    # Each 201 is one recorded decision; a request still in flight when wrk stopped may or may not be.
    accounted = created <= recorded <= created + in_flight and keys == recorded
    outcome = {
        "label": label,
        "clients": clients,
        "seconds": round(duration, 2),
        "prior_decisions": prior,
        "decisions_per_s": round(created / duration, 1),
        "requests_per_s": round(answered / duration, 1),
        "p50_ms": parsed["p50"] / 1000,
        "p90_ms": parsed["p90"] / 1000,
        "p95_ms": parsed["p95"] / 1000,
        "p99_ms": parsed["p99"] / 1000,
        "max_ms": parsed["max"] / 1000,
        "statuses": parsed["statuses"],
        "socket_errors": parsed.get("socket_errors", {}),
        "error_samples": parsed["samples"],
        "sent": parsed["sent"],
        "in_flight_at_stop": in_flight,
        "recorded": rows,
        "zones": zones,
        "idempotency_records": keys,
        "accounted": accounted,
        "db_commits_per_decision": round((after["commits"] - before["commits"]) / max(recorded, 1), 2),
        "db_rollbacks": after["rollbacks"] - before["rollbacks"],
        "db_new_sessions": after["sessions"] - before["sessions"],
        "other_cores_before": quiet,
        "other_cores": round(cpu["other_cores"], 2),
        "machine_busy_cores": round(cpu["machine_busy_cores"], 2),
        # CPU per decision (recorded rows), where it went: the server's workers, PostgreSQL, wrk.
        "server_cpu_ms": round(cpu["server_cpu_s"] * 1000 / max(recorded, 1), 2),
        "postgres_cpu_ms": round(cpu["postgres_cpu_s"] * 1000 / max(recorded, 1), 2),
        "client_cpu_ms": round(cpu["client_cpu_s"] * 1000 / max(recorded, 1), 2),
    }
    errors = answered - created
    log(
        f"{label}: {clients} clients, {outcome['decisions_per_s']:.0f} decisions/s, "
        f"p50 {outcome['p50_ms']:.1f} p95 {outcome['p95_ms']:.1f} p99 {outcome['p99_ms']:.1f} ms, "
        f"{errors} non-201, zones {zones}, "
        f"accounted {'yes' if accounted else 'NO'} ({created} x 201, {recorded} rows, {keys} keys, "
        f"{in_flight} in flight), {outcome['db_new_sessions']} new DB sessions; CPU per decision: server "
        f"{outcome['server_cpu_ms']} ms, postgres {outcome['postgres_cpu_ms']} ms, wrk "
        f"{outcome['client_cpu_ms']} ms; other processes {outcome['other_cores']} cores"
    )
    for sample in parsed["samples"][:3]:
        log(f"  non-201 sample: {sample}")
    return outcome


# ---------------------------------------------------------------------------------------------------------
# Checks


def overspend_check(database: str, tables: dict) -> dict:
    """Every counter equals the approved spend of its budget, subject and period; none passes its cap."""
    query = f"""
        WITH counters AS (
            SELECT c.id, c.organization_id, b.scope, b.period, b.cap, c.subject_id, c.period_start, c.spent,
                   (c.period_start::timestamp AT TIME ZONE o.time_zone) AS starts,
                   ((c.period_start
                     + CASE b.period WHEN 'day' THEN interval '1 day' ELSE interval '1 month' END)::timestamp
                     AT TIME ZONE o.time_zone) AS ends
            FROM {tables["counter"]} c
            JOIN {tables["budget"]} b ON b.id = c.budget_id
            JOIN {tables["organization"]} o ON o.id = c.organization_id
        ),
        d AS MATERIALIZED (
            SELECT organization_id, agent_id, team_id, department_id, base_amount, decided_at,
                   (auto_approved OR decided_by_id IS NOT NULL) AS overridden
            FROM {tables["decision"]}
            WHERE status = 'approved' AND decided_at >= (SELECT min(starts) FROM counters)
        ),
        charges AS (
            SELECT organization_id, 'agent' AS scope, agent_id AS subject_id, base_amount, decided_at,
                   overridden
            FROM d
            UNION ALL SELECT organization_id, 'team', team_id, base_amount, decided_at, overridden
            FROM d WHERE team_id IS NOT NULL
            UNION ALL SELECT organization_id, 'department', department_id, base_amount, decided_at, overridden
            FROM d WHERE department_id IS NOT NULL
            UNION ALL SELECT organization_id, 'organization', organization_id, base_amount, decided_at,
                             overridden
            FROM d
        )
        SELECT c.id, c.scope, c.period, c.period_start, c.subject_id, c.cap, c.spent,
               COALESCE(sum(ch.base_amount), 0) AS approved, count(ch.base_amount) AS decisions,
               COALESCE(bool_or(ch.overridden), false) AS overridden
        FROM counters c
        LEFT JOIN charges ch ON ch.organization_id = c.organization_id AND ch.scope = c.scope
             AND ch.subject_id = c.subject_id AND ch.decided_at >= c.starts AND ch.decided_at < c.ends
        GROUP BY c.id, c.scope, c.period, c.period_start, c.subject_id, c.cap, c.spent
        ORDER BY c.id
    """
    rows = sql_rows(database, query)
    mismatched, over_cap, at_cap = [], [], 0
    for counter_id, scope, period, start, subject, cap, spent, approved, _count, overridden in rows:
        if spent != approved:
            mismatched.append(
                f"counter {counter_id} ({scope}/{period} {subject} {start}): {spent} ≠ {approved}"
            )
        # Agent budgets are authority: only a lead's (or the timeout's) approval may pass them.
        if spent > cap and (scope != "agent" or not overridden):
            over_cap.append(f"counter {counter_id} ({scope}/{period} {subject} {start}): {spent} > {cap}")
        if spent + 50 > cap:
            at_cap += 1
    # Orphan spend: approved decisions in a current period whose counter does not exist would escape above.
    return {
        "counters": len(rows),
        "mismatched": mismatched,
        "over_cap": over_cap,
        "near_or_at_cap": at_cap,
        "ok": not mismatched and not over_cap,
    }


def audit_verify(env: dict) -> bool:
    result = run([str(LEEWAY), "audit", "verify"], env=env, check=False)
    if result.returncode != 0:
        log("audit verify: " + (result.stdout + result.stderr).strip()[-500:])
    return result.returncode == 0


# ---------------------------------------------------------------------------------------------------------
# Report


def machine() -> dict:
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((line.split(":", 1)[1].strip() for line in out.splitlines() if "Model name" in line), "")
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "leeway"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "date": dt.date.today().isoformat(),
        "commit": commit + ("+dirty" if dirty else ""),
        "python": platform.python_version(),
    }


def print_summary(report: dict) -> None:
    m = report["machine"]
    s = report["settings"]
    print()
    print(
        f"Decisions benchmark: {m['date']}, {m['cpu']}, {m['cores']} cores, commit {m['commit']}, "
        f"server {s['server']} --workers {s['workers']} --threads {s['threads']}, wrk -t{s['wrk_threads']}, "
        f"CONN_MAX_AGE {s['conn_max_age']}"
    )
    header = (
        f"{'run':<14}{'clients':>8}{'prior':>10}{'dec/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'non-201':>9}{'pgbench':>9}{'ratio':>8}{'ratio1':>8}{'cpu ms':>8}{'others':>8}  accounted"
    )
    print(header)
    print("-" * len(header))
    for r in report["runs"]:
        non201 = sum(n for code, n in r["statuses"].items() if code != "201") + sum(
            r["socket_errors"].get(k, 0) for k in ("connect", "read", "write", "timeout")
        )
        tps = r.get("pgbench_tps")
        ratio = f"{r['ratio']:.3f}" if r.get("ratio") is not None else "-"
        ratio1 = f"{r['ratio_hot_row']:.3f}" if r.get("ratio_hot_row") is not None else "-"
        cpu = r["server_cpu_ms"] + r["postgres_cpu_ms"]
        print(
            f"{r['label']:<14}{r['clients']:>8}{r['prior_decisions']:>10,}{r['decisions_per_s']:>9.0f}"
            f"{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{non201:>9}"
            f"{(f'{tps:.0f}' if tps else '-'):>9}{ratio:>8}{ratio1:>8}{cpu:>8.2f}{r['other_cores']:>8.2f}"
            f"  {'yes' if r['accounted'] else 'NO'}"
        )
    print()
    print(
        "pgbench: reference transaction on one of "
        f"{s['ref_budgets']} budget rows, mean of a run before and a run after the load (ratio), and on a "
        "single hot row after it (ratio1); "
        f"{s['pgbench_seconds']} s each. cpu ms: server + PostgreSQL CPU per decision; others: cores "
        "that other processes on the machine used during the run."
    )
    history = report.get("history")
    if history:
        print(
            f"History: p50 {history['p50_small_ms']:.1f} ms with {history['small_prior']:,} prior decisions, "
            f"{history['p50_large_ms']:.1f} ms with {history['large_prior']:,} "
            f"(x {history['p50_growth']:.2f}; insert took {history['insert_seconds']:.0f} s); "
            f"CPU per decision {history['cpu_ms_small']:.2f} → {history['cpu_ms_large']:.2f} ms (PostgreSQL "
            f"{history['postgres_cpu_ms_small']:.2f} → {history['postgres_cpu_ms_large']:.2f} ms)"
        )
    check = report["overspend"]
    print(
        f"Overspend check: {check['counters']} counters, {len(check['mismatched'])} mismatched, "
        f"{len(check['over_cap'])} over cap, {check['near_or_at_cap']} within 50 of their cap → "
        f"{'OK' if check['ok'] else 'FAILED'}"
    )
    for line in (check["mismatched"] + check["over_cap"])[:10]:
        print("  " + line)
    print(f"Audit chain: {'intact' if report['audit_intact'] else 'BROKEN'}")
    targets = report.get("targets", {})
    for name, (value, ok) in targets.items():
        print(f"Target {name}: {value} → {'met' if ok else 'NOT met'}")


# ---------------------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # One per core: PostgreSQL, wrk and pgbench share the machine, and each worker waits on its own
    # database backend; on 2 cores, 4 workers and their 4 backends cost 30 % more CPU per decision.
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 2, help="server workers (default: one per core)"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per worker running requests")
    parser.add_argument("--clients", default="8,32", help="comma-separated client counts (default 8,32)")
    parser.add_argument("--seconds", type=int, default=30, help="seconds per load run (default 30)")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of warm-up load (default 10)")
    parser.add_argument("--skip-history", action="store_true", help="skip the 1,000 vs 1,000,000 check")
    parser.add_argument("--history-seconds", type=int, default=15, help="seconds per history run")
    parser.add_argument("--history-rows", type=int, default=HISTORY_LARGE)
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--ref-budgets", type=int, default=AGENTS, help="budget rows in the reference")
    parser.add_argument("--skip-pgbench", action="store_true")
    parser.add_argument("--database", default="leeway_bench")
    parser.add_argument(
        "--access-log",
        dest="no_access_log",
        action="store_false",
        help="keep `leeway serve`'s access log (off by default: a line per request costs ~2%% of a worker)",
    )
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--wait-idle",
        type=int,
        default=240,
        help="before each run, wait up to this many seconds for other processes to go quiet (default 240)",
    )
    parser.add_argument(
        "--quiet-cores", type=float, default=0.25, help="what counts as quiet (cores used by others)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the server running at the end (Ctrl+C)")
    parser.add_argument(
        "--setup-only",
        type=Path,
        metavar="LUA",
        help="only create and load the database, write the wrk script here, and exit (for experiments)",
    )
    parser.add_argument("--json", type=Path, help="write the report here (default bench/results/…)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    args.workdir = Path(tempfile.mkdtemp(prefix="leeway-bench-"))
    try:
        return _main(args)
    finally:
        shutil.rmtree(args.workdir, ignore_errors=True)


def _main(args) -> int:
    for tool in ("wrk", "pgbench"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not on the path")
    args.secret_key = secrets.token_urlsafe(50)
    static_root = args.workdir / "static"
    static_root.mkdir()
    env = server_env(args, static_root)
    clients = [int(c) for c in args.clients.split(",") if c.strip()]

    loaded = create_database(args, env)
    if args.setup_only:
        args.setup_only.write_text(lua_script(loaded, f"manual-{secrets.token_hex(4)}"))
        log(f"database {args.database} ready; wrk script: {args.setup_only}")
        return 0
    if not args.skip_pgbench:
        create_reference_tables(args.database, args.ref_budgets)
        create_reference_tables_hot = True
    else:
        create_reference_tables_hot = False
    port = args.port or free_port()
    server = Server(args, env, port)
    report = {
        "machine": machine(),
        "settings": {
            "server": "leeway serve (granian)",
            "access_log": not args.no_access_log,
            "workers": args.workers,
            "threads": args.threads,
            "wrk_threads": args.wrk_threads,
            "seconds": args.seconds,
            "pgbench_seconds": args.pgbench_seconds,
            "ref_budgets": args.ref_budgets,
            "conn_max_age": loaded["conn_max_age"],
            "database": args.database,
        },
        "runs": [],
    }
    try:
        server.start()
        drive(args, loaded, server, clients=8, seconds=args.warmup, label="warm-up")
        analyze_without_autovacuum(args.database)
        if not args.skip_history:
            small = _history(args, env, HISTORY_SMALL)
            run_small = drive(args, loaded, server, 8, args.history_seconds, "history-small")
            large = _history(args, env, args.history_rows)
            run_large = drive(args, loaded, server, 8, args.history_seconds, "history-large")
            report["runs"] += [run_small, run_large]
            report["history"] = {
                "small_prior": run_small["prior_decisions"],
                "large_prior": run_large["prior_decisions"],
                "p50_small_ms": run_small["p50_ms"],
                "p50_large_ms": run_large["p50_ms"],
                "p50_growth": run_large["p50_ms"] / run_small["p50_ms"],
                "cpu_ms_small": run_small["server_cpu_ms"] + run_small["postgres_cpu_ms"],
                "cpu_ms_large": run_large["server_cpu_ms"] + run_large["postgres_cpu_ms"],
                "postgres_cpu_ms_small": run_small["postgres_cpu_ms"],
                "postgres_cpu_ms_large": run_large["postgres_cpu_ms"],
                "insert_seconds": small["seconds"] + large["seconds"],
            }
        for count in clients:
            # The reference runs just before and just after the load run, and the ratio uses their mean:
            # the machine's speed drifts by ±10 % from one run to the next, and this brackets it.
            if create_reference_tables_hot:
                before, other_before = run_pgbench(args, args.workdir, count, args.ref_budgets)
            outcome = drive(args, loaded, server, count, args.seconds, f"load-{count}")
            if create_reference_tables_hot:
                after, other = run_pgbench(args, args.workdir, count, args.ref_budgets)
                tps_hot, other_hot = run_pgbench(args, args.workdir, count, 1)
                tps = (before + after) / 2
                outcome.update(
                    pgbench_tps=tps,
                    pgbench_tps_before=before,
                    pgbench_tps_after=after,
                    pgbench_tps_hot_row=tps_hot,
                    pgbench_other_cores=round(max(other_before, other, other_hot), 2),
                    ratio=outcome["decisions_per_s"] / tps,
                    ratio_hot_row=outcome["decisions_per_s"] / tps_hot,
                )
                log(
                    f"pgbench {count} clients: {before:.0f} before, {after:.0f} after → {tps:.0f} tps "
                    f"({args.ref_budgets} rows), {tps_hot:.0f} tps (1 row); ratio {outcome['ratio']:.3f}; "
                    f"others {max(other_before, other):.2f}/{other_hot:.2f} cores"
                )
            report["runs"].append(outcome)
        if args.keep:
            log(f"server kept at http://127.0.0.1:{port}/ (Ctrl+C stops it)")
            try:
                server.process.wait()
            except KeyboardInterrupt:
                pass
    finally:
        server.stop()
    report["overspend"] = overspend_check(args.database, loaded["tables"])
    report["audit_intact"] = audit_verify(env)
    targets = {}
    by_label = {r["label"]: r for r in report["runs"]}
    if "load-32" in by_label and by_label["load-32"].get("ratio") is not None:
        ratio = by_label["load-32"]["ratio"]
        targets["ratio at 32 clients ≥ 0.10"] = (f"{ratio:.3f}", ratio >= 0.10)
    if "load-8" in by_label:
        p99 = by_label["load-8"]["p99_ms"]
        targets["p99 at 8 clients < 60 ms"] = (f"{p99:.1f} ms", p99 < 60)
    if "history" in report:
        growth = report["history"]["p50_growth"]
        targets["p50 flat with history (x <= 1.25)"] = (f"x {growth:.2f}", growth <= 1.25)
    report["targets"] = targets
    print_summary(report)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = args.json or RESULTS_DIR / f"decisions-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nReport: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    healthy = (
        report["overspend"]["ok"] and report["audit_intact"] and all(r["accounted"] for r in report["runs"])
    )
    return 0 if healthy else 1


def _history(args, env: dict, target: int) -> dict:
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    run([str(PYTHON), __file__, "_django", "history", str(target), str(out)], env=env, timeout=1800)
    result = json.loads(out.read_text())
    out.unlink()
    settle(args.database)
    log(f"history: {result['before']:,} → {result['after']:,} decisions in {result['seconds']:.1f} s")
    return result


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_django":
        django_job(sys.argv[2:])
    else:
        sys.exit(main(sys.argv[1:]))
