"""POST /api/v1/outcomes: what happened after (retained, renewed, churned, purchase, csat)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from leeway.core.models import AuditEntry, OutboxEvent
from leeway.customers.models import Outcome, Purchase
from leeway.customers.tests.factories import CustomerFactory
from leeway.people.models import Member, Role
from leeway.people.tests.factories import MemberFactory
from leeway.people.tests.helpers import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/outcomes"


@pytest.fixture
def customer(aurora):
    return CustomerFactory(organization=aurora, external_id="C-1001")


@time_machine.travel(dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC), tick=False)
def test_an_agent_records_a_satisfaction_score(api_client, agent, customer):
    api_client.authenticate(agent)
    response = api_client.post_json(URL, {"customer": "C-1001", "kind": "csat", "value": 5})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "id": body["id"],
        "customer": "C-1001",
        "kind": "csat",
        "value": 5,
        "currency": None,
        "decision": None,
        "occurred_at": "2024-06-01T12:00:00+00:00",
    }
    outcome = Outcome.objects.get()
    assert (outcome.score, outcome.recorded_by, outcome.customer) == (5, agent, customer)
    assert AuditEntry.objects.filter(action="outcome.recorded").count() == 1
    assert OutboxEvent.objects.get(topic="outcome.recorded").payload["kind"] == "csat"


def test_a_score_may_come_as_a_string(api_client, agent, customer):
    api_client.authenticate(agent)
    response = api_client.post_json(URL, {"customer": "C-1001", "kind": "csat", "value": "4"})
    assert response.status_code == 201
    assert response.json()["value"] == 4


@pytest.mark.parametrize("value", [0, 6, -1, "abc", 4.5, None, True, "10"])
def test_a_score_is_a_whole_number_from_1_to_5(api_client, agent, customer, value):
    api_client.authenticate(agent)
    response = api_client.post_json(URL, {"customer": "C-1001", "kind": "csat", "value": value})
    assert_error(response, 422, code="invalid_score", field="value")
    assert not Outcome.objects.exists()


@pytest.mark.parametrize("kind", ["retained", "renewed", "churned"])
def test_status_outcomes_take_no_value(api_client, agent, customer, kind):
    api_client.authenticate(agent)
    assert api_client.post_json(URL, {"customer": "C-1001", "kind": kind}).status_code == 201
    response = api_client.post_json(URL, {"customer": "C-1001", "kind": kind, "value": "5"})
    assert_error(response, 422, code="value_not_allowed", field="value")
    assert Outcome.objects.count() == 1


def test_a_purchase_outcome_is_also_a_purchase(api_client, agent, customer):
    api_client.authenticate(agent)
    body = {
        "customer": "C-1001",
        "kind": "purchase",
        "value": "80.00",
        "occurred_at": "2024-03-02T23:30:00-07:00",
    }
    response = api_client.post_json(URL, body)
    assert response.status_code == 201, response.content
    assert (response.json()["value"], response.json()["currency"]) == ("80.00", "USD")
    purchase = Purchase.objects.get()
    # Dated in the organization's time zone (America/Denver), not in UTC.
    assert (purchase.amount, purchase.base_amount, purchase.occurred_on) == (
        Decimal("80.00"),
        Decimal("80.00"),
        dt.date(2024, 3, 2),
    )
    assert Outcome.objects.get().purchase == purchase


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("-1.00", "amount_negative"),
        ("lots", "amount_not_a_number"),
        (12.5, "amount_not_string"),
        (None, "amount_required"),
    ],
)
def test_a_purchase_outcome_needs_an_amount(api_client, agent, customer, value, code):
    api_client.authenticate(agent)
    response = api_client.post_json(URL, {"customer": "C-1001", "kind": "purchase", "value": value})
    assert_error(response, 422, code=code, field="value")
    assert not Purchase.objects.exists()


def test_an_unknown_kind_is_refused(api_client, agent, customer):
    api_client.authenticate(agent)
    assert_error(
        api_client.post_json(URL, {"customer": "C-1001", "kind": "happy"}), 422, "invalid_kind", "kind"
    )


def test_an_unknown_customer_is_refused(api_client, agent, casa):
    CustomerFactory(organization=casa, external_id="CA-2001")
    api_client.authenticate(agent)
    for external_id in ("NOPE", "CA-2001"):
        response = api_client.post_json(URL, {"customer": external_id, "kind": "retained"})
        assert_error(response, 422, code="unknown_customer", field="customer")
    assert_error(api_client.post_json(URL, {"kind": "retained"}), 422, code="required", field="customer")
    assert not Outcome.objects.exists()


@time_machine.travel(dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC), tick=False)
def test_the_time_must_be_valid_and_not_in_the_future(api_client, agent, customer):
    api_client.authenticate(agent)
    body = {"customer": "C-1001", "kind": "retained"}
    assert_error(
        api_client.post_json(URL, {**body, "occurred_at": "yesterday"}),
        422,
        "invalid_datetime",
        "occurred_at",
    )
    assert_error(
        api_client.post_json(URL, {**body, "occurred_at": "2024-06-10T00:00:00Z"}), 422, "date_out_of_range"
    )
    response = api_client.post_json(URL, {**body, "occurred_at": "2024-05-01"})
    assert response.status_code == 201
    assert response.json()["occurred_at"].startswith("2024-05-01T")


def test_it_needs_authentication(api_client, customer):
    assert_error(api_client.post_json(URL, {"customer": "C-1001", "kind": "retained"}), 401)


def test_trainers_cannot_record_outcomes(api_client, aurora, customer):
    api_client.authenticate(MemberFactory(organization=aurora, role=Role.TRAINER))
    assert_error(api_client.post_json(URL, {"customer": "C-1001", "kind": "retained"}), 403)


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN, Role.ANALYST])
def test_every_customer_facing_role_records_outcomes(api_client, aurora, customer, role):
    api_client.authenticate(MemberFactory(organization=aurora, role=role))
    assert api_client.post_json(URL, {"customer": "C-1001", "kind": "renewed"}).status_code == 201


class TestDecisionLinks:
    """An outcome may name the decision it follows, only one of the caller's organization."""

    @pytest.fixture
    def decisions(self, demo, api_client):
        ids = {}
        for username, customer, currency in [
            ("aurora-agent", "C-1001", "USD"),
            ("casa-agent", "CA-2001", "EUR"),
        ]:
            api_client.authenticate(Member.objects.get(username=username))
            response = api_client.post_json(
                "/api/v1/decisions",
                {
                    "customer": customer,
                    "gesture": "waive_fee",
                    "amount": "10.00",
                    "currency": currency,
                    "reason": "billing_error",
                    "note": "",
                },
            )
            assert response.status_code == 201, response.content
            ids[username] = response.json()["id"]
        api_client.authenticate(Member.objects.get(username="aurora-agent"))
        return ids

    def test_an_outcome_links_a_decision_of_the_same_organization(self, api_client, decisions):
        body = {"customer": "C-1001", "kind": "retained", "decision": decisions["aurora-agent"]}
        response = api_client.post_json(URL, body)
        assert response.status_code == 201, response.content
        assert response.json()["decision"] == decisions["aurora-agent"]
        assert (
            str(Outcome.objects.get(decision__isnull=False).decision.public_id) == decisions["aurora-agent"]
        )

    def test_another_organizations_decision_is_not_found(self, api_client, decisions):
        before = Outcome.objects.count()
        body = {"customer": "C-1001", "kind": "retained", "decision": decisions["casa-agent"]}
        assert_error(api_client.post_json(URL, body), 404, field="decision")
        body["decision"] = "00000000-0000-0000-0000-000000000000"
        assert_error(api_client.post_json(URL, body), 404, field="decision")
        assert Outcome.objects.count() == before

    def test_the_decision_must_be_for_the_same_customer(self, api_client, decisions):
        body = {"customer": "C-1002", "kind": "retained", "decision": decisions["aurora-agent"]}
        assert_error(
            api_client.post_json(URL, body), 422, code="decision_customer_mismatch", field="decision"
        )

    def test_the_customer_card_lists_recent_decisions(self, api_client, decisions):
        card = api_client.get_json("/api/v1/customers/C-1001").json()
        assert [d["id"] for d in card["recent_decisions"]] == [decisions["aurora-agent"]]
        assert card["value"]["currency"] == "USD"

    def test_the_customer_page_timeline_shows_the_gesture_and_its_outcome(
        self, client, api_client, decisions
    ):
        api_client.post_json(
            URL, {"customer": "C-1001", "kind": "csat", "value": 5, "decision": decisions["aurora-agent"]}
        )
        client.force_login(Member.objects.get(username="aurora-agent"))
        html = client.get("/customers/C-1001/").content.decode()
        assert "Gesture" in html and "5 of 5" in html and "after a gesture" in html
