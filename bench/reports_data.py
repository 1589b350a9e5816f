"""One organization with 1,000,000 decisions over 30 days, for bench/whatif.py and bench/insights.py.

Setup, not measured: the policy through Leeway's own services (tiers, gestures, rules with per-customer
caps, budgets, one published version), people and customers by bulk insert, the decisions by COPY.
The shapes are a large contact centre's: 10,000 agents in 200 teams on 5 sites and 10 departments,
about 3.3 gestures per agent and day, 200,000 customers; amounts cluster on the gestures' default
amounts and round figures (80 %), the rest anywhere from 1.00 to 150.00 by 0.50. Recorded zones follow
the published limits; red requests were answered by a lead after 1 to 240 minutes (60 % approved,
30 % declined) or are still pending (10 %).
"""

from __future__ import annotations

import io
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-reports"
CHUNK = 200_000
GESTURES = [  # code, category, default amount, zero cost
    ("waive_fee", "fee_waiver", "25.00", False),
    ("account_credit", "credit", "20.00", False),
    ("refund", "refund", "40.00", False),
    ("upgrade", "upgrade", "30.00", False),
    ("deadline_extension", "extension", "0.00", True),
    ("expedited_shipping", "shipping", "15.00", False),
    ("replacement", "replacement", "45.00", False),
    ("discount", "discount", "10.00", False),
    ("rule_bend", "rule_bend", "0.00", True),
]
TIERS = [("starter", 1, "50.00", "100.00"), ("senior", 2, "80.00", "160.00")]
BUDGETS = [
    ("agent", "day", "200.00"),
    # A hard cap with room to spare, as most companies set them: 2,000 agents a site, 50 a team.
    ("site", "day", "300000.00"),
    ("team", "day", "8000.00"),
    ("department", "month", "5000000.00"),
    ("organization", "month", "40000000.00"),
]


def setup_django(database: str) -> None:
    os.environ.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        SECRET_KEY="bench-reports",
        LEEWAY_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="leeway.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def recreate(database: str) -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')


def load(*, decisions: int, days: int, now: datetime, seed: int = 15) -> dict:
    """Build the organization; returns its id and what was loaded. Call after setup_django + migrate."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from leeway.customers.models import Customer
    from leeway.decisions.models import Decision
    from leeway.people.models import Department, Member, Organization, Role, Site, Team
    from leeway.policy.models import PolicyVersion
    from leeway.policy.services import budget_create, gesture_create, policy_publish, rule_create, tier_create

    rng = np.random.default_rng(seed)
    organization = Organization.objects.create(
        slug=SLUG, name="Bench Reports", base_currency="USD", time_zone="America/Denver"
    )
    sites = [
        Site.objects.create(
            organization=organization,
            name=f"Site {n}",
            city=f"City {n}",
            country="US",
            time_zone="America/Denver",
            languages="en",
        )
        for n in range(5)
    ]
    departments = [Department.objects.create(organization=organization, name=f"Dept {n}") for n in range(10)]
    teams = [
        Team.objects.create(
            organization=organization, name=f"Team {n:03d}", department=departments[n % 10], site=sites[n % 5]
        )
        for n in range(200)
    ]
    tiers = [
        tier_create(organization=organization, actor=None, code=code, names={"en": code.title()}, rank=rank)
        for code, rank, _green, _stretch in TIERS
    ]
    gestures = {}
    for position, (code, category, default, zero) in enumerate(GESTURES):
        gestures[code] = gesture_create(
            organization=organization,
            actor=None,
            code=code,
            names={"en": code.replace("_", " ").title()},
            category=category,
            default_amount=default,
            zero_cost=zero,
            position=position,
        )
        for tier, (_code, _rank, green, stretch) in zip(tiers, TIERS, strict=True):
            rule_create(
                organization=organization,
                actor=None,
                tier=tier,
                gesture=gestures[code],
                green_limit="0.00" if zero else green,
                stretch_limit="0.00" if zero else stretch,
                customer_cap_count=6 if zero else 4,
                customer_cap_amount=None if zero else "300.00",
                customer_cap_window_days=30,
            )
    for scope, period, cap in BUDGETS:
        budget_create(organization=organization, actor=None, scope=scope, period=period, cap=cap)
    policy_publish(organization=organization, actor=None, summary="bench")
    version_id = PolicyVersion.objects.get(organization=organization).pk

    password = make_password("bench-pass-1")
    agents = []
    for n in range(10_000):
        team = teams[n % 200]
        agents.append(
            Member(
                username=f"bench-agent-{n:05d}",
                organization=organization,
                role=Role.AGENT,
                tier=tiers[0] if n % 10 < 7 else tiers[1],
                team=team,
                department=team.department,
                password=password,
                language="en",
            )
        )
    Member.objects.bulk_create(agents, batch_size=2000)
    for role in (Role.ADMIN, Role.ANALYST):
        Member.objects.create(
            username=f"bench-{role}", organization=organization, role=role, password=password
        )
    agent_rows = list(
        Member.objects.filter(organization=organization, role=Role.AGENT)
        .order_by("username")
        .values_list("id", "tier_id", "team_id", "team__site_id", "team__department_id")
    )
    Customer.objects.bulk_create(
        [
            Customer(organization=organization, external_id=f"BR-{n:06d}", name=f"Customer {n}")
            for n in range(200_000)
        ],
        batch_size=5000,
    )
    customer_ids = np.array(
        Customer.objects.filter(organization=organization).order_by("pk").values_list("pk", flat=True)
    )

    # The decisions, as columns.
    agent_table = np.array(agent_rows, dtype=np.int64)
    who = rng.integers(0, len(agent_table), decisions)
    gesture_weights = np.array([0.3, 0.2, 0.1, 0.05, 0.08, 0.1, 0.05, 0.07, 0.05])
    which = rng.choice(len(GESTURES), decisions, p=gesture_weights / gesture_weights.sum())
    defaults = np.array([int(float(default) * 100) for _c, _k, default, _z in GESTURES])
    zero = np.array([z for *_rest, z in GESTURES])
    round_amounts = np.array([500, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 7500, 9000, 10000, 12000])
    pick = rng.random(decisions)
    cents = np.where(
        pick < 0.45,
        defaults[which],
        np.where(pick < 0.8, rng.choice(round_amounts, decisions), rng.integers(2, 301, decisions) * 50),
    )
    cents = np.where(zero[which], 0, cents)
    seconds = rng.random(decisions) * days * 86400
    created = np.sort(now.timestamp() - seconds)
    tier_of = agent_table[who, 1]
    tier_index = np.where(tier_of == tiers[0].pk, 0, 1)
    green = np.array([int(float(t[2]) * 100) for t in TIERS])[tier_index]
    stretch = np.array([int(float(t[3]) * 100) for t in TIERS])[tier_index]
    zone = np.where(zero[which] | (cents <= green), "green", np.where(cents <= stretch, "amber", "red"))
    answer = rng.random(decisions)
    status = np.where(
        zone != "red",
        "approved",
        np.where(answer < 0.6, "approved", np.where(answer < 0.9, "declined", "pending")),
    )
    minutes = rng.integers(1, 241, decisions)
    customer = customer_ids[rng.integers(0, len(customer_ids), decisions)]

    gesture_ids = np.array([gestures[code].pk for code, *_ in GESTURES])
    columns = [
        "public_id",
        "organization_id",
        "customer_id",
        "agent_id",
        "team_id",
        "site_id",
        "department_id",
        "gesture_id",
        "amount",
        "currency",
        "base_amount",
        "base_currency",
        "reason",
        "note",
        "justification",
        "interaction_ref",
        "zone",
        "status",
        "protected",
        "learning_case",
        "escalated",
        "auto_approved",
        "policy_version_id",
        "reasons",
        "created_at",
        "due_at",
        "decided_at",
        "decided_by_id",
        "decision_note",
    ]
    lead = Member.objects.create(
        username="bench-lead", organization=organization, role=Role.LEAD, team=teams[0], password=password
    )
    quote = connection.ops.quote_name
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {quote(Decision._meta.db_table)} ({', '.join(columns)}) FROM STDIN") as copy:
            for start in range(0, decisions, CHUNK):
                block = io.StringIO()
                for i in range(start, min(start + CHUNK, decisions)):
                    agent = agent_table[who[i]]
                    at = datetime.fromtimestamp(created[i], UTC)
                    money = f"{cents[i] / 100:.2f}"
                    z, s = zone[i], status[i]
                    due = (at + timedelta(minutes=2)).isoformat() if z == "red" else "\\N"
                    decided = (
                        (at + timedelta(minutes=int(minutes[i]))).isoformat()
                        if z == "red" and s != "pending"
                        else (at.isoformat() if z != "red" else "\\N")
                    )
                    decided_by = str(lead.pk) if z == "red" and s != "pending" else "\\N"
                    approved = "t" if s == "approved" else "f"
                    block.write(
                        f"{uuid.uuid4()}\t{organization.pk}\t{customer[i]}\t{agent[0]}\t{agent[2]}\t{agent[3]}\t{agent[4]}\t"
                        f"{gesture_ids[which[i]]}\t{money}\tUSD\t{money}\tUSD\tbilling_error\t\t\t\t{z}\t{s}\t"
                        f"{approved}\t{'t' if z == 'amber' else 'f'}\tf\tf\t{version_id}\t[]\t"
                        f"{at.isoformat()}\t{due}\t"
                        f"{decided}\t{decided_by}\t\n"
                    )
                copy.write(block.getvalue())
        cursor.execute("ANALYZE")
    return {
        "organization_id": organization.pk,
        "decisions": decisions,
        "agents": len(agent_rows),
        "customers": len(customer_ids),
        "copy_seconds": time.perf_counter() - started,
    }
