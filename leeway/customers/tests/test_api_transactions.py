"""POST /api/v1/customers/{external_id}/transactions: one purchase or a batch, all or nothing."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from leeway.core.models import AuditEntry, OutboxEvent
from leeway.customers.models import Purchase
from leeway.customers.tests.factories import CustomerFactory
from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory
from leeway.people.tests.helpers import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/C-1001/transactions"


@pytest.fixture
def customer(aurora):
    return CustomerFactory(organization=aurora, external_id="C-1001")


def test_it_records_one_purchase_in_the_base_currency(api_client, analyst, customer):
    api_client.authenticate(analyst)
    response = api_client.post_json(URL, {"date": "2024-03-01", "amount": "42.50", "currency": "USD"})
    assert response.status_code == 201, response.content
    assert response.json() == {
        "customer": "C-1001",
        "created": 1,
        "transactions": [
            {
                "date": "2024-03-01",
                "amount": "42.50",
                "currency": "USD",
                "base_amount": "42.50",
                "base_currency": "USD",
            }
        ],
    }
    purchase = Purchase.objects.get()
    assert (purchase.customer, purchase.occurred_on, purchase.base_amount) == (
        customer,
        dt.date(2024, 3, 1),
        Decimal("42.50"),
    )
    assert AuditEntry.objects.filter(action="purchases.recorded").count() == 1
    assert OutboxEvent.objects.filter(topic="purchases.recorded").count() == 1


def test_a_foreign_currency_is_converted_with_the_organizations_rate(api_client, analyst, customer):
    from leeway.policy.models import ExchangeRate

    ExchangeRate.objects.create(organization=customer.organization, currency="EUR", rate=Decimal("1.10"))
    api_client.authenticate(analyst)
    response = api_client.post_json(URL, {"date": "2024-03-01", "amount": "100.00", "currency": "eur"})
    assert response.status_code == 201, response.content
    row = response.json()["transactions"][0]
    assert (row["currency"], row["base_amount"]) == ("EUR", "110.00")


def test_an_unknown_currency_is_refused(api_client, analyst, customer):
    api_client.authenticate(analyst)
    response = api_client.post_json(URL, {"date": "2024-03-01", "amount": "10.00", "currency": "XTS"})
    assert_error(response, 422, code="unknown_currency", field="currency")
    assert not Purchase.objects.exists()


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"date": "2024-03-01", "amount": "-5.00", "currency": "USD"}, "amount_negative", "amount"),
        ({"date": "2024-03-01", "amount": "ten", "currency": "USD"}, "amount_not_a_number", "amount"),
        ({"date": "2024-03-01", "amount": "NaN", "currency": "USD"}, "amount_not_a_number", "amount"),
        ({"date": "2024-03-01", "amount": 10.5, "currency": "USD"}, "amount_not_string", "amount"),
        ({"date": "2024-03-01", "amount": "1.005", "currency": "USD"}, "amount_too_precise", "amount"),
        ({"date": "2024-03-01", "amount": "1000000000000", "currency": "USD"}, "amount_too_large", "amount"),
        ({"date": "01/03/2024", "amount": "1.00", "currency": "USD"}, "invalid_date", "date"),
        ({"date": "2024-02-30", "amount": "1.00", "currency": "USD"}, "invalid_date", "date"),
        ({"amount": "1.00", "currency": "USD"}, "required", "date"),
        ({"date": "2024-03-01", "amount": "1.00", "currency": "dollars"}, "invalid_currency", "currency"),
    ],
)
def test_bad_values_are_refused_with_the_field(api_client, analyst, customer, body, code, field):
    api_client.authenticate(analyst)
    assert_error(api_client.post_json(URL, body), 422, code=code, field=field)
    assert not Purchase.objects.exists()


@time_machine.travel(dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC))
def test_a_purchase_in_the_future_is_refused(api_client, analyst, customer):
    api_client.authenticate(analyst)
    response = api_client.post_json(URL, {"date": "2024-06-05", "amount": "1.00", "currency": "USD"})
    assert_error(response, 422, code="date_out_of_range", field="date")


def test_a_batch_is_all_or_nothing(api_client, analyst, customer):
    api_client.authenticate(analyst)
    rows = [{"date": f"2024-03-{day:02d}", "amount": "10.00", "currency": "USD"} for day in range(1, 6)]
    rows[4]["amount"] = "-1"
    response = api_client.post_json(URL, {"transactions": rows})
    assert_error(response, 422, code="amount_negative", field="transactions[4].amount")
    assert not Purchase.objects.exists()
    rows[4]["amount"] = "1.00"
    response = api_client.post_json(URL, {"transactions": rows})
    assert response.status_code == 201
    assert response.json()["created"] == 5
    assert Purchase.objects.count() == 5


def test_a_batch_refuses_the_same_purchase_twice(api_client, analyst, customer):
    api_client.authenticate(analyst)
    row = {"date": "2024-03-01", "amount": "10.00", "currency": "USD"}
    response = api_client.post_json(URL, {"transactions": [row, dict(row)]})
    assert_error(response, 422, code="duplicate_row", field="transactions[1].date")
    assert not Purchase.objects.exists()


def test_it_needs_authentication(api_client, customer):
    assert_error(api_client.post_json(URL, {}), 401)


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD, Role.MANAGER, Role.TRAINER])
def test_only_admins_and_analysts_record_purchases(api_client, aurora, customer, role):
    api_client.authenticate(MemberFactory(organization=aurora, role=role))
    body = {"date": "2024-03-01", "amount": "1.00", "currency": "USD"}
    assert_error(api_client.post_json(URL, body), 403)
    assert not Purchase.objects.exists()


def test_another_organizations_customer_is_not_found(api_client, casa, casa_analyst, customer):
    api_client.authenticate(casa_analyst)
    body = {"date": "2024-03-01", "amount": "1.00", "currency": "EUR"}
    assert_error(api_client.post_json(URL, body), 404, code="not_found")
    assert not Purchase.objects.exists()
