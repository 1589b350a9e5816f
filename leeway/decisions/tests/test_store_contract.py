"""The store contract: both stores read, charge and write alike (leeway.decisions.store.base).

Every case runs against each store: on PostgreSQL both the PostgreSQL store and the ORM store, on
SQLite the ORM store (the PostgreSQL store needs PostgreSQL; CI's PostgreSQL run must not skip it).
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum
from django.utils import timezone

from leeway.core.audit import audit_verify
from leeway.core.models import AuditEntry, OutboxEvent
from leeway.decisions.judging import budget_targets
from leeway.decisions.models import Decision, DecisionStatus, IdempotencyRecord, Zone
from leeway.decisions.store import (
    AnswerKey,
    BudgetRefused,
    Charge,
    CustomerKey,
    DecisionWrite,
    OrmStore,
    PostgresStore,
    store,
)
from leeway.decisions.tests.conftest import build_world
from leeway.policy.models import BudgetCounter, PolicyVersion
from leeway.policy.selectors import budget_subjects_for
from leeway.policy.snapshot import current_policy


@pytest.fixture(
    params=[
        pytest.param("orm", id="orm-store"),
        pytest.param("postgres", id="postgres-store", marks=pytest.mark.postgres),
    ]
)
def decisions_store(request, db):
    if request.param == "postgres":
        if connection.vendor != "postgresql":
            pytest.skip(f"the PostgreSQL store needs PostgreSQL (this run's database is {connection.vendor})")
        return PostgresStore()
    return OrmStore()


def test_the_engine_picks_its_store_by_the_databases_vendor(db):
    expected = PostgresStore if connection.vendor == "postgresql" else OrmStore
    assert isinstance(store(), expected)


def targets_for(world, now=None):
    snapshot = current_policy(world.organization.pk)
    return budget_targets(snapshot, subjects=budget_subjects_for(world.agent), now=now or timezone.now())


def read(decisions_store, world, *, deciding=True, customer=None, answer=None, rule=None, **extra):
    snapshot = current_policy(world.organization.pk)
    return decisions_store.read_inputs(
        organization_id=world.organization.pk,
        customer=customer if customer is not None else world.customer,
        gesture_id=world.gestures["waive_fee"].pk,
        rule=rule if rule is not None else snapshot.rule_for(world.agent.tier_id, "waive_fee"),
        now=timezone.now(),
        targets=targets_for(world),
        deciding=deciding,
        answer=answer,
        **extra,
    )


def by_scope(budgets):
    return {state.target.scope: state for state in budgets}


def a_decision(world, *, amount="25.00", status=DecisionStatus.APPROVED) -> Decision:
    snapshot = current_policy(world.organization.pk)
    return Decision(
        customer=world.customer,
        agent=world.agent,
        gesture=world.gestures["waive_fee"],
        policy_version=PolicyVersion.objects.get(pk=snapshot.version_id),
        organization_id=world.organization.pk,
        team_id=world.agent.team_id,
        amount=Decimal(amount),
        currency="USD",
        base_amount=Decimal(amount),
        base_currency="USD",
        reason="billing_error",
        zone=Zone.GREEN,
        status=status,
        protected=status == DecisionStatus.APPROVED,
        created_at=timezone.now(),
    )


def a_write(world, decision, *, key=None) -> DecisionWrite:
    answer = None
    if key is not None:
        answer = IdempotencyRecord(
            member=world.agent,
            organization_id=world.organization.pk,
            key=key,
            request_hash="h",
            response_status=201,
            response_body='{"ok": true}',
        )
    return DecisionWrite(
        decision=decision,
        event=OutboxEvent(organization_id=world.organization.pk, topic="decision.approved", payload={"a": 1}),
        audit={
            "organization_id": world.organization.pk,
            "actor_id": world.agent.pk,
            "action": "decision.approved",
            "object_type": "decision",
            "object_id": decision.public_id,
            "data": {"amount": str(decision.amount)},
        },
        answer=answer,
    )


def spent():
    return {c.pk: c.spent for c in BudgetCounter.objects.order_by("pk")}


# ---------------------------------------------------------------------------
# Reading the inputs


def test_it_reads_the_customer_its_cap_usage_the_budget_set_and_the_stored_answer(decisions_store, aurora):
    world = build_world(aurora, caps=(3, "500.00"))
    decision = a_decision(world, amount="40.00")
    decision.save()
    IdempotencyRecord.objects.create(
        member=world.agent,
        organization_id=aurora.pk,
        key="k-1",
        request_hash="abc",
        response_status=201,
        response_body="{}",
    )
    inputs = read(
        decisions_store,
        world,
        customer=CustomerKey(organization_id=aurora.pk, external_id="C-1001"),
        answer=AnswerKey(member_id=world.agent.pk, key="k-1"),
    )
    assert (inputs.customer.pk, inputs.customer.name) == (world.customer.pk, "Ada Byron")
    assert (inputs.cap_usage.count, inputs.cap_usage.total) == (1, Decimal("40.00"))
    assert (inputs.answer.request_hash, inputs.answer.status) == ("abc", 201)
    assert [s.target.scope for s in inputs.budgets] == ["agent", "team", "department", "organization"]
    assert all(s.counter_id is not None and s.spent == 0 for s in inputs.budgets), (
        "deciding creates the counters"
    )
    assert BudgetCounter.objects.count() == 4


def test_an_unknown_customer_reads_as_none_and_a_preview_creates_no_counter(decisions_store, world):
    inputs = read(
        decisions_store,
        world,
        deciding=False,
        customer=CustomerKey(organization_id=world.organization.pk, external_id="NOBODY"),
    )
    assert inputs.customer is None and inputs.answer is None
    assert [s.spent for s in inputs.budgets] == [0, 0, 0, 0]
    assert all(s.counter_id is None for s in inputs.budgets)
    assert not BudgetCounter.objects.exists(), "a preview records nothing"


def test_the_optimistic_read_sees_the_same_counters(decisions_store, world):
    locked = read(decisions_store, world)
    BudgetCounter.objects.filter(pk=locked.budgets[0].counter_id).update(spent=Decimal("12.50"))
    optimistic = read(decisions_store, world, optimistic=True)
    assert [(s.counter_id, s.spent) for s in optimistic.budgets] == [
        (s.counter_id, Decimal("12.50") if i == 0 else Decimal("0.00")) for i, s in enumerate(locked.budgets)
    ]


# ---------------------------------------------------------------------------
# Charging a budget set


def test_a_charge_within_every_cap_returns_the_new_totals(decisions_store, world):
    budgets = read(decisions_store, world).budgets
    charged = decisions_store.charge(Charge(budgets=budgets, amount=Decimal("30.00")))
    assert [s.spent for s in charged] == [Decimal("30.00")] * 4
    again = decisions_store.charge(Charge(budgets=budgets, amount=Decimal("20.00")))
    assert by_scope(again)["agent"].spent == Decimal("50.00")
    assert set(spent().values()) == {Decimal("50.00")}


def test_equal_to_the_cap_is_inside_it(decisions_store, world):
    budgets = read(decisions_store, world).budgets
    charged = decisions_store.charge(Charge(budgets=budgets, amount=Decimal("200.00")))
    assert by_scope(charged)["agent"].spent == Decimal("200.00")


def test_a_charge_beyond_a_hard_cap_is_refused_and_changes_nothing(decisions_store, aurora):
    world = build_world(aurora, team_day_cap="100.00", agent_day_cap="500.00")
    budgets = read(decisions_store, world).budgets
    decisions_store.charge(Charge(budgets=budgets, amount=Decimal("90.00")))
    before = spent()
    with pytest.raises(BudgetRefused) as refused:
        decisions_store.charge(Charge(budgets=budgets, amount=Decimal("10.01")))
    assert refused.value.budget.target.scope == "team"
    assert refused.value.budget.spent == Decimal("90.00"), "the counter as it stood under its lock"
    assert spent() == before
    # A refusal leaves the transaction usable: the next charge that fits goes through.
    assert by_scope(decisions_store.charge(Charge(budgets=budgets, amount=Decimal("10.00"))))[
        "team"
    ].spent == (Decimal("100.00"))


def test_an_approval_may_pass_the_agents_authority_but_never_a_hard_cap(decisions_store, aurora):
    world = build_world(aurora, agent_day_cap="50.00", team_day_cap="120.00")
    budgets = read(decisions_store, world).budgets
    with pytest.raises(BudgetRefused) as refused:
        decisions_store.charge(Charge(budgets=budgets, amount=Decimal("80.00")))
    assert refused.value.budget.target.scope == "agent"
    charged = decisions_store.charge(Charge(budgets=budgets, amount=Decimal("80.00"), past_authority=True))
    assert (by_scope(charged)["agent"].spent, by_scope(charged)["team"].spent) == (Decimal("80.00"),) * 2
    with pytest.raises(BudgetRefused) as refused:
        decisions_store.charge(Charge(budgets=budgets, amount=Decimal("50.00"), past_authority=True))
    assert refused.value.budget.target.scope == "team"
    assert by_scope(read(decisions_store, world).budgets)["agent"].spent == Decimal("80.00")


# ---------------------------------------------------------------------------
# Writing a decision


def test_a_write_records_the_decision_its_event_its_answer_and_its_audit_entry(decisions_store, world):
    budgets = read(decisions_store, world).budgets
    decision = a_decision(world)
    decisions_store.write(a_write(world, decision, key="w-1"), charge=Charge(budgets, Decimal("25.00")))
    assert decision.pk is not None
    stored = Decision.objects.get(pk=decision.pk)
    assert (stored.status, stored.base_amount) == (DecisionStatus.APPROVED, Decimal("25.00"))
    assert (
        OutboxEvent.objects.filter(topic="decision.approved", organization_id=world.organization.pk).count()
        == 1
    )
    assert IdempotencyRecord.objects.get(key="w-1").decision_id == decision.pk
    entry = AuditEntry.objects.get(object_type="decision", object_id=str(decision.public_id))
    assert (entry.action, entry.actor_id) == ("decision.approved", world.agent.pk)
    assert set(spent().values()) == {Decimal("25.00")}
    assert audit_verify() == []


def test_a_write_whose_charge_no_longer_fits_writes_nothing(decisions_store, world):
    budgets = read(decisions_store, world, optimistic=True).budgets  # read without the locks
    BudgetCounter.objects.filter(pk=budgets[0].counter_id).update(spent=Decimal("190.00"))  # spent meanwhile
    before = spent()
    with pytest.raises(BudgetRefused), transaction.atomic():
        decisions_store.write(
            a_write(world, a_decision(world), key="w-2"), charge=Charge(budgets, Decimal("25.00"))
        )
    assert spent() == before
    assert not Decision.objects.exists()
    assert not OutboxEvent.objects.filter(topic__startswith="decision.").exists()
    assert not IdempotencyRecord.objects.exists()
    assert not AuditEntry.objects.filter(object_type="decision").exists()


def test_a_request_is_written_without_a_charge(decisions_store, world):
    read(decisions_store, world)
    decision = a_decision(world, status=DecisionStatus.PENDING)
    decisions_store.write(a_write(world, decision))
    assert Decision.objects.get(pk=decision.pk).status == DecisionStatus.PENDING
    assert set(spent().values()) == {Decimal("0.00")}
    assert audit_verify() == []


# ---------------------------------------------------------------------------
# Concurrency (PostgreSQL: row locks across connections)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["orm", "postgres"])
def test_threads_charging_one_budget_never_pass_its_cap(kind, aurora):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across connections)")
    world = build_world(aurora, agent_day_cap="100.00")
    chosen = PostgresStore() if kind == "postgres" else OrmStore()
    with transaction.atomic():
        read(chosen, world)  # the counters exist
    threads_count, barrier = 12, threading.Barrier(12)
    outcomes = [None] * threads_count

    def work(index):
        try:
            barrier.wait()
            for _round in range(3):
                with transaction.atomic():
                    budgets = read(chosen, world, optimistic=True).budgets
                    try:
                        chosen.charge(Charge(budgets=budgets, amount=Decimal("7.00")))
                        outcomes[index] = (outcomes[index] or 0) + 1
                    except BudgetRefused:
                        pass
        except Exception as error:  # reported to the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert not errors, errors
    charges = sum(o or 0 for o in outcomes)
    agent = BudgetCounter.objects.get(budget__scope="agent")
    assert agent.spent <= Decimal("100.00")
    assert charges == 14 and agent.spent == Decimal("98.00"), "every charge that fit went through"
    assert BudgetCounter.objects.aggregate(total=Sum("spent"))["total"] == Decimal("98.00") * 4
