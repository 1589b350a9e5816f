"""API.md's contract on the demo data, as an integration would see it."""

import pytest

from leeway.people.models import Member
from leeway.people.tests.helpers import assert_error

DECISIONS = "/api/v1/decisions"


def post(client, amount, **extra):
    data = {
        "customer": "C-1001",
        "gesture": "waive_fee",
        "amount": amount,
        "currency": "USD",
        "reason": "billing_error",
        "note": "free text",
        "justification": "",
        "interaction_ref": "CALL-778",
    }
    data.update(extra)
    return client.post_json(DECISIONS, data)


@pytest.fixture
def token_for(demo, api_client):
    def login(username):
        response = api_client.post_json(
            "/api/v1/auth/token", {"username": username, "password": "demo-pass-1"}
        )
        assert response.status_code == 200, response.content
        api_client.token = response.json()["token"]
        return api_client

    return login


def test_the_demo_agent_gets_api_md_zones_and_budget(token_for):
    client = token_for("aurora-agent")
    green = post(client, "50.00")
    assert (green.status_code, green.json()["zone"], green.json()["status"]) == (201, "green", "approved")
    assert_error(post(client, "50.01"), 422, field="justification")
    amber = post(client, "50.01", justification="Outage week.")
    assert (amber.json()["zone"], amber.json()["protected"]) == ("amber", True)
    red = post(client, "100.01")
    assert (red.json()["zone"], red.json()["status"]) == ("red", "pending")
    assert post(client, "0", gesture="rule_bend").json()["zone"] == "green"
    # 100.01 spent of the agent's 200.00 today: 99.99 more is green, then the budget binds.
    assert post(client, "49.99", customer="C-1002").json()["zone"] == "green"
    assert post(client, "50.00", customer="C-1003").json()["zone"] == "green"
    over = post(client, "0.01", customer="C-1004").json()
    assert over["zone"] == "red"
    agent_budget = next(b for b in client.get_json("/api/v1/me").json()["budgets"] if b["scope"] == "agent")
    assert (agent_budget["period"], agent_budget["cap"], agent_budget["remaining"]) == (
        "day",
        "200.00",
        "0.00",
    )

    lead = token_for("aurora-lead")
    pending = lead.get_json(DECISIONS, status="pending").json()
    assert {item["id"] for item in pending["items"]} == {red.json()["id"], over["id"]}
    approved = lead.post_json(f"{DECISIONS}/{red.json()['id']}/approve", {"note": "Go ahead."})
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    assert_error(lead.post_json(f"{DECISIONS}/{red.json()['id']}/approve", {"note": ""}), 409)

    casa = token_for("casa-agent")
    assert_error(casa.get_json(f"{DECISIONS}/{over['id']}"), 404)
    assert_error(casa.post_json(f"{DECISIONS}/{over['id']}/approve", {"note": ""}), 404)


def test_the_spanish_speaking_agent_reads_reasons_in_spanish_by_organization_default(token_for):
    client = token_for("casa-agent")
    member = Member.objects.get(username="casa-agent")
    assert member.organization.base_currency == "EUR"
    response = client.post_json(
        f"{DECISIONS}/preview",
        {"customer": _first_customer(member), "gesture": "waive_fee", "amount": "10.00", "currency": "EUR"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["reasons"][0]["message"].startswith("Dentro de tu límite verde")


def _first_customer(member) -> str:
    from leeway.customers.models import Customer

    return Customer.objects.filter(organization_id=member.organization_id).values_list(
        "external_id", flat=True
    )[0]
