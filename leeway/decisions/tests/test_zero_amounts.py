"""A costed gesture for 0.00 is refused; a no-cost gesture is approved without claiming a charge."""

import pytest
from django.urls import reverse

from leeway.decisions.models import Decision
from leeway.decisions.services import decision_create
from leeway.decisions.tests.conftest import body
from leeway.people.tests.helpers import assert_error

DECISIONS = "/api/v1/decisions"
CHARGED = "charged to the company goodwill budget"


@pytest.fixture
def agent_client(api_client, world):
    api_client.authenticate(world.agent)
    return api_client


@pytest.mark.parametrize("amount", ["0", "0.00", "0.0"])
def test_a_costed_gesture_for_nothing_is_refused_and_nothing_is_recorded(agent_client, amount, counts):
    before = counts()
    error = assert_error(
        agent_client.post_json(DECISIONS, body(amount=amount)), 422, code="amount_zero", field="amount"
    )
    assert "above 0" in error["message"]
    assert counts() == before


def test_the_preview_refuses_it_too_so_the_console_shows_it_under_the_amount(agent_client, counts):
    before = counts()
    response = agent_client.post_json(f"{DECISIONS}/preview", body(amount="0.00"))
    assert_error(response, 422, code="amount_zero", field="amount")
    assert counts() == before


def test_the_refusal_speaks_the_callers_language(agent_client):
    response = agent_client.post_json(DECISIONS, body(amount="0.00"), headers={"Accept-Language": "es"})
    error = assert_error(response, 422, field="amount")
    assert "mayor que 0" in error["message"]


def test_a_no_cost_gesture_is_approved_and_says_it_charges_nothing(agent_client, world):
    response = agent_client.post_json(DECISIONS, body(gesture="rule_bend", amount="0.00"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["zone"], data["status"], data["protected"]) == ("green", "approved", True)
    assert CHARGED not in data["summary"].lower()
    assert "costs nothing" in data["summary"]
    decision = Decision.objects.get(public_id=data["id"])
    assert decision.base_amount == 0


def test_a_no_cost_gestures_page_does_not_claim_a_charge(client, world):
    decision = decision_create(
        member=world.agent,
        customer="C-1001",
        gesture="rule_bend",
        amount="0.00",
        currency="USD",
        reason="other",
    )
    client.force_login(world.agent)
    html = client.get(reverse("decisions:detail", args=[decision.public_id])).content.decode()
    assert CHARGED not in html.lower()
    assert "costs nothing" in html


def test_the_console_has_words_for_a_no_cost_confirmation(client, world):
    client.force_login(world.agent)
    html = client.get(reverse("decisions:console")).content.decode()
    assert "It costs nothing, so no budget is charged" in html
