"""The hot path of POST /api/v1/decisions: few round trips, budgets still exact, plans that ignore history."""

from decimal import Decimal

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from leeway.core.audit import audit_verify
from leeway.core.batch import Batch
from leeway.core.models import AuditEntry, OutboxEvent
from leeway.decisions.models import Decision, DecisionStatus, Zone
from leeway.decisions.services import Idempotency, decision_create, decision_submit, request_hash
from leeway.decisions.store import store
from leeway.decisions.tests.conftest import body, build_world
from leeway.policy.models import BudgetCounter


def give(world, amount, **extra):
    return decision_create(
        member=world.agent,
        customer="C-1001",
        gesture="waive_fee",
        amount=amount,
        currency="USD",
        reason="billing_error",
        **extra,
    )


def test_a_budget_that_fills_up_between_reading_and_charging_makes_the_decision_red(world, monkeypatch):
    """Counters are read without their locks; the charge re-checks them, and a full budget means red."""
    give(world, "150.00")  # red, but it creates the counter rows
    agent_day = BudgetCounter.objects.get(budget__scope="agent", budget__period="day")
    decisions_store = store()
    real_read_inputs = decisions_store.read_inputs
    reads = []

    def another_agent_spends_meanwhile(**kwargs):
        # What a decision committing concurrently, between our read and our charge, would do. Here it
        # shares our transaction, so it is redone after our rollback, as a committed one would stay.
        reads.append(kwargs["optimistic"])
        if len(reads) == 1:
            found = real_read_inputs(**kwargs)
            BudgetCounter.objects.filter(pk=agent_day.pk).update(spent=Decimal("190.00"))
            return found
        BudgetCounter.objects.filter(pk=agent_day.pk).update(spent=Decimal("190.00"))
        return real_read_inputs(**kwargs)

    monkeypatch.setattr(decisions_store, "read_inputs", another_agent_spends_meanwhile)
    decision = give(world, "25.00")

    assert reads == [True, False], "read optimistically, then judged again with the counters locked"
    assert (decision.zone, decision.status) == (Zone.RED, DecisionStatus.PENDING)
    budget = next(r for r in decision.reasons if r.get("scope") == "agent")
    assert (budget["ok"], budget["left"]) == (False, "10.00")
    agent_day.refresh_from_db()
    assert agent_day.spent == Decimal("190.00"), "the optimistic charge was rolled back"
    hard = BudgetCounter.objects.exclude(budget__scope="agent").aggregate(total=Sum("spent"))["total"]
    assert hard == 0
    assert Decision.objects.count() == 2
    assert AuditEntry.objects.filter(object_type="decision").count() == 2
    assert OutboxEvent.objects.filter(topic__startswith="decision.").count() == 2
    assert audit_verify() == []


def test_an_approved_decision_reports_the_exact_budget_left_after_its_own_charge(world):
    give(world, "30.00")
    second = give(world, "20.00")
    agent = next(r for r in second.reasons if r.get("scope") == "agent")
    assert (agent["ok"], agent["cap"], agent["left"]) == (True, "200.00", "150.00")
    spent = BudgetCounter.objects.filter(budget__scope="agent").aggregate(total=Sum("spent"))["total"]
    assert spent == Decimal("50.00")


@pytest.mark.postgres
def test_a_keyed_green_decision_costs_two_round_trips_on_postgresql(aurora):
    if connection.vendor != "postgresql":
        pytest.skip("statement batching is PostgreSQL's")
    world = build_world(aurora, caps=(5, "500.00"))  # per-customer caps: the customer is locked
    fields = body()
    give(world, "1.00")  # counters exist and statements are prepared, as in a running worker
    with CaptureQueriesContext(connection) as queries:
        status, _text = decision_submit(
            member=world.agent,
            idempotency=Idempotency(key="five", request_hash=request_hash(fields)),
            **fields,
        )
    assert status == 201
    # In a test the transaction is a savepoint (BEGIN and COMMIT otherwise, which are not captured).
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # The customer (locked), then its caps, the stored answer and the budget set in one statement;
    # the guarded charge + the writes + the audit entry.
    assert len(statements) == 2, [sql[:120] for sql in statements]
    customer, reads = statements[0].split(";\n")
    assert customer.startswith('SELECT "customers_customer"') and customer.endswith("FOR NO KEY UPDATE")
    assert reads.startswith("SELECT * FROM (SELECT) AS leeway_one")
    assert "request_hash" in reads and "COUNT(id)" in reads and "array_agg" in reads
    assert "leeway_budget_guard" in statements[1] and "INSERT INTO" in statements[1]


@pytest.mark.postgres
def test_a_batch_that_fails_half_way_raises_djangos_error_and_leaves_the_connection_usable(db):
    if connection.vendor != "postgresql":
        pytest.skip("pipelines and prepared statements are PostgreSQL's")
    select = "SELECT CAST(%s AS integer) + 1"
    for _round in range(6):  # past psycopg's threshold, so the statement is prepared on PostgreSQL
        warm = Batch()
        warm.add(select, [1], rows=True)
        warm.run()
    with pytest.raises(DataError), transaction.atomic():
        failing = Batch()
        failing.add(select, [1], rows=True)
        failing.add("SELECT 1 / CAST(%s AS integer)", [0], rows=True)
        failing.add(select, [2], rows=True)
        failing.run()
    again = Batch()
    again.add(select, [41], rows=True)
    again.add("SELECT CAST(%s AS text)", ["two statements"], rows=True)
    assert again.run() == [[(42,)], [("two statements",)]]


@pytest.mark.postgres
def test_the_cap_window_is_read_off_the_partial_index_even_with_a_generic_plan(world):
    """Invariant 7: a prepared (generic) plan must still use decision_customer_caps, whatever the history."""
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    from django.utils import timezone

    from leeway.decisions.store.postgres import _cap_usage_statement
    from leeway.policy.snapshot import current_policy

    rule = current_policy(world.organization.pk).rule_for(world.agent.tier_id, "waive_fee")
    sql, params = _cap_usage_statement(
        world.organization.pk, world.customer.pk, world.gestures["waive_fee"].pk, rule, timezone.now()
    )
    numbered = sql
    for index in range(1, len(params) + 1):
        numbered = numbered.replace("%s", f"${index}", 1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE caps_plan_check AS {numbered}")
        try:
            cursor.execute(f"EXPLAIN EXECUTE caps_plan_check({', '.join(['%s'] * len(params))})", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE caps_plan_check")
    assert "decision_customer_caps" in plan, plan


@pytest.mark.parametrize("language", ["en", "es"])
def test_reason_amounts_are_formatted_exactly_like_the_pages_money_filter(language):
    from django.utils import translation

    from leeway.core.templatetags.leeway import money
    from leeway.decisions.judging.reasons import _formatted

    values = ["0", "0.00", "0.005", "0.015", "5", "25.00", "999.99", "1000", "1975.00", "19750.5"]
    values += ["123456.78", "1234567.891", "50000000.00", "-1975.00", "-0.01", "1E+3", "abc", "", "NaN"]
    values += [f"{cents / 100:.2f}" for cents in range(0, 2_000_000, 9_973)]
    with translation.override(language):
        expected = [money(value) for value in values]
    assert [_formatted(value, language) for value in values] == expected


@pytest.fixture
def committing_world(transactional_db, aurora):
    """A world whose decisions run in real transactions (not inside a test's), as in a worker."""
    if connection.vendor != "postgresql":
        pytest.skip("statement batching is PostgreSQL's")
    from leeway.decisions.tests.conftest import build_world

    return build_world(aurora)


@pytest.mark.postgres
def test_a_decision_is_two_batches_then_djangos_commit(committing_world):
    give(committing_world, "1.00")  # the chain head exists and counters are known, as in a running worker
    with CaptureQueriesContext(connection) as queries:
        decision = give(committing_world, "2.00")
    assert decision.status == DecisionStatus.APPROVED
    sent = [q["sql"] for q in queries.captured_queries]
    # Django logs BEGIN and COMMIT as it manages the transaction; each batch is one round trip.
    assert sent[-1] == "COMMIT"
    batches = [sql for sql in sent if sql not in ("BEGIN", "COMMIT")]
    assert len(batches) == 2, [sql[:80] for sql in batches]
    assert Decision.objects.filter(pk=decision.pk, status=DecisionStatus.APPROVED).exists()
    assert audit_verify() == []


@pytest.mark.postgres
def test_an_organizations_first_decision_creates_its_chain_head_in_the_same_transaction(committing_world):
    from leeway.core.models import AuditChain

    AuditEntry.objects.all().delete()
    AuditChain.objects.all().delete()
    decision = give(committing_world, "3.00")
    assert decision.status == DecisionStatus.APPROVED
    assert AuditEntry.objects.filter(object_type="decision", object_id=str(decision.public_id)).count() == 1
    assert audit_verify() == []


@pytest.mark.postgres
def test_a_commit_that_fails_leaves_nothing_behind(committing_world):
    """A deferred foreign key fails at COMMIT: decision, charge, event, answer and audit all roll back."""
    import copy

    give(committing_world, "1.00")
    spent_before = {c.pk: c.spent for c in BudgetCounter.objects.all()}
    decisions_before = Decision.objects.count()
    audit_before = AuditEntry.objects.count()
    outbox_before = OutboxEvent.objects.count()
    # An agent whose row is gone: the agent's foreign key (checked at COMMIT) refuses the decision.
    ghost = copy.copy(committing_world.agent)
    ghost.pk = ghost.id = 987654321
    fields = body()
    with pytest.raises(IntegrityError):
        decision_submit(
            member=ghost,
            idempotency=Idempotency(key="fails-at-commit", request_hash=request_hash(fields)),
            **fields,
        )
    assert Decision.objects.count() == decisions_before
    assert AuditEntry.objects.count() == audit_before
    assert OutboxEvent.objects.count() == outbox_before
    assert {c.pk: c.spent for c in BudgetCounter.objects.all()} == spent_before
    assert give(committing_world, "4.00").status == DecisionStatus.APPROVED, "the connection is usable"
    assert audit_verify() == []
