"""Track record: protected decisions, no upheld concern, good outcomes → proposed for a tier, never lower."""

from django.utils import timezone

from leeway.alignment.models import Dispute, DisputeOutcome, Feedback
from leeway.customers.models import Outcome
from leeway.decisions.services import decision_create
from leeway.training.models import TierProposal
from leeway.training.services import track_record, track_record_proposals, training_settings_update
from leeway.training.tasks import track_record_all


def _decide(world, amount="20.00"):
    return decision_create(
        member=world.agent,
        customer="C-1001",
        gesture="waive_fee",
        amount=amount,
        currency="USD",
        reason="billing_error",
        justification="Billed twice." if amount != "20.00" else "",
    )


def _outcome(world, decision, kind="retained", score=None):
    return Outcome.objects.create(
        organization=world.organization,
        customer=decision.customer,
        kind=kind,
        score=score,
        decision=decision,
        occurred_at=timezone.now(),
    )


def _settings(world, **values):
    return training_settings_update(
        actor=world.admin,
        **{"track_record_decisions": 3, "track_record_days": 30, "good_outcome_percent": 60} | values,
    )


def test_an_agent_with_a_good_record_is_proposed_for_the_next_tier(world):
    rule = _settings(world)
    decisions = [_decide(world) for _ in range(3)]
    _outcome(world, decisions[0])
    _outcome(world, decisions[1], kind="csat", score=5)
    _outcome(world, decisions[2], kind="churned")
    record = track_record(world.agent, rule=rule, now=timezone.now())
    assert record == {
        "protected_decisions": 3,
        "upheld_concerns": 0,
        "outcomes": 3,
        "good_outcome_percent": 67,
        "window_days": 30,
        "met": True,
    }
    (proposal,) = track_record_proposals(organization=world.organization)
    assert proposal.member == world.agent and proposal.to_tier == world.experienced
    assert proposal.source == "track_record" and proposal.evidence["protected_decisions"] == 3
    world.agent.refresh_from_db()
    assert world.agent.tier.code == "starter"  # the lead confirms; nothing is automatic
    assert track_record_proposals(organization=world.organization) == []  # one open proposal at a time


def test_too_few_decisions_or_poor_outcomes_propose_nothing(world):
    rule = _settings(world)
    first, second = _decide(world), _decide(world)
    _outcome(world, first)
    assert track_record(world.agent, rule=rule, now=timezone.now())["met"] is False
    _outcome(world, _decide(world), kind="churned")
    _outcome(world, second, kind="churned")
    record = track_record(world.agent, rule=rule, now=timezone.now())
    assert record["good_outcome_percent"] == 33 and record["met"] is False
    assert track_record_proposals(organization=world.organization) == []


def test_an_upheld_concern_holds_the_proposal_back_until_a_dispute_overturns_it(world):
    rule = _settings(world)
    decisions = [_decide(world) for _ in range(3)]
    _outcome(world, decisions[0])
    declined = _decide(world, amount="150.00")  # red: a request
    feedback = Feedback.objects.create(
        organization=world.organization,
        decision=declined,
        author=world.lead,
        agent=world.agent,
        kind="correction",
        message="Not this one.",
        created_at=timezone.now(),
    )
    assert track_record(world.agent, rule=rule, now=timezone.now())["upheld_concerns"] == 1
    assert track_record_proposals(organization=world.organization) == []
    Dispute.objects.create(
        organization=world.organization,
        feedback=feedback,
        agent=world.agent,
        comment="It was fine.",
        created_at=timezone.now(),
        outcome=DisputeOutcome.UPHELD,
    )
    assert track_record(world.agent, rule=rule, now=timezone.now())["met"] is True


def test_the_daily_job_proposes_in_every_organization(world, other_world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    _settings(world)
    for decision in [_decide(world) for _ in range(3)]:
        _outcome(world, decision)
    result = track_record_all.call()
    assert result == {"aurora": 1, "casa-azul": 0}
    assert TierProposal.objects.get().organization == world.organization


def test_the_top_tier_has_nowhere_higher_to_go(world):
    from leeway.people.services import member_update

    _settings(world)
    member_update(member=world.agent, actor=world.admin, tier=world.experienced)
    for decision in [_decide(world) for _ in range(3)]:
        _outcome(world, decision)
    assert track_record_proposals(organization=world.organization) == []


def test_the_daily_round_is_queued_only_after_a_day_with_protected_decisions(world, monkeypatch):
    from types import SimpleNamespace

    from leeway.training import tasks

    enqueued = []
    monkeypatch.setattr(tasks, "track_record_all", SimpleNamespace(enqueue=lambda: enqueued.append(1)))
    assert tasks.track_record_enqueue() is False
    _decide(world)
    assert tasks.track_record_enqueue() is True
    assert enqueued == [1]
