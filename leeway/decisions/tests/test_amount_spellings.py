"""POST /decisions and /decisions/preview read amounts with the one strict parser (core/money.py)."""

import pytest

from leeway.core.tests.amount_spellings import ACCEPTED, NOT_A_NUMBER
from leeway.decisions.tests.conftest import body
from leeway.people.tests.helpers import assert_error

# A NUL inside a JSON string is refused before any field is read (core/tests/test_null_characters.py).
JSON_NOT_A_NUMBER = [text for text in NOT_A_NUMBER if "\x00" not in text]


@pytest.fixture
def agent_client(api_client, world):
    api_client.authenticate(world.agent)
    return api_client


@pytest.mark.parametrize("text", JSON_NOT_A_NUMBER)
def test_a_decision_amount_in_another_spelling_is_refused_and_spends_nothing(agent_client, counts, text):
    before = counts()
    response = agent_client.post_json(
        "/api/v1/decisions", body(amount=text), headers={"Idempotency-Key": "k"}
    )
    assert_error(response, 422, code="amount_not_a_number", field="amount")
    assert counts() == before


@pytest.mark.parametrize("text", ["1e3", "+25", "٢٥"])
def test_the_preview_refuses_the_same_spellings(agent_client, counts, text):
    before = counts()
    response = agent_client.post_json("/api/v1/decisions/preview", body(amount=text))
    assert_error(response, 422, code="amount_not_a_number", field="amount")
    assert counts() == before


def test_the_issues_spellings_are_refused_in_spanish_too(agent_client):
    response = agent_client.post_json(
        "/api/v1/decisions", body(amount="1e3"), headers={"Accept-Language": "es"}
    )
    error = assert_error(response, 422, code="amount_not_a_number", field="amount")
    assert error["message"] == "El importe debe ser un número."


@pytest.mark.parametrize(("text", "amount"), [pair for pair in ACCEPTED if pair[0].strip() != "0"][:5])
def test_a_decision_takes_the_decimal_strings(agent_client, text, amount):
    response = agent_client.post_json("/api/v1/decisions", body(amount=text))
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == amount
