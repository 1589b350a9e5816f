"""Purchases and outcomes read amounts with the one strict parser: API, outcomes and CSV imports alike."""

from decimal import Decimal

import pytest

from leeway.core.models import AuditEntry, OutboxEvent
from leeway.core.tests.amount_spellings import ACCEPTED, NOT_A_NUMBER
from leeway.customers.imports import import_file, import_job_create
from leeway.customers.models import Outcome, Purchase
from leeway.customers.tests.factories import CustomerFactory
from leeway.people.tests.helpers import assert_error

pytestmark = pytest.mark.django_db

# A NUL inside a JSON string is refused before any field is read (test_null_characters.py).
JSON_NOT_A_NUMBER = [text for text in NOT_A_NUMBER if "\x00" not in text]


@pytest.fixture
def customer(aurora):
    return CustomerFactory(organization=aurora, external_id="C-1001")


def recorded() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Purchase, Outcome, AuditEntry, OutboxEvent))


@pytest.mark.parametrize("text", JSON_NOT_A_NUMBER)
def test_a_purchase_amount_in_another_spelling_is_refused(api_client, analyst, customer, text):
    api_client.authenticate(analyst)
    before = recorded()
    response = api_client.post_json(
        "/api/v1/customers/C-1001/transactions", {"date": "2024-03-01", "amount": text, "currency": "USD"}
    )
    assert_error(response, 422, code="amount_not_a_number", field="amount")
    assert recorded() == before


@pytest.mark.parametrize("text", JSON_NOT_A_NUMBER)
def test_a_purchase_outcome_in_another_spelling_is_refused(api_client, agent, customer, text):
    api_client.authenticate(agent)
    before = recorded()
    response = api_client.post_json(
        "/api/v1/outcomes", {"customer": "C-1001", "kind": "purchase", "value": text}
    )
    assert_error(response, 422, code="amount_not_a_number", field="value")
    assert recorded() == before


@pytest.mark.parametrize(("text", "amount"), ACCEPTED[:4])
def test_a_purchase_outcome_takes_a_decimal_string(api_client, agent, customer, text, amount):
    api_client.authenticate(agent)
    response = api_client.post_json(
        "/api/v1/outcomes", {"customer": "C-1001", "kind": "purchase", "value": text}
    )
    assert response.status_code == 201, response.content
    assert response.json()["value"] == amount
    assert Purchase.objects.get().amount == Decimal(amount)


@pytest.mark.parametrize("value", ["٣", "²", "+3", "3.0", "\u00a03", "03x"])
def test_a_satisfaction_score_is_ascii_digits(api_client, agent, customer, value):
    api_client.authenticate(agent)
    before = recorded()
    response = api_client.post_json(
        "/api/v1/outcomes", {"customer": "C-1001", "kind": "csat", "value": value}
    )
    assert_error(response, 422, code="invalid_score", field="value")
    assert recorded() == before


def test_a_csv_import_refuses_every_other_spelling_and_imports_nothing(aurora, customer, tmp_path):
    rows = [text for text in NOT_A_NUMBER if not set(text) & set(',\n"\x00')]
    lines = ["customer,date,amount,currency"] + [
        f"C-1001,2024-03-{1 + n % 28:02d},{t},USD" for n, t in enumerate(rows)
    ]
    path = tmp_path / "purchases.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    job = import_job_create(organization=aurora, kind="transactions", file_name="purchases.csv", size_bytes=0)
    import_file(job=job, path=path)
    job.refresh_from_db()
    assert job.status == "failed"
    refused = {(error["row"], error["field"], error["code"]) for error in job.errors}
    assert refused == {(row, "amount", "amount_not_a_number") for row in range(2, 2 + len(rows))}
    assert not Purchase.objects.exists()


def test_a_csv_import_reads_the_accepted_spellings(aurora, customer, tmp_path):
    lines = ["customer,date,amount,currency"] + [
        f"C-1001,2024-03-{1 + n:02d},{text},USD" for n, (text, _amount) in enumerate(ACCEPTED)
    ]
    path = tmp_path / "purchases.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    job = import_job_create(organization=aurora, kind="transactions", file_name="purchases.csv", size_bytes=0)
    import_file(job=job, path=path)
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    stored = sorted(Purchase.objects.values_list("amount", flat=True))
    assert stored == sorted(Decimal(amount) for _text, amount in ACCEPTED)
