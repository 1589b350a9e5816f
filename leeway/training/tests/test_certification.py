"""Passing a tier's modules → eligible → the lead confirms → the next decision is judged on the new tier."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from leeway.core.errors import Conflict, Forbidden
from leeway.core.models import AuditEntry, OutboxEvent
from leeway.decisions.services import decision_create
from leeway.training.models import Certification, TierProposal
from leeway.training.selectors import certifications_overview, eligible_proposals, my_training
from leeway.training.services import (
    attempt_start,
    attempt_submit,
    certification_waive,
    tier_proposal_confirm,
    tier_proposal_dismiss,
)
from leeway.training.tests.conftest import make_module, right_answers, set_rule


def _pass(world, module, member=None):
    member = member or world.agent
    attempt = attempt_start(module=module, member=member)
    return attempt_submit(attempt=attempt, member=member, answers=right_answers(attempt))


def test_certification_raises_the_tier_and_the_next_decision_is_judged_on_it(world, module):
    before = decision_create(
        member=world.agent,
        customer="C-1001",
        gesture="waive_fee",
        amount="75.00",
        currency="USD",
        reason="billing_error",
        justification="Billed twice.",
    )
    assert before.zone == "amber"  # starter: green 50, stretch 100

    attempt = _pass(world, module)
    assert attempt.passed and attempt.score == 1.0
    certification = Certification.objects.get(member=world.agent, module=module)
    assert certification.attempt == attempt and certification.policy_number == 2
    (proposal,) = eligible_proposals(world.lead)
    assert proposal.member == world.agent and proposal.to_tier == world.experienced
    assert proposal.source == "certification" and proposal.evidence == {"modules": ["basics"]}
    world.agent.refresh_from_db()
    assert world.agent.tier.code == "starter"  # nothing changes before the lead confirms

    tier_proposal_confirm(proposal=proposal, actor=world.lead)
    world.agent.refresh_from_db()
    assert world.agent.tier == world.experienced
    change = AuditEntry.objects.filter(action="member.updated", object_id=str(world.agent.pk)).latest("pk")
    assert change.actor_id == world.lead.pk and change.data["changes"]["tier"] == ["starter", "experienced"]
    assert AuditEntry.objects.filter(action="training.tier_confirmed", actor_id=world.lead.pk).exists()
    assert OutboxEvent.objects.filter(topic="training.tier_confirmed").exists()

    after = decision_create(
        member=world.agent,
        customer="C-1001",
        gesture="waive_fee",
        amount="75.00",
        currency="USD",
        reason="billing_error",
    )
    assert after.zone == "green" and after.protected  # experienced: green 100


def test_a_failed_attempt_certifies_nothing(world, module):
    attempt = attempt_start(module=module, member=world.agent)
    graded = attempt_submit(attempt=attempt, member=world.agent, answers=right_answers(attempt, wrong=1))
    assert graded.passed is False and graded.correct == 2 and graded.percent == 67
    assert not Certification.objects.exists() and not TierProposal.objects.exists()


def test_every_module_of_the_tier_is_needed(world, module):
    second = make_module(world, code="credits", gestures=("account_credit",))
    _pass(world, module)
    assert not TierProposal.objects.exists()
    _pass(world, second)
    assert TierProposal.objects.get().evidence == {"modules": ["basics", "credits"]}


def test_only_the_agents_own_lead_manager_or_an_admin_confirms(world, module):
    _pass(world, module)
    proposal = TierProposal.objects.get()
    assert eligible_proposals(world.other_lead) == []
    with pytest.raises(Forbidden):
        tier_proposal_confirm(proposal=proposal, actor=world.other_lead)
    with pytest.raises(Forbidden):
        tier_proposal_confirm(proposal=proposal, actor=world.agent2)
    tier_proposal_dismiss(proposal=proposal, actor=world.manager)
    world.agent.refresh_from_db()
    assert world.agent.tier.code == "starter"
    with pytest.raises(Conflict):
        tier_proposal_confirm(proposal=proposal, actor=world.admin)


def test_a_certificate_expires_after_its_months(world, module):
    _pass(world, module)
    certification = Certification.objects.get()
    certified = certification.certified_at
    assert certification.expires_at == certified.replace(year=certified.year + 1)  # 12 months
    assert [s.state for s in my_training(world.agent)] == ["valid"]
    soon = certification.expires_at - timedelta(days=10)
    assert [s.state for s in my_training(world.agent, now=soon)] == ["expiring"]
    later = certification.expires_at + timedelta(seconds=1)
    assert [row.state for row in certifications_overview(world.trainer, now=later)] == ["expired"]


def test_a_policy_change_to_what_the_module_covers_calls_for_recertification(world, module):
    _pass(world, module)
    set_rule(world, world.experienced, "account_credit", green="90.00", stretch="180.00")  # not covered
    assert [s.state for s in my_training(world.agent)] == ["valid"]
    set_rule(world, world.experienced, "waive_fee", green="120.00", stretch="220.00")
    assert [s.state for s in my_training(world.agent)] == ["stale"]
    _pass(world, module)  # re-certified under the new policy
    assert [s.state for s in my_training(world.agent)] == ["valid"]


def test_a_waiver_certifies_without_the_quiz(world, module):
    certification = certification_waive(module=module, member=world.agent2, actor=world.trainer)
    assert certification.waived and certification.waived_by == world.trainer
    assert TierProposal.objects.get().member == world.agent2
    with pytest.raises(Forbidden):
        certification_waive(module=module, member=world.agent2, actor=world.lead)


def test_confirming_a_tier_already_held_is_refused(world, module):
    _pass(world, module)
    proposal = TierProposal.objects.get()
    from leeway.people.services import member_update

    member_update(member=world.agent, actor=world.admin, tier=world.experienced)
    with pytest.raises(Conflict) as refusal:
        tier_proposal_confirm(proposal=proposal, actor=world.lead)
    assert refusal.value.code == "tier_held"


def test_expiry_uses_calendar_months(world, module):
    with time_machine.travel(datetime(2027, 1, 31, 12, tzinfo=UTC), tick=False):
        module.validity_months = 1
        module.save()
        _pass(world, module)
    assert Certification.objects.get().expires_at.date().isoformat() == "2027-02-28"
