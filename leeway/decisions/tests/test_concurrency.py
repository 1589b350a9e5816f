"""Invariant 1 under real concurrency (PostgreSQL only): approved spend never passes a cap.

Each thread has its own database connection, so these are genuinely
concurrent transactions contending for the same budget counter rows.
"""

import random
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from leeway.core.audit import audit_verify
from leeway.core.errors import Conflict
from leeway.core.tests.threads import run_in_threads
from leeway.customers.models import Customer
from leeway.decisions.models import Decision, DecisionStatus, Zone
from leeway.decisions.services import decision_approve, decision_create, decisions_sweep_overdue
from leeway.decisions.tests.conftest import build_world
from leeway.people.models import Member, Role
from leeway.people.tests.factories import MemberFactory
from leeway.policy.models import BudgetCounter

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16
PER_THREAD = 6
AGENT_CAP = Decimal("200.00")
TEAM_CAP = Decimal("600.00")


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across connections)")


def test_concurrent_decisions_never_overspend_and_every_request_is_accounted_for(aurora):
    world = build_world(aurora, agent_day_cap=str(AGENT_CAP), team_day_cap=str(TEAM_CAP))
    team = world.agent.team
    extra = [
        MemberFactory(
            organization=aurora, role=Role.AGENT, tier=world.agent.tier, team=team, username=f"agent-{i}"
        )
        for i in range(2)
    ]
    agents = [world.agent, world.agent2, *extra]  # 4 agents x 200.00 > the team's 600.00
    for i in range(THREADS * PER_THREAD):
        Customer.objects.create(organization=aurora, external_id=f"C-{2000 + i}", name=f"Customer {i}")
    rng = random.Random(7)
    amounts = [[Decimal(rng.randint(1000, 5000)) / 100 for _ in range(PER_THREAD)] for _ in range(THREADS)]

    def work(i):
        agent = Member.objects.get(pk=agents[i % len(agents)].pk)
        zones = []
        for j, amount in enumerate(amounts[i]):
            decision = decision_create(
                member=agent,
                customer=f"C-{2000 + i * PER_THREAD + j}",
                gesture="waive_fee",
                amount=str(amount),
                currency="USD",
                reason="other",
            )
            zones.append(decision.zone)
        return zones

    results = run_in_threads(THREADS, work)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors

    total = THREADS * PER_THREAD
    assert Decision.objects.count() == total
    statuses = Counter(Decision.objects.values_list("status", flat=True))
    assert statuses[DecisionStatus.APPROVED] + statuses[DecisionStatus.PENDING] == total
    assert statuses[DecisionStatus.PENDING] > 0, "the caps should have bound"
    assert set(Decision.objects.filter(status=DecisionStatus.PENDING).values_list("zone", flat=True)) == {
        Zone.RED
    }

    approved = Decision.objects.filter(status=DecisionStatus.APPROVED)
    for agent in agents:
        agent_spent = approved.filter(agent=agent).aggregate(total=Sum("base_amount"))["total"] or Decimal(
            "0"
        )
        counters = BudgetCounter.objects.filter(budget__scope="agent", subject_id=agent.pk)
        assert (counters.aggregate(total=Sum("spent"))["total"] or Decimal("0")) == agent_spent
        assert all(counter.spent <= AGENT_CAP for counter in counters)
    approved_total = approved.aggregate(total=Sum("base_amount"))["total"]
    for scope, cap in (
        ("team", TEAM_CAP),
        ("department", Decimal("50000")),
        ("organization", Decimal("500000")),
    ):
        counters = BudgetCounter.objects.filter(budget__scope=scope)
        assert counters.aggregate(total=Sum("spent"))["total"] == approved_total, scope
        assert all(counter.spent <= cap for counter in counters), scope
    assert audit_verify() == []


def test_concurrent_approvals_of_one_request_give_exactly_one_approval(aurora):
    world = build_world(aurora)
    leads = [world.lead, world.manager, world.admin]
    leads += [
        MemberFactory(organization=aurora, role=Role.LEAD, team=world.agent.team, username=f"lead-{i}")
        for i in range(5)
    ]
    decision = decision_create(
        member=world.agent,
        customer="C-1001",
        gesture="waive_fee",
        amount="150.00",
        currency="USD",
        reason="other",
    )

    def work(i):
        member = Member.objects.get(pk=leads[i].pk)
        target = Decision.objects.get(pk=decision.pk)
        return decision_approve(decision=target, member=member).status

    results = run_in_threads(len(leads), work)
    assert results.count(DecisionStatus.APPROVED) == 1
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == len(leads) - 1
    assert all(c.code == "already_decided" for c in conflicts)
    assert BudgetCounter.objects.get(budget__scope="agent").spent == Decimal("150.00")


def test_concurrent_approvals_never_pass_a_hard_cap(aurora):
    world = build_world(aurora, team_day_cap="500.00")
    requests = [
        decision_create(
            member=world.agent,
            customer="C-1001",
            gesture="upgrade",
            amount="100.00",
            currency="USD",
            reason="other",
        )
        for _ in range(8)
    ]

    def work(i):
        return decision_approve(
            decision=Decision.objects.get(pk=requests[i].pk), member=Member.objects.get(pk=world.lead.pk)
        ).status

    results = run_in_threads(len(requests), work)
    assert results.count(DecisionStatus.APPROVED) == 5
    assert all(r.code == "budget_exhausted" for r in results if isinstance(r, Conflict))
    assert BudgetCounter.objects.get(budget__scope="team").spent == Decimal("500.00")


def test_several_sweepers_settle_each_overdue_request_once(aurora):
    world = build_world(aurora, ceiling="25.00")
    for i in range(24):
        decision_create(
            member=world.agent,
            customer="C-1001",
            gesture="upgrade",
            amount="20.00" if i % 2 else "30.00",
            currency="USD",
            reason="other",
        )
    later = timezone.now() + timedelta(minutes=5)
    results = run_in_threads(6, lambda i: decisions_sweep_overdue(now=later))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["approved"] for r in results) == 12
    assert sum(r["escalated"] for r in results) == 12
    assert Decision.objects.filter(auto_approved=True).count() == 12
    assert Decision.objects.filter(escalated=True, status=DecisionStatus.PENDING).count() == 12
    assert BudgetCounter.objects.get(budget__scope="agent").spent == Decimal("240.00")
