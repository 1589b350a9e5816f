"""Idempotency-Key: a retry gets the same answer and spends nothing twice (invariant 2)."""

import json
from decimal import Decimal

import pytest

from leeway.decisions.models import Decision, IdempotencyRecord
from leeway.decisions.services import Idempotency, decision_submit, request_hash
from leeway.decisions.tests.conftest import body
from leeway.people.tests.helpers import assert_error
from leeway.policy.models import BudgetCounter

DECISIONS = "/api/v1/decisions"


@pytest.fixture
def agent_client(api_client, world):
    api_client.authenticate(world.agent)
    return api_client


def test_a_replay_returns_the_same_status_and_body_and_records_nothing_new(agent_client, counts):
    first = agent_client.post_json(DECISIONS, body(), headers={"Idempotency-Key": "call-778-a"})
    assert first.status_code == 201
    after_first = counts()
    for _ in range(3):
        again = agent_client.post_json(DECISIONS, body(), headers={"Idempotency-Key": "call-778-a"})
        assert again.status_code == 201
        assert again.content == first.content
    assert counts() == after_first
    assert Decision.objects.count() == 1
    assert BudgetCounter.objects.get(budget__scope="agent").spent == Decimal("25.00")


def test_a_replay_of_a_red_request_still_answers_as_the_first_time(agent_client, world):
    first = agent_client.post_json(DECISIONS, body(amount="150.00"), headers={"Idempotency-Key": "r-1"})
    assert first.json()["status"] == "pending"
    again = agent_client.post_json(DECISIONS, body(amount="150.00"), headers={"Idempotency-Key": "r-1"})
    assert again.json() == first.json()
    assert Decision.objects.count() == 1


def test_the_same_key_with_another_body_is_a_conflict(agent_client, counts):
    agent_client.post_json(DECISIONS, body(), headers={"Idempotency-Key": "k"})
    before = counts()
    response = agent_client.post_json(DECISIONS, body(amount="26.00"), headers={"Idempotency-Key": "k"})
    assert_error(response, 409, code="idempotency_conflict")
    assert counts() == before


def test_the_same_body_in_another_key_order_is_the_same_request(agent_client):
    agent_client.post_json(DECISIONS, body(), headers={"Idempotency-Key": "k"})
    reordered = dict(reversed(list(body().items())))
    response = agent_client.post_json(DECISIONS, reordered, headers={"Idempotency-Key": "k"})
    assert response.status_code == 201
    assert Decision.objects.count() == 1


def test_keys_are_scoped_per_member(api_client, world):
    api_client.authenticate(world.agent)
    api_client.post_json(DECISIONS, body(), headers={"Idempotency-Key": "shared"})
    api_client.authenticate(world.agent2)
    response = api_client.post_json(DECISIONS, body(amount="30.00"), headers={"Idempotency-Key": "shared"})
    assert response.status_code == 201
    assert Decision.objects.count() == 2


def test_without_a_key_each_request_is_new(agent_client):
    agent_client.post_json(DECISIONS, body())
    agent_client.post_json(DECISIONS, body())
    assert Decision.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 0


def test_a_refused_request_stores_no_answer_so_a_corrected_retry_works(agent_client):
    response = agent_client.post_json(DECISIONS, body(amount="75.00"), headers={"Idempotency-Key": "amber"})
    assert_error(response, 422, field="justification")
    assert IdempotencyRecord.objects.count() == 0
    response = agent_client.post_json(
        DECISIONS,
        body(amount="75.00", justification="Loyal for 9 years."),
        headers={"Idempotency-Key": "amber"},
    )
    assert response.status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 201, "spaces are not allowed", "ñ"])
def test_malformed_keys_are_refused(agent_client, counts, key):
    before = counts()
    response = agent_client.post_json(DECISIONS, body(), headers={"Idempotency-Key": key})
    assert_error(response, 422, code="invalid_idempotency_key")
    assert counts() == before


def test_a_lost_race_on_the_same_key_answers_with_the_winners_response(world, monkeypatch):
    """Two requests with one key both miss the lookup; the loser's insert fails and it replays the winner."""
    fields = {k: v for k, v in body().items()}
    idempotency = Idempotency(key="race", request_hash=request_hash(fields))
    status, winner = decision_submit(member=world.agent, idempotency=idempotency, **fields)
    from leeway.decisions.services import create as services
    from leeway.decisions.store import AnswerKey, store

    decisions_store = store()
    real_read_inputs, real_stored_answer = decisions_store.read_inputs, services.stored_answer
    calls = []

    def first_lookup_misses(*, answer, **kwargs):
        calls.append("with the inputs")
        # The lookup read with the decision's inputs misses, as if the winner had not committed.
        return real_read_inputs(answer=AnswerKey(answer.member_id, f"{answer.key}-not-yet"), **kwargs)

    def lookup_after_the_conflict(**kwargs):
        calls.append("after the conflict")
        return real_stored_answer(**kwargs)

    monkeypatch.setattr(decisions_store, "read_inputs", first_lookup_misses)
    monkeypatch.setattr(services, "stored_answer", lookup_after_the_conflict)
    status_again, body_again = decision_submit(member=world.agent, idempotency=idempotency, **fields)
    assert calls == ["with the inputs", "after the conflict"], (
        "the first lookup missed, the insert hit the unique key, the second found the winner"
    )
    assert (status_again, body_again) == (status, winner)
    assert json.loads(body_again)["amount"] == "25.00"
    assert Decision.objects.count() == 1
    assert BudgetCounter.objects.get(budget__scope="agent").spent == Decimal("25.00")
