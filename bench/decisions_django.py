"""The decision benchmark's jobs inside Django: load the benchmark's data, add history.

    python bench/decisions_django.py load OUT.json      # agents with tokens, budgets, customers
    python bench/decisions_django.py history N OUT.json # past decisions until the table holds N

`bench/decisions.py` runs them in a subprocess with the server's environment (DATABASE_URL …) and
reads what they write to OUT.json.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORGANIZATION = "aurora"
AGENTS = 200
CUSTOMERS = 10_000
BUSY_AGENTS = 5  # the Lua script sends them 10 % of the requests: they reach their daily budget
TIER_MIX = {"starter": 0.6, "experienced": 0.3, "senior": 0.1}
# Sized for a whole default run (~45,000 decisions of ~25 USD): the busy agents (~22,000 USD each)
# reach their daily budget half-way, the others (~5,200 USD) do not; the company's budgets, hard caps,
# never bind. Red stays a minority (customer caps, beyond stretch, busy agents).
BENCH_BUDGETS = {
    ("agent", "day"): "10000.00",
    ("agent", "month"): "200000.00",
    ("site", "day"): "500000.00",
    ("team", "day"): "500000.00",
    ("department", "month"): "5000000.00",
    ("organization", "month"): "50000000.00",
}


def load(out: Path) -> None:
    """Benchmark agents, budgets and customers in aurora; writes what the Lua script and the checks need."""
    from django.conf import settings
    from django.db import connection

    from leeway.customers.models import Customer, customer_search_keys
    from leeway.decisions.models import Decision, IdempotencyRecord
    from leeway.people.models import AuthorityTier, Member, Organization, Role, Team
    from leeway.people.services import token_create
    from leeway.policy.budgets import SCOPES
    from leeway.policy.models import Budget, BudgetCounter
    from leeway.policy.services import budget_create, budget_update, policy_publish
    from leeway.policy.snapshot import current_policy

    rng = random.Random(20261122)
    organization = Organization.objects.get(slug=ORGANIZATION)
    teams = list(Team.objects.filter(organization=organization).order_by("id"))
    tiers = {tier.code: tier for tier in AuthorityTier.objects.filter(organization=organization)}
    members = []
    for number in range(1, AGENTS + 1):
        name = f"bench-agent-{number:03d}"
        # Busy agents are starters: their gestures cost the most of their tier's authority.
        tier = "starter" if number <= BUSY_AGENTS else rng.choices(list(TIER_MIX), list(TIER_MIX.values()))[0]
        member = Member(
            username=name, first_name="Bench", last_name=f"Agent {number:03d}",
            email=f"{name}@aurora.example", organization=organization, role=Role.AGENT, tier=tiers[tier],
            team=teams[(number - 1) % len(teams)], language="es" if number % 5 == 0 else "en",
            time_zone=organization.time_zone,
        )  # fmt: skip
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
    current = Budget.objects.filter(organization=organization, retired_at__isnull=True)
    unsized = sorted(set(current.values_list("scope", "period")) - set(BENCH_BUDGETS))
    if unsized:
        raise SystemExit(f"bench: the demo has budgets BENCH_BUDGETS does not size: {unsized}")
    version = policy_publish(organization=organization, actor=None, summary="Benchmark policy")

    first_names = ["Ana", "Ben", "Chloé", "Dmitri", "Ewa", "Farid", "Grace", "Hiro", "Inés", "José", "Kofi"]
    last_names = ["García", "Smith", "Nowak", "Santos", "Müller", "Reyes", "Chen", "Okafor", "Dubois"]
    customers = []
    for number in range(1, CUSTOMERS + 1):
        external_id, phone = f"B-{number:06d}", f"+1 303 555 {number:04d}"
        name = f"{rng.choice(first_names)} {rng.choice(last_names)}"
        customers.append(
            Customer(
                organization=organization, external_id=external_id, name=name, phone=phone,
                email=f"customer{number}@example.com", language="es" if number % 4 == 0 else "en",
                segment=rng.choice(["consumer", "small_business", "premium"]),
                **customer_search_keys(external_id=external_id, name=name, phone=phone),
            )
        )  # fmt: skip
    Customer.objects.bulk_create(customers, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    snapshot = current_policy(organization.pk)
    starter = tiers["starter"].pk
    gestures, zero_cost = [], None
    for code, entry in snapshot.gestures.items():
        rule = snapshot.rule_for(starter, code)
        if entry.zero_cost:
            zero_cost = code
        elif rule is not None:
            gestures.append(
                {"code": code, "green": str(rule.green_limit), "stretch": str(rule.stretch_limit)}
            )
    decision = Decision._meta
    out.write_text(
        json.dumps(
            {
                "policy_version": version.number,
                "tokens": tokens,
                "busy_agents": BUSY_AGENTS,
                "gestures": gestures,
                "zero_cost": zero_cost,
                "customers": CUSTOMERS,
                "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
                "tables": {
                    "decision": decision.db_table,
                    "idempotency": IdempotencyRecord._meta.db_table,
                    "counter": BudgetCounter._meta.db_table,
                    "budget": Budget._meta.db_table,
                    "organization": Organization._meta.db_table,
                },
                # The decision's column holding each budget scope's subject, for the overspend check.
                "subject_columns": {
                    scope: decision.get_field(kind.subject).column for scope, kind in SCOPES.items()
                },
            }
        )
    )


def history(target: int, out: Path) -> None:
    """Past decisions until the table holds `target` rows: the recorded ones, copied into the past.

    Each copy keeps its source's agent, gesture, amounts, zone and status (approved or declined ones
    only), and gets a new public id, a random customer and a moment in the two years before the
    current month (in the organization's time zone): no current budget counter covers it, and the
    per-customer cap windows see some of it. One INSERT … SELECT over generate_series, then ANALYZE.
    """
    import datetime as dt
    import zoneinfo

    from django.db import connection
    from django.utils import timezone

    from leeway.customers.models import Customer
    from leeway.decisions.models import Decision
    from leeway.people.models import Organization
    from leeway.policy.selectors import period_start

    organization = Organization.objects.get(slug=ORGANIZATION)
    existing = Decision.objects.count()
    missing = target - existing
    started = time.perf_counter()
    if missing > 0:
        month_start = period_start("month", time_zone=organization.time_zone, now=timezone.now())
        end = dt.datetime.combine(month_start, dt.time(), tzinfo=zoneinfo.ZoneInfo(organization.time_zone))
        replaced = {
            "public_id": "gen_random_uuid()",
            "customer_id": "(c.ids)[1 + floor(random() * c.n)::int]",
            "created_at": "r.at",
            "decided_at": "r.at + interval '1 minute'",
        }
        columns = [f.column for f in Decision._meta.concrete_fields if not f.primary_key]
        values = [replaced.get(column, f"s.{column}") for column in columns]
        quote = connection.ops.quote_name
        table, customers = quote(Decision._meta.db_table), quote(Customer._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH src AS (SELECT row_number() OVER (ORDER BY id) - 1 AS k, * FROM {table}
                             WHERE organization_id = %(org)s AND status IN ('approved', 'declined')),
                     c AS (SELECT array_agg(id) AS ids, count(*) AS n FROM {customers}
                           WHERE organization_id = %(org)s)
                INSERT INTO {table} ({", ".join(columns)})
                SELECT {", ".join(values)}
                FROM c, (SELECT g %% (SELECT count(*) FROM src) AS k,
                                %(end)s::timestamptz - random() * interval '730 days' AS at
                         FROM generate_series(1, %(missing)s) AS g) AS r
                JOIN src s ON s.k = r.k
                """,
                {"org": organization.pk, "end": end - dt.timedelta(minutes=5), "missing": missing},
            )
            cursor.execute(f"ANALYZE {table}")
    after = Decision.objects.count()
    out.write_text(json.dumps({"before": existing, "after": after, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leeway.settings")
    import django

    django.setup()
    if sys.argv[1] == "load":
        load(Path(sys.argv[2]))
    elif sys.argv[1] == "history":
        history(int(sys.argv[2]), Path(sys.argv[3]))
    else:
        raise SystemExit(f"unknown job {sys.argv[1]}")
