"""Per-customer caps, budget periods, policy versions and all-or-nothing writes."""

from decimal import Decimal
from unittest import mock

import pytest
from django.db import DatabaseError, connection

from leeway.core.audit import audit_verify
from leeway.core.models import AuditEntry, OutboxEvent
from leeway.decisions import services
from leeway.decisions.models import Decision, DecisionStatus, Zone
from leeway.decisions.services import decision_approve, decision_create
from leeway.decisions.tests.conftest import build_world
from leeway.policy.models import AuthorityRule, BudgetCounter
from leeway.policy.services import rule_update


def give(world, amount, *, member=None, customer="C-1001", gesture="waive_fee", justification="") -> Decision:
    return decision_create(
        member=member or world.agent,
        customer=customer,
        gesture=gesture,
        amount=amount,
        currency="USD",
        reason="delivery_delay",
        justification=justification,
    )


@pytest.fixture
def capped(aurora):
    """Starter tier: at most 2 gestures of a kind and 80.00 per customer in 30 days."""
    return build_world(aurora, caps=(2, "80.00"))


def test_the_count_cap_holds_across_two_agents_on_the_same_customer(capped):
    assert give(capped, "10.00").zone == Zone.GREEN
    assert give(capped, "10.00", member=capped.agent2).zone == Zone.GREEN
    third = give(capped, "10.00")
    assert third.zone == Zone.RED
    cap = next(r for r in third.reasons if r["code"] == "customer_cap_count")
    assert (cap["ok"], cap["used"], cap["cap"]) == (False, 2, 2)
    # Another customer, or another gesture, has its own cap.
    assert give(capped, "10.00", customer="C-1002").zone == Zone.GREEN
    assert give(capped, "10.00", gesture="account_credit").zone == Zone.GREEN


def test_the_amount_cap_holds_across_two_agents_and_equal_is_inside(capped):
    assert give(capped, "40.00").zone == Zone.GREEN
    assert give(capped, "40.01", member=capped.agent2).zone == Zone.RED  # 80.01 > 80.00
    assert give(capped, "40.00", member=capped.agent2).zone == Zone.GREEN  # 80.00 = cap


def test_pending_and_declined_requests_do_not_use_the_cap(capped):
    give(capped, "150.00")  # red: beyond stretch
    give(capped, "150.00")
    assert give(capped, "10.00").zone == Zone.GREEN


def test_the_cap_window_rolls(capped, time_machine):
    time_machine.move_to("2026-01-01 12:00:00+00:00", tick=False)
    give(capped, "10.00")
    give(capped, "10.00")
    time_machine.move_to("2026-01-31 11:59:59+00:00", tick=False)
    assert give(capped, "10.00").zone == Zone.RED
    time_machine.move_to("2026-01-31 12:00:01+00:00", tick=False)
    assert give(capped, "10.00").zone == Zone.GREEN


def test_the_daily_budget_rolls_over_at_the_organizations_midnight(world, time_machine):
    # aurora is in America/Denver (UTC-7 in January): local midnight is 07:00 UTC.
    time_machine.move_to("2026-01-15 06:00:00+00:00", tick=False)
    for _ in range(4):
        give(world, "50.00", customer="C-1002")
    time_machine.move_to("2026-01-15 06:59:59+00:00", tick=False)
    assert give(world, "1.00").zone == Zone.RED
    time_machine.move_to("2026-01-15 07:00:00+00:00", tick=False)
    assert give(world, "1.00").zone == Zone.GREEN
    starts = sorted(
        BudgetCounter.objects.filter(budget__scope="agent", subject_id=world.agent.pk).values_list(
            "period_start", "spent"
        )
    )
    assert [(str(day), amount) for day, amount in starts] == [
        ("2026-01-14", Decimal("200.00")),
        ("2026-01-15", Decimal("1.00")),
    ]


def test_a_decision_keeps_the_version_that_judged_it(world):
    before = give(world, "60.00", justification="Fourth outage.")
    assert (before.zone, before.policy_version.number) == (Zone.AMBER, 1)
    rule = AuthorityRule.objects.get(tier=world.agent.tier, gesture=world.gestures["waive_fee"])
    rule_update(rule=rule, actor=None, green_limit="75.00", stretch_limit="150.00")
    unpublished = give(world, "60.00", justification="Draft limits do not apply yet.")
    assert (unpublished.zone, unpublished.policy_version.number) == (Zone.AMBER, 1)
    assert world.publish("Raise waive_fee") == 2
    after = give(world, "60.00")
    assert (after.zone, after.policy_version.number) == (Zone.GREEN, 2)
    before.refresh_from_db()
    assert (before.zone, before.policy_version.number) == (Zone.AMBER, 1)


def failing_outbox():
    """The outbox event's INSERT fails after the charge and the decision's INSERT have run."""
    if connection.vendor == "postgresql":  # one statement: the database refuses its event part
        broken = ("INSERT INTO core_outboxevent (id) VALUES (NULL)", [])
        from leeway.decisions.store import postgres

        return mock.patch.object(postgres, "outbox_statement", return_value=broken)
    return mock.patch.object(OutboxEvent, "save", side_effect=DatabaseError("outbox down"))


def test_a_failure_mid_way_leaves_no_decision_no_audit_and_no_spend(world, counts):
    before = counts()
    with failing_outbox():
        with pytest.raises(DatabaseError):
            give(world, "25.00")
    assert counts() == before
    assert not AuditEntry.objects.filter(object_type="decision").exists()
    assert give(world, "25.00").status == DecisionStatus.APPROVED
    assert BudgetCounter.objects.get(budget__scope="agent").spent == Decimal("25.00")


def test_a_failed_approval_leaves_the_request_pending_and_nothing_spent(world):
    decision = give(world, "150.00")
    outbox_before = OutboxEvent.objects.count()
    with mock.patch.object(services.approvals, "audit_record", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            decision_approve(decision=decision, member=world.lead)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PENDING
    assert not BudgetCounter.objects.filter(spent__gt=0).exists()
    assert OutboxEvent.objects.count() == outbox_before


def test_the_audit_chain_stays_intact_and_every_event_is_written(world):
    give(world, "25.00")
    give(world, "75.00", justification="Outage.")
    pending = give(world, "150.00")
    decision_approve(decision=pending, member=world.lead)
    assert audit_verify() == []
    assert list(
        OutboxEvent.objects.filter(topic__startswith="decision.").values_list("topic", flat=True)
    ) == [
        "decision.approved",
        "decision.approved",
        "decision.requested",
        "decision.approved",
    ]
    payload = OutboxEvent.objects.filter(topic="decision.requested").get().payload
    assert payload["id"] == str(pending.public_id)
    assert payload["policy_version"] == 1


def test_nothing_records_a_cost_against_an_agent():
    field_names = {field.name for field in Decision._meta.get_fields()}
    assert not any("cost" in name or "charge" in name or "liab" in name for name in field_names)


def test_a_team_moved_to_another_department_charges_its_new_departments_budget(world):
    """The team → department lookup is cached; moving the team forgets it at once."""
    from leeway.decisions.selectors import department_id_for

    team = world.agent.team
    first = department_id_for(world.agent)
    other = world.other_lead.team.department
    assert first != other.pk
    team.department = other
    team.save()
    world.agent.refresh_from_db()
    assert department_id_for(world.agent) == other.pk
    assert give(world, "25.00").department_id == other.pk
