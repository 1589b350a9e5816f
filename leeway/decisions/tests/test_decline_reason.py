"""A decline always carries a reason for the agent: required in the service, the API and the pages."""

import pytest
from django.urls import reverse

from leeway.core.errors import InvalidInput
from leeway.core.models import AuditEntry, OutboxEvent
from leeway.decisions.models import Decision, DecisionStatus
from leeway.decisions.services import decision_create, decision_decline
from leeway.decisions.tests.conftest import body
from leeway.people.tests.helpers import assert_error

DECISIONS = "/api/v1/decisions"


def pending(world) -> Decision:
    return decision_create(
        member=world.agent,
        customer="C-1001",
        gesture="waive_fee",
        amount="150.00",
        currency="USD",
        reason="loyalty",
    )


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_the_service_refuses_a_decline_without_a_reason(world, reason, counts):
    decision = pending(world)
    before = counts()
    with pytest.raises(InvalidInput) as error:
        decision_decline(decision=decision, member=world.lead, reason=reason)
    assert (error.value.code, error.value.field) == ("reason_required", "reason")
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PENDING
    assert counts() == before


def test_the_reason_is_stored_audited_and_sent_with_the_event(world):
    decision = decision_decline(decision=pending(world), member=world.lead, reason="  Refunded last week.  ")
    assert decision.decision_note == "Refunded last week."
    entry = AuditEntry.objects.get(action="decision.declined")
    assert entry.data["reason"] == "Refunded last week."
    event = OutboxEvent.objects.get(topic="decision.declined")
    assert event.payload["decline_reason"] == "Refunded last week."


@pytest.fixture
def pending_id(api_client, world) -> str:
    api_client.authenticate(world.agent)
    return api_client.post_json(DECISIONS, body(amount="150.00")).json()["id"]


@pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "   "}, {"reason": None}])
def test_the_api_refuses_a_missing_or_empty_reason_with_422_on_reason(
    api_client, world, pending_id, payload, counts
):
    api_client.authenticate(world.lead)
    before = counts()
    assert_error(api_client.post_json(f"{DECISIONS}/{pending_id}/decline", payload), 422, field="reason")
    assert counts() == before
    assert Decision.objects.get(public_id=pending_id).status == DecisionStatus.PENDING


def test_the_api_declines_with_a_reason_the_agent_can_read(api_client, world, pending_id):
    api_client.authenticate(world.lead)
    response = api_client.post_json(f"{DECISIONS}/{pending_id}/decline", {"reason": "Refunded last week."})
    assert response.status_code == 200, response.content
    assert response.json()["decision_note"] == "Refunded last week."
    api_client.authenticate(world.agent)
    seen = api_client.get_json(f"{DECISIONS}/{pending_id}").json()
    assert (seen["status"], seen["decision_note"]) == ("declined", "Refunded last week.")


def test_the_openapi_document_says_the_reason_is_required(api_client):
    schema = api_client.get("/api/v1/openapi.json").json()
    decline = schema["components"]["schemas"]["DeclineIn"]
    assert "reason" in decline["required"]
    assert decline["properties"]["reason"]["minLength"] == 1


def test_an_agent_or_another_organization_still_gets_403_or_404(api_client, world, other_world, pending_id):
    api_client.authenticate(world.agent)
    assert_error(api_client.post_json(f"{DECISIONS}/{pending_id}/decline", {"reason": "x"}), 403)
    api_client.authenticate(other_world.lead)
    assert_error(api_client.post_json(f"{DECISIONS}/{pending_id}/decline", {"reason": "x"}), 404)
    assert Decision.objects.get(public_id=pending_id).status == DecisionStatus.PENDING


def test_the_queue_refuses_an_empty_reason_and_says_why(client, world):
    decision = pending(world)
    client.force_login(world.lead)
    response = client.post(
        reverse("decisions:decline", args=[decision.public_id]),
        {"reason": " "},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "Give the agent a reason for declining" in html
    assert f"request-{decision.public_id}" in html  # still waiting in the queue
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PENDING


def test_the_decline_fields_are_required_in_the_page(client, world):
    decision = pending(world)
    client.force_login(world.lead)
    for url in (reverse("decisions:queue"), reverse("decisions:detail", args=[decision.public_id])):
        html = client.get(url).content.decode()
        start = html.index('name="reason"')
        assert " required" in html[start : html.index(">", start)], url


def test_the_agent_reads_the_reason_on_the_decisions_page(client, world):
    decision = decision_decline(decision=pending(world), member=world.lead, reason="Refunded last week.")
    client.force_login(world.agent)
    html = client.get(reverse("decisions:detail", args=[decision.public_id])).content.decode()
    assert "Reason for declining" in html and "Refunded last week." in html
