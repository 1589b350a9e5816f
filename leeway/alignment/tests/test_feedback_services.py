"""Invariant 4 in the service: a protected decision gets praise or coaching, never negative feedback."""

import pytest

from leeway.alignment.models import BackingEvent, Feedback, PolicyProposal
from leeway.alignment.services import concern_raise, feedback_give
from leeway.core.errors import Forbidden, InvalidInput, NotFound
from leeway.core.models import AuditEntry, OutboxEvent

from .conftest import make_decision


def test_a_lead_praises_a_protected_decision_with_an_audit_entry_and_an_event(world, protected):
    feedback = feedback_give(decision=protected, author=world.lead, kind="praise", message="Well handled.")
    assert feedback.agent == world.agent and feedback.decision_protected
    assert AuditEntry.objects.filter(action="feedback.given", object_id=str(feedback.pk)).exists()
    event = OutboxEvent.objects.get(topic="feedback.given")
    assert event.payload["decision"] == str(protected.public_id)
    assert event.payload["agent"] == world.agent.first_name


@pytest.mark.parametrize("behaviour", ["human_error", "at_risk"])
def test_coaching_follows_just_culture_on_a_protected_decision(world, protected, behaviour):
    feedback = feedback_give(
        decision=protected, author=world.manager, kind="coaching", behaviour=behaviour, message="Next time…"
    )
    assert feedback.behaviour == behaviour


@pytest.mark.parametrize(
    ("kind", "behaviour", "field"),
    [("correction", "", "kind"), ("correction", "reckless", "kind"), ("coaching", "reckless", "behaviour")],
)
def test_negative_feedback_on_a_protected_decision_is_refused_and_counted_on_the_author(
    world, protected, kind, behaviour, field
):
    with pytest.raises(InvalidInput) as refused:
        feedback_give(
            decision=protected, author=world.lead, kind=kind, behaviour=behaviour, message="Bad call."
        )
    assert refused.value.code == "decision_protected" and refused.value.field == field
    assert not Feedback.objects.exists()
    event = BackingEvent.objects.get()
    assert (event.member, event.decision, event.kind) == (world.lead, protected, "negative_feedback_refused")
    assert AuditEntry.objects.filter(
        action="backing.negative_feedback_refused", actor_id=world.lead.pk
    ).exists()


def test_a_declined_request_may_be_corrected(world, pending):
    from leeway.decisions.services import decision_decline

    declined = decision_decline(decision=pending, member=world.lead, reason="Beyond the cap.")
    feedback = feedback_give(
        decision=declined, author=world.lead, kind="correction", behaviour="reckless", message="Never this."
    )
    assert not feedback.decision_protected
    assert not BackingEvent.objects.exists()


def test_coaching_needs_a_behaviour_and_praise_none(world, protected):
    with pytest.raises(InvalidInput) as missing:
        feedback_give(decision=protected, author=world.lead, kind="coaching", message="Hm.")
    assert missing.value.field == "behaviour"
    with pytest.raises(InvalidInput):
        feedback_give(
            decision=protected, author=world.lead, kind="praise", behaviour="at_risk", message="Hm."
        )
    with pytest.raises(InvalidInput) as empty:
        feedback_give(decision=protected, author=world.lead, kind="praise", message="   ")
    assert empty.value.field == "message"


def test_who_may_give_feedback(world, protected, other_world):
    with pytest.raises(Forbidden):
        feedback_give(decision=protected, author=world.agent2, kind="praise", message="Nice")
    with pytest.raises(Forbidden):
        feedback_give(decision=protected, author=world.other_lead, kind="praise", message="Nice")
    with pytest.raises(NotFound):
        feedback_give(decision=protected, author=other_world.lead, kind="praise", message="Nice")
    feedback_give(decision=protected, author=world.admin, kind="praise", message="Nice")


def test_a_concern_becomes_a_policy_proposal_and_counts_on_the_raiser(world, protected):
    proposal = concern_raise(
        decision=protected, member=world.manager, text="Fee waivers above 20 need a note."
    )
    assert PolicyProposal.objects.get() == proposal
    assert proposal.decision == protected and proposal.status == "open"
    assert not Feedback.objects.exists()  # nothing lands on the agent
    assert BackingEvent.objects.get().kind == "concern"
    assert OutboxEvent.objects.filter(topic="policy.proposal_raised").count() == 1


def test_a_concern_needs_a_protected_decision(world, pending):
    with pytest.raises(InvalidInput) as refused:
        concern_raise(decision=pending, member=world.lead, text="Too much")
    assert refused.value.code == "not_protected"


def test_a_protected_decision_stays_protected_when_approved_after_loading(world, pending):
    from leeway.decisions.services import decision_approve

    stale = pending
    decision_approve(decision=pending, member=world.lead)
    with pytest.raises(InvalidInput):
        feedback_give(decision=stale, author=world.manager, kind="correction", message="No.")
    assert make_decision(world, customer="C-1002").protected


def test_a_pending_request_takes_no_correction_since_it_may_become_protected(world, pending):
    with pytest.raises(InvalidInput) as refused:
        feedback_give(decision=pending, author=world.lead, kind="correction", message="Too much")
    assert refused.value.code == "decision_pending"
    with pytest.raises(InvalidInput):
        feedback_give(
            decision=pending, author=world.lead, kind="coaching", behaviour="reckless", message="No"
        )
    feedback_give(
        decision=pending, author=world.lead, kind="coaching", behaviour="at_risk", message="Ask first"
    )
    assert not BackingEvent.objects.exists()
