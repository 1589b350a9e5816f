"""Unanswered requests fail in the customer's favour: auto-approved under the ceiling, else escalated."""

from datetime import timedelta
from decimal import Decimal

import pytest

from leeway.core.models import AuditEntry, OutboxEvent
from leeway.decisions.models import Decision, DecisionStatus
from leeway.decisions.selectors import pending_requests_for
from leeway.decisions.services import decision_approve, decision_create, decisions_sweep_overdue
from leeway.decisions.tests.conftest import build_world
from leeway.policy.models import BudgetCounter

START = "2026-03-02 15:00:00+00:00"


def ask(world, amount, *, gesture="upgrade", member=None) -> Decision:
    """`upgrade` has no rule for the starter tier, so any amount is a request."""
    decision = decision_create(
        member=member or world.agent,
        customer="C-1001",
        gesture=gesture,
        amount=amount,
        currency=world.organization.base_currency,
        reason="service_outage",
    )
    assert decision.status == DecisionStatus.PENDING
    return decision


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def test_nothing_happens_before_the_target(world, clock):
    decision = ask(world, "20.00")
    clock.shift(timedelta(minutes=1, seconds=59))
    assert decisions_sweep_overdue() == {"approved": 0, "escalated": 0, "skipped": 0}
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PENDING


def test_a_request_under_the_ceiling_is_approved_in_the_customers_favour(world, clock):
    decision = ask(world, "25.00")  # the ceiling is 25.00: equal is inside
    clock.shift(timedelta(minutes=2))
    assert decisions_sweep_overdue()["approved"] == 1
    decision.refresh_from_db()
    assert (decision.status, decision.auto_approved, decision.protected) == (
        DecisionStatus.APPROVED,
        True,
        True,
    )
    assert decision.decided_by is None
    assert BudgetCounter.objects.get(budget__scope="agent", subject_id=world.agent.pk).spent == Decimal(
        "25.00"
    )
    event = OutboxEvent.objects.filter(topic="decision.approved").get()
    assert event.payload["auto_approved"] is True
    assert AuditEntry.objects.filter(action="decision.approved", actor__isnull=True).count() == 1


def test_a_request_above_the_ceiling_escalates_to_the_departments_managers(world, clock):
    decision = ask(world, "25.01")
    clock.shift(timedelta(minutes=3))
    assert decisions_sweep_overdue()["escalated"] == 1
    decision.refresh_from_db()
    assert (decision.status, decision.escalated, decision.auto_approved) == (
        DecisionStatus.PENDING,
        True,
        False,
    )
    assert decision.due_at.isoformat() == "2026-03-02T15:05:00+00:00"
    assert not BudgetCounter.objects.filter(spent__gt=0).exists()
    assert OutboxEvent.objects.filter(topic="decision.escalated").count() == 1
    assert list(pending_requests_for(world.manager)) == [decision]
    # Escalation is final for the sweep: the managers answer it.
    clock.shift(timedelta(minutes=10))
    assert decisions_sweep_overdue() == {"approved": 0, "escalated": 0, "skipped": 0}
    assert decision_approve(decision=decision, member=world.manager).status == DecisionStatus.APPROVED


def test_a_request_under_the_ceiling_escalates_when_a_hard_budget_would_pass_its_cap(aurora, clock):
    world = build_world(aurora, team_day_cap="30.00")
    decision_create(
        member=world.agent2,
        customer="C-1002",
        gesture="waive_fee",
        amount="20.00",
        currency="USD",
        reason="other",
    )
    decision = ask(world, "15.00")  # team: 20.00 of 30.00 used
    clock.shift(timedelta(minutes=2))
    assert decisions_sweep_overdue() == {"approved": 0, "escalated": 1, "skipped": 0}
    decision.refresh_from_db()
    assert (decision.status, decision.escalated) == (DecisionStatus.PENDING, True)
    assert BudgetCounter.objects.get(budget__scope="team").spent == Decimal("20.00")


def test_an_auto_approval_may_pass_the_agents_own_budget(aurora, clock):
    world = build_world(aurora, agent_day_cap="10.00")
    decision = ask(world, "20.00")
    clock.shift(timedelta(minutes=2))
    assert decisions_sweep_overdue()["approved"] == 1
    assert BudgetCounter.objects.get(budget__scope="agent").spent == Decimal("20.00")
    decision.refresh_from_db()
    assert decision.auto_approved


def test_answered_requests_are_left_alone(world, clock):
    decision = ask(world, "10.00")
    decision_approve(decision=decision, member=world.lead)
    clock.shift(timedelta(minutes=5))
    assert decisions_sweep_overdue() == {"approved": 0, "escalated": 0, "skipped": 0}
    decision.refresh_from_db()
    assert decision.auto_approved is False


def test_the_sweep_takes_the_oldest_first_and_respects_its_batch(world, clock):
    first = ask(world, "5.00")
    clock.shift(timedelta(seconds=10))
    ask(world, "6.00")
    clock.shift(timedelta(minutes=5))
    assert decisions_sweep_overdue(limit=1)["approved"] == 1
    first.refresh_from_db()
    assert first.auto_approved
    assert decisions_sweep_overdue()["approved"] == 1


def test_the_sweep_covers_every_organization(world, other_world, clock):
    ask(world, "5.00")
    ask(other_world, "5.00")
    clock.shift(timedelta(minutes=2))
    assert decisions_sweep_overdue()["approved"] == 2
