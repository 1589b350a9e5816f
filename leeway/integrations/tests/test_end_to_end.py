"""An agent's decision, recorded through the API, reaches its organization's receiver signed, no other."""

from standardwebhooks import Webhook

from leeway.decisions.tests.conftest import body, build_world
from leeway.integrations.services import delivery_round, webhook_endpoint_create
from leeway.people.tests.factories import OrganizationFactory


def test_an_approved_decision_reaches_the_receiver(db, aurora, api_client, receiver, second_receiver):
    world = build_world(aurora)
    other = build_world(
        OrganizationFactory(
            slug="casa-azul", name="Casa Azul", base_currency="EUR", time_zone="Europe/Madrid"
        ),
        prefix="casa-",
    )
    endpoint = webhook_endpoint_create(
        organization=aurora, actor=world.admin, url=receiver.url, topics=["decision.approved"]
    )
    webhook_endpoint_create(
        organization=other.organization,
        actor=other.admin,
        url=second_receiver.url,
        topics=["decision.approved"],
    )
    api_client.authenticate(world.agent)
    response = api_client.post_json("/api/v1/decisions", body())
    assert response.status_code == 201, response.content
    decision = response.json()

    delivery_round()

    (request,) = receiver.requests
    payload = Webhook(endpoint.secret).verify(request["body"], request["headers"])
    assert payload["type"] == "decision.approved"
    assert payload["data"]["id"] == decision["id"]
    assert payload["data"]["amount"] == "25.00" and payload["data"]["zone"] == "green"
    assert second_receiver.requests == []
