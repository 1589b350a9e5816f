"""The customer card and page list the customer's decisions: the decisions app provides them (core.hooks)."""

import pytest
from django.urls import reverse

from leeway.customers import selectors as customer_selectors
from leeway.decisions.models import Decision
from leeway.decisions.tests.conftest import body


@pytest.fixture
def agent_client(api_client, world):
    api_client.authenticate(world.agent)
    return api_client


def test_the_card_lists_the_customers_latest_decisions_newest_first(agent_client, world):
    first = agent_client.post_json("/api/v1/decisions", body(amount="10.00")).json()
    second = agent_client.post_json("/api/v1/decisions", body(amount="100.01")).json()
    agent_client.post_json("/api/v1/decisions", body(customer="C-1002"))

    card = agent_client.get_json("/api/v1/customers/C-1001").json()

    assert [d["id"] for d in card["recent_decisions"]] == [second["id"], first["id"]]
    assert [(d["zone"], d["status"], d["amount"]) for d in card["recent_decisions"]] == [
        ("red", "pending", "100.01"),
        ("green", "approved", "10.00"),
    ]
    assert Decision.objects.filter(customer=world.customer).count() == 2


def test_the_card_shows_at_most_five_decisions(agent_client, world):
    for cents in range(6):
        assert agent_client.post_json("/api/v1/decisions", body(amount=f"1.0{cents}")).status_code == 201
    card = agent_client.get_json("/api/v1/customers/C-1001").json()
    assert [d["amount"] for d in card["recent_decisions"]] == ["1.05", "1.04", "1.03", "1.02", "1.01"]


def test_another_organizations_decisions_never_reach_the_card(api_client, world, other_world):
    api_client.authenticate(other_world.agent)
    assert api_client.post_json("/api/v1/decisions", body(currency="EUR")).status_code == 201
    api_client.authenticate(world.agent)
    assert api_client.get_json("/api/v1/customers/C-1001").json()["recent_decisions"] == []


def test_the_customer_page_timeline_shows_the_gesture(client, agent_client, world):
    agent_client.post_json("/api/v1/decisions", body(amount="12.34"))
    client.force_login(world.agent)
    html = client.get(reverse("customers:detail", args=["C-1001"])).content.decode()
    assert 'class="timeline-decision"' in html
    assert "Waive Fee" in html and "$12.34" in html


def test_the_decisions_app_provides_the_customer_hooks():
    assert customer_selectors.recent_decisions.reader is not None
    assert customer_selectors.recent_decision_payloads.reader is not None
