"""The demo customers: API.md's C-1001 … C-1200 with histories and values, idempotent."""

import pytest
from django.core.management import call_command

from leeway.customers.models import Customer, Outcome, Purchase
from leeway.people.models import Member
from leeway.value.models import ValueRun

pytestmark = pytest.mark.django_db


def test_aurora_has_its_customers_with_two_years_of_purchases_and_values(demo):
    aurora, casa = demo["aurora"], demo["casa-azul"]
    ids = set(Customer.objects.filter(organization=aurora).values_list("external_id", flat=True))
    assert {f"C-{n}" for n in range(1001, 1201)} <= ids
    assert (
        not Customer.objects.filter(organization=aurora, external_id__startswith="C-1", purchases=None)
        .exclude(external_id="C-1201")
        .exists()
    )
    languages = set(Customer.objects.filter(organization=aurora).values_list("language", flat=True))
    assert languages == {"en", "es"}
    first, last = (
        Purchase.objects.filter(organization=aurora).order_by(order).values_list("occurred_on", flat=True)[0]
        for order in ("occurred_on", "-occurred_on")
    )
    assert 600 <= (last - first).days <= 731
    assert set(Purchase.objects.filter(organization=aurora).values_list("currency", flat=True)) == {"USD"}
    valued = Customer.objects.filter(organization=aurora, predicted_clv__isnull=False)
    # API.md's 200 (the insights demo adds customers of its own, valued too).
    assert valued.filter(external_id__in=[f"C-{n}" for n in range(1001, 1201)]).count() == 200
    assert Customer.objects.get(organization=aurora, external_id="C-1201").predicted_clv is None
    assert Customer.objects.filter(organization=casa, external_id__startswith="CA-2").count() == 60
    assert set(Purchase.objects.filter(organization=casa).values_list("currency", flat=True)) == {"EUR"}
    assert Customer.objects.filter(organization=casa, predicted_clv__isnull=False).count() == 60
    assert Outcome.objects.filter(organization=aurora).exists()


def test_the_demo_card_shows_a_value(demo, api_client):
    api_client.authenticate(Member.objects.get(username="aurora-agent"))
    card = api_client.get_json("/api/v1/customers/C-1001").json()
    assert card["value"]["currency"] == "USD"
    assert float(card["value"]["predicted_clv"]) >= 0
    assert 0 <= card["value"]["probability_alive"] <= 1


def test_loading_the_demo_twice_changes_nothing(demo):
    counts = (
        Customer.objects.count(),
        Purchase.objects.count(),
        Outcome.objects.count(),
        ValueRun.objects.count(),
    )
    values = dict(Customer.objects.values_list("pk", "predicted_clv"))
    call_command("demo-data", verbosity=0)
    assert (
        Customer.objects.count(),
        Purchase.objects.count(),
        Outcome.objects.count(),
        ValueRun.objects.count(),
    ) == counts
    assert dict(Customer.objects.values_list("pk", "predicted_clv")) == values
