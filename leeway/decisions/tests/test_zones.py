"""Zones exactly as API.md states them: equal to a limit is inside it."""

from decimal import Decimal

import pytest
from django.utils import translation

from leeway.core.models import AuditEntry, OutboxEvent
from leeway.decisions.models import Decision, DecisionStatus, Zone
from leeway.decisions.services import decision_create, decision_preview
from leeway.policy.models import BudgetCounter


def create(
    world, amount, *, member=None, gesture="waive_fee", justification="", customer="C-1001", currency="USD"
):
    return decision_create(
        member=member or world.agent,
        customer=customer,
        gesture=gesture,
        amount=amount,
        currency=currency,
        reason="billing_error",
        note="",
        justification=justification,
    )


@pytest.mark.parametrize(
    ("amount", "zone"),
    [
        ("0.01", Zone.GREEN),
        ("50.00", Zone.GREEN),
        ("50.01", Zone.AMBER),
        ("100.00", Zone.AMBER),
        ("100.01", Zone.RED),
        ("150.00", Zone.RED),
    ],
)
def test_the_zone_follows_the_green_and_stretch_limits(world, amount, zone):
    assert (
        decision_preview(
            member=world.agent, customer="C-1001", gesture="waive_fee", amount=amount, currency="USD"
        ).judgement.zone
        == zone
    )
    decision = create(world, amount, justification="Customer waited two weeks.")
    assert decision.zone == zone
    assert decision.status == (DecisionStatus.PENDING if zone == Zone.RED else DecisionStatus.APPROVED)
    assert decision.protected is (zone != Zone.RED)


def test_green_is_approved_protected_and_charged_to_every_budget(world):
    decision = create(world, "25.00")
    assert (decision.zone, decision.status, decision.protected) == (Zone.GREEN, DecisionStatus.APPROVED, True)
    assert decision.learning_case is False
    assert decision.decided_at == decision.created_at
    assert decision.due_at is None
    spent = sorted(BudgetCounter.objects.values_list("budget__scope", "spent"))
    assert spent == [
        ("agent", Decimal("25.00")),
        ("department", Decimal("25.00")),
        ("organization", Decimal("25.00")),
        ("team", Decimal("25.00")),
    ]
    assert OutboxEvent.objects.filter(topic="decision.approved").count() == 1
    assert (
        AuditEntry.objects.filter(action="decision.approved", object_id=str(decision.public_id)).count() == 1
    )


def test_amber_is_approved_protected_and_a_learning_case(world):
    decision = create(world, "75.00", justification="Third outage this month for her.")
    assert (decision.zone, decision.status, decision.protected) == (Zone.AMBER, DecisionStatus.APPROVED, True)
    assert decision.learning_case is True
    assert decision.justification == "Third outage this month for her."


def test_red_is_a_pending_request_that_moves_no_money(world):
    decision = create(world, "100.01")
    assert (decision.zone, decision.status, decision.protected) == (Zone.RED, DecisionStatus.PENDING, False)
    assert decision.due_at == decision.created_at + __import__("datetime").timedelta(minutes=2)
    assert not BudgetCounter.objects.filter(spent__gt=0).exists()
    assert OutboxEvent.objects.filter(topic="decision.requested").count() == 1
    assert AuditEntry.objects.filter(action="decision.requested").count() == 1


def test_a_zero_cost_gesture_is_green_and_spends_nothing(world):
    decision = create(world, "0", gesture="rule_bend")
    assert (decision.zone, decision.status, decision.protected) == (Zone.GREEN, DecisionStatus.APPROVED, True)
    assert decision.amount == Decimal("0.00")
    assert not BudgetCounter.objects.filter(spent__gt=0).exists()
    assert [r["code"] for r in decision.reasons] == ["green_limit", "no_cost"]


def test_a_zero_cost_gesture_stays_green_when_the_budgets_are_used_up(world):
    create(world, "50.00")
    create(world, "50.00")
    create(world, "50.00")
    create(world, "50.00")  # the agent's 200.00 for today is gone
    assert create(world, "0.01").zone == Zone.RED
    assert create(world, "0.00", gesture="rule_bend").zone == Zone.GREEN


def test_a_gesture_without_a_rule_for_the_tier_needs_a_lead(world):
    decision = create(world, "1.00", gesture="upgrade")
    assert decision.zone == Zone.RED
    assert decision.reasons[0] == {"code": "no_rule", "ok": False}


def test_a_cad_amount_is_judged_in_usd(world):
    # 68.49 CAD * 0.73 = 49.9977 → 50.00 USD: inside the green limit; 68.51 CAD → 50.01 USD: amber.
    green = create(world, "68.49", currency="CAD")
    assert (green.base_amount, green.base_currency, green.zone) == (Decimal("50.00"), "USD", Zone.GREEN)
    assert (green.amount, green.currency) == (Decimal("68.49"), "CAD")
    amber = create(world, "68.51", currency="CAD", justification="Long-standing customer.")
    assert (amber.base_amount, amber.zone) == (Decimal("50.01"), Zone.AMBER)
    assert BudgetCounter.objects.get(budget__scope="agent").spent == Decimal("100.01")


def test_the_agent_budget_turns_a_green_gesture_red_and_nothing_is_spent(world):
    for _ in range(3):
        create(world, "50.00")
    create(world, "49.99")
    decision = create(world, "0.02")  # 199.99 + 0.02 > 200.00
    assert decision.zone == Zone.RED
    budget_reason = next(r for r in decision.reasons if r.get("scope") == "agent")
    assert budget_reason["ok"] is False
    assert budget_reason["left"] == "0.01"
    assert BudgetCounter.objects.get(budget__scope="agent").spent == Decimal("199.99")
    assert create(world, "0.01").zone == Zone.GREEN  # equal to the cap is inside it


def test_the_team_budget_binds_across_agents(aurora):
    from leeway.decisions.tests.conftest import build_world

    world = build_world(aurora, team_day_cap="100.00")
    assert create(world, "50.00").zone == Zone.GREEN
    assert create(world, "50.00", member=world.agent2).zone == Zone.GREEN
    decision = create(world, "0.01", member=world.agent2)
    assert decision.zone == Zone.RED
    assert [r["scope"] for r in decision.reasons if r["code"] == "budget" and not r["ok"]] == ["team"]


def test_reasons_say_what_was_checked_and_what_remains_in_the_readers_language(world):
    decision = create(world, "25.00")
    from leeway.decisions.judging import render_reasons

    english = [r["message"] for r in render_reasons(decision.reasons)]
    assert english[0] == "Inside your green limit of 50.00 USD (25.00 left)"
    assert "Your budget today: 175.00 of 200.00 USD left" in english
    assert "Team budget today: 1,975.00 of 2,000.00 USD left" in english
    with translation.override("es"):
        spanish = [r["message"] for r in render_reasons(decision.reasons)]
    assert spanish[0] != english[0]
    assert "1.975,00" in " ".join(spanish)


def test_reasons_for_a_reviewer_speak_of_the_agents_limits_and_budgets(world):
    from leeway.decisions.judging import render_reasons
    from leeway.policy.budgets import REVIEWER_VOICE

    decision = create(world, "25.00")
    agent = [r["message"] for r in render_reasons(decision.reasons)]
    reviewer = render_reasons(decision.reasons, voice=REVIEWER_VOICE)
    assert [(r["code"], r["ok"]) for r in reviewer] == [(r["code"], r["ok"]) for r in decision.reasons]
    reviewer = [r["message"] for r in reviewer]
    assert reviewer[0] == "Inside the agent's green limit of 50.00 USD (25.00 left)"
    assert "The agent's budget today: 175.00 of 200.00 USD left" in reviewer
    # What does not belong to the agent reads the same to everyone.
    assert [m for m in reviewer if m not in agent] == [
        reviewer[0],
        "The agent's budget today: 175.00 of 200.00 USD left",
    ]
    assert "Team budget today: 1,975.00 of 2,000.00 USD left" in reviewer
    assert render_reasons([{"code": "no_rule", "ok": False}], voice=REVIEWER_VOICE)[0]["message"] == (
        "The agent's authority tier has no rule for this gesture: a lead decides."
    )


def test_reasons_for_a_reviewer_are_translated(world):
    from leeway.decisions.judging import reason_message
    from leeway.policy.budgets import REVIEWER_VOICE

    amber = create(world, "75.00", justification="Third outage this month")
    with translation.override("es"):
        spanish = [reason_message(r, voice=REVIEWER_VOICE) for r in amber.reasons]
    assert spanish[0] == "Por encima del límite verde del agente de 50,00 USD en 25,00"
    assert spanish[1] == (
        "Dentro del límite ampliado del agente de 100,00 USD (quedan 25,00): "
        "requiere una línea explicando por qué"
    )
    assert "Presupuesto del agente hoy: quedan 125,00 de 200,00 USD" in spanish


def test_an_unknown_voice_is_refused(world):
    from leeway.decisions.judging import reason_message

    with pytest.raises(ValueError, match="voice"):
        reason_message({"code": "no_cost", "ok": True}, voice="lead")


def test_preview_records_nothing(world, counts):
    before = counts()
    preview = decision_preview(
        member=world.agent, customer="C-1001", gesture="waive_fee", amount="75", currency="USD"
    )
    assert preview.judgement.zone == Zone.AMBER
    assert preview.judgement.needs_justification
    assert counts() == before
    assert Decision.objects.count() == 0
