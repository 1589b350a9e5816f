"""Approving and declining requests: who may, what it spends, and what a second answer gets."""

from decimal import Decimal

import pytest

from leeway.core.errors import Conflict, Forbidden, NotFound
from leeway.core.models import AuditEntry, OutboxEvent
from leeway.decisions.models import Decision, DecisionStatus
from leeway.decisions.selectors import pending_requests_for
from leeway.decisions.services import decision_approve, decision_create, decision_decline
from leeway.decisions.tests.conftest import body, build_world
from leeway.people.tests.helpers import assert_error
from leeway.policy.models import BudgetCounter

DECISIONS = "/api/v1/decisions"


def request(world, amount="150.00", member=None) -> Decision:
    decision = decision_create(
        member=member or world.agent,
        customer="C-1001",
        gesture="waive_fee",
        amount=amount,
        currency="USD",
        reason="loyalty",
        note="Customer of 12 years.",
    )
    assert decision.status == DecisionStatus.PENDING
    return decision


def spent(scope: str, subject=None) -> Decimal:
    counters = BudgetCounter.objects.filter(budget__scope=scope)
    if subject is not None:
        counters = counters.filter(subject_id=subject.pk)
    counter = counters.first()
    return counter.spent if counter else Decimal("0.00")


def test_the_teams_lead_approves_and_the_decision_is_charged_and_protected(world):
    decision = decision_approve(decision=request(world), member=world.lead, note="Good call.")
    assert (decision.status, decision.protected, decision.auto_approved) == (
        DecisionStatus.APPROVED,
        True,
        False,
    )
    assert decision.decided_by == world.lead
    assert decision.decision_note == "Good call."
    assert spent("agent") == spent("team") == Decimal("150.00")
    assert OutboxEvent.objects.filter(topic="decision.approved").count() == 1
    assert AuditEntry.objects.filter(action="decision.approved", actor=world.lead).count() == 1


def test_a_lead_declines_and_nothing_is_spent(world):
    decision = decision_decline(decision=request(world), member=world.lead, reason="Refunded last week.")
    assert (decision.status, decision.protected) == (DecisionStatus.DECLINED, False)
    assert decision.decision_note == "Refunded last week."
    assert not BudgetCounter.objects.filter(spent__gt=0).exists()
    assert OutboxEvent.objects.filter(topic="decision.declined").count() == 1
    assert AuditEntry.objects.filter(action="decision.declined").count() == 1


def test_the_departments_manager_and_an_admin_may_answer(world):
    assert decision_approve(decision=request(world), member=world.manager).status == DecisionStatus.APPROVED
    declined = decision_decline(decision=request(world), member=world.admin, reason="Not this time.")
    assert declined.status == DecisionStatus.DECLINED


@pytest.mark.parametrize("who", ["agent2", "analyst", "other_lead"])
def test_others_in_the_organization_are_forbidden(world, who):
    decision = request(world)
    with pytest.raises(Forbidden):
        decision_approve(decision=decision, member=getattr(world, who))
    with pytest.raises(Forbidden):
        decision_decline(decision=decision, member=getattr(world, who), reason="No.")
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PENDING


def test_a_lead_cannot_answer_their_own_request(world):
    own = request(world, member=world.lead)  # leads have no tier: any gesture of theirs is a request
    with pytest.raises(Forbidden):
        decision_approve(decision=own, member=world.lead)
    assert own not in pending_requests_for(world.lead)


def test_a_lead_of_another_organization_gets_not_found(world, other_world):
    decision = request(world)
    with pytest.raises(NotFound):
        decision_approve(decision=decision, member=other_world.lead)


def test_a_second_answer_is_a_conflict(world):
    decision = request(world)
    decision_approve(decision=decision, member=world.lead)
    with pytest.raises(Conflict) as error:
        decision_approve(decision=decision, member=world.manager)
    assert error.value.code == "already_decided"
    with pytest.raises(Conflict):
        decision_decline(decision=decision, member=world.lead, reason="Too late.")
    assert spent("agent") == Decimal("150.00")


def test_a_lead_may_approve_beyond_the_agents_own_budget(world):
    decision = request(world, amount="250.00")  # more than the agent's 200.00 for today
    decision_approve(decision=decision, member=world.lead)
    assert spent("agent") == Decimal("250.00")


def test_approval_never_takes_a_hard_budget_past_its_cap(aurora):
    world = build_world(aurora, team_day_cap="300.00")
    decision_create(
        member=world.agent2,
        customer="C-1002",
        gesture="waive_fee",
        amount="50.00",
        currency="USD",
        reason="other",
    )
    decision = request(world, amount="250.01")  # team: 50.00 spent, 250.00 left
    with pytest.raises(Conflict) as error:
        decision_approve(decision=decision, member=world.lead)
    assert error.value.code == "budget_exhausted"
    assert "250.00 of 300.00 USD left" in str(error.value.message)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PENDING
    assert spent("team") == Decimal("50.00")
    assert spent("agent", world.agent) == Decimal("0.00")
    exact = request(world, amount="250.00")
    decision_approve(decision=exact, member=world.lead)
    assert spent("team") == Decimal("300.00")


def test_the_lead_queue_is_oldest_first_with_due_times(world, time_machine):
    time_machine.move_to("2026-03-02 15:00:00+00:00", tick=False)
    first = request(world)
    time_machine.move_to("2026-03-02 15:00:30+00:00", tick=False)
    second = request(world, member=world.agent2)
    queue = list(pending_requests_for(world.lead))
    assert queue == [first, second]
    assert queue[0].due_at.isoformat() == "2026-03-02T15:02:00+00:00"
    assert list(pending_requests_for(world.other_lead)) == []
    assert list(pending_requests_for(world.manager)) == [first, second]
    assert list(pending_requests_for(world.agent)) == []


# --- HTTP ----------------------------------------------------------------------------------------


@pytest.fixture
def pending_id(api_client, world) -> str:
    api_client.authenticate(world.agent)
    return api_client.post_json(DECISIONS, body(amount="150.00")).json()["id"]


def test_approve_over_http(api_client, world, pending_id):
    api_client.authenticate(world.lead)
    response = api_client.post_json(f"{DECISIONS}/{pending_id}/approve", {"note": "OK"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["protected"], data["decided_by"], data["decision_note"]) == (
        "approved",
        True,
        world.lead.username,
        "OK",
    )
    again = api_client.post_json(f"{DECISIONS}/{pending_id}/approve", {"note": "OK"})
    assert_error(again, 409, code="already_decided")


def test_decline_over_http(api_client, world, pending_id):
    api_client.authenticate(world.lead)
    response = api_client.post_json(f"{DECISIONS}/{pending_id}/decline", {"reason": "Not this time."})
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert_error(api_client.post_json(f"{DECISIONS}/{pending_id}/approve", {}), 409, code="already_decided")


def test_an_agent_gets_403_and_nothing_changes(api_client, world, pending_id, counts):
    api_client.authenticate(world.agent)
    before = counts()
    assert_error(api_client.post_json(f"{DECISIONS}/{pending_id}/approve", {"note": ""}), 403)
    assert_error(api_client.post_json(f"{DECISIONS}/{pending_id}/decline", {"reason": ""}), 403)
    assert counts() == before


def test_a_lead_of_another_organization_gets_404_and_nothing_changes(
    api_client, pending_id, other_world, counts
):
    api_client.authenticate(other_world.lead)
    before = counts()
    assert_error(api_client.post_json(f"{DECISIONS}/{pending_id}/approve", {"note": ""}), 404)
    assert counts() == before


def test_a_hostile_or_oversized_note_on_approval_is_refused(api_client, world, pending_id, counts):
    api_client.authenticate(world.lead)
    before = counts()
    assert_error(
        api_client.post_json(f"{DECISIONS}/{pending_id}/approve", {"note": "n" * 2001}), 422, field="note"
    )
    assert_error(api_client.post_json(f"{DECISIONS}/{pending_id}/approve", {"note": 5}), 422, field="note")
    assert_error(api_client.post_json(f"{DECISIONS}/{pending_id}/approve", raw="{oops"), 400)
    assert counts() == before
