"""POST /api/v1/decisions, /decisions/preview, GET /decisions and /decisions/{id}, through HTTP."""

import json

import pytest

from leeway.decisions.models import Decision
from leeway.decisions.tests.conftest import body
from leeway.people.tests.helpers import assert_error

DECISIONS = "/api/v1/decisions"
API_MD_KEYS = {
    "id",
    "zone",
    "status",
    "protected",
    "policy_version",
    "amount",
    "currency",
    "base_amount",
    "base_currency",
    "created_at",
}


@pytest.fixture
def agent_client(api_client, world):
    api_client.authenticate(world.agent)
    return api_client


def test_it_records_a_green_decision_with_api_md_shape(agent_client, world):
    response = agent_client.post_json(DECISIONS, body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert API_MD_KEYS <= set(data)
    assert data["zone"] == "green"
    assert data["status"] == "approved"
    assert data["protected"] is True
    assert data["policy_version"] == 1
    assert (data["amount"], data["currency"], data["base_amount"], data["base_currency"]) == (
        "25.00",
        "USD",
        "25.00",
        "USD",
    )
    assert data["reasons"][0]["message"] == "Inside your green limit of 50.00 USD (25.00 left)"
    decision = Decision.objects.get()
    assert str(decision.public_id) == data["id"]
    assert decision.interaction_ref == "CALL-778"


def test_it_records_a_red_request_with_a_due_time(agent_client):
    response = agent_client.post_json(DECISIONS, body(amount="100.01"))
    assert response.status_code == 201
    data = response.json()
    assert (data["zone"], data["status"], data["protected"]) == ("red", "pending", False)
    assert data["due_at"] is not None


def test_amber_needs_a_justification_and_nothing_is_recorded_without_one(agent_client, counts):
    before = counts()
    response = agent_client.post_json(DECISIONS, body(amount="50.01", justification=""))
    assert_error(response, 422, code="justification_required", field="justification")
    assert counts() == before
    response = agent_client.post_json(DECISIONS, body(amount="50.01", justification="Waited 3 weeks."))
    assert response.status_code == 201
    assert response.json()["zone"] == "amber"


def test_preview_judges_without_recording(agent_client, counts):
    before = counts()
    response = agent_client.post_json(
        f"{DECISIONS}/preview",
        {"customer": "C-1001", "gesture": "waive_fee", "amount": "75.00", "currency": "USD"},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["zone"] == "amber"
    assert data["needs_justification"] is True
    assert data["reasons"][0]["code"] == "green_limit"
    assert "policy v1" in data["headline"]
    assert counts() == before


def test_preview_of_red_says_when_the_lead_usually_answers(agent_client):
    response = agent_client.post_json(f"{DECISIONS}/preview", body(amount="500.00"))
    data = response.json()
    assert (data["zone"], data["status"], data["response_minutes"]) == ("red", "pending", 2)
    assert "2 min" in data["headline"]


def test_errors_speak_the_callers_language(agent_client):
    response = agent_client.post_json(DECISIONS, body(amount="-1"), headers={"Accept-Language": "es"})
    error = assert_error(response, 422, code="amount_negative", field="amount")
    assert error["message"] == "El importe no puede ser negativo."


BAD_AMOUNTS = [
    ("-1.00", "amount_negative"),
    ("NaN", "amount_not_a_number"),
    ("Infinity", "amount_not_a_number"),
    ("-Infinity", "amount_not_a_number"),
    ("1.001", "amount_too_precise"),
    ("1000000000000000", "amount_too_large"),
    ("1e15", "amount_not_a_number"),
    ("", "amount_required"),
    ("   ", "amount_required"),
    ("twenty", "amount_not_a_number"),
    ("25,00", "amount_not_a_number"),
    (25.0, "amount_not_string"),
    (25, "amount_not_string"),
    (None, "amount_required"),
]


@pytest.mark.parametrize(("amount", "code"), BAD_AMOUNTS)
def test_bad_amounts_are_refused_and_record_nothing(agent_client, counts, amount, code):
    before = counts()
    response = agent_client.post_json(DECISIONS, body(amount=amount), headers={"Idempotency-Key": "k-1"})
    assert_error(response, 422, code=code, field="amount")
    assert counts() == before


@pytest.mark.parametrize(
    ("changes", "status", "code", "field"),
    [
        ({"customer": "C-9999"}, 422, "unknown_customer", "customer"),
        ({"customer": ""}, 422, "unknown_customer", "customer"),
        ({"gesture": "teleport"}, 422, "unknown_gesture", "gesture"),
        ({"currency": "XXX"}, 422, "unknown_currency", "currency"),
        ({"currency": "dollars"}, 422, "unknown_currency", "currency"),
        ({"reason": "because"}, 422, "unknown_reason", "reason"),
        ({"note": "x" * 2001}, 422, "note_too_long", "note"),
        ({"note": "x" * 10240}, 422, "note_too_long", "note"),
        ({"note": "nul\x00byte"}, 422, "invalid_text", "note"),
        ({"justification": "y" * 301}, 422, "justification_too_long", "justification"),
        ({"justification": "two\nlines"}, 422, "justification_not_one_line", "justification"),
        ({"interaction_ref": "z" * 101}, 422, "interaction_ref_too_long", "interaction_ref"),
        ({"amount": "5.00", "gesture": "rule_bend"}, 422, "zero_cost_gesture", "amount"),
        ({"customer": ...}, 422, "invalid", "customer"),
        ({"gesture": ...}, 422, "invalid", "gesture"),
        ({"amount": ...}, 422, "invalid", "amount"),
        ({"currency": ...}, 422, "invalid", "currency"),
        ({"reason": ...}, 422, "invalid", "reason"),
        ({"amount": "0.00"}, 422, "amount_zero", "amount"),
        ({"customer": 1001}, 422, "invalid", "customer"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_records_nothing(
    agent_client, counts, changes, status, code, field
):
    before = counts()
    response = agent_client.post_json(DECISIONS, body(**changes), headers={"Idempotency-Key": "bad-1"})
    assert_error(response, status, code=code, field=field)
    assert counts() == before


@pytest.mark.parametrize("omitted", ["note", "justification", "interaction_ref"])
def test_optional_fields_may_be_omitted_as_api_md_says(agent_client, omitted):
    response = agent_client.post_json(DECISIONS, body(**{omitted: ...}))
    assert response.status_code == 201, response.content
    assert response.json()[omitted] == ""
    assert getattr(Decision.objects.get(), omitted) == ""


def test_api_md_minimal_body_is_accepted(agent_client):
    minimal = body(note=..., justification=..., interaction_ref=...)
    assert set(minimal) == {"customer", "gesture", "amount", "currency", "reason"}
    response = agent_client.post_json(DECISIONS, minimal, headers={"Idempotency-Key": "minimal-1"})
    assert response.status_code == 201, response.content
    again = agent_client.post_json(DECISIONS, minimal, headers={"Idempotency-Key": "minimal-1"})
    assert again.content == response.content
    assert Decision.objects.count() == 1


def test_the_openapi_document_says_note_is_optional(agent_client):
    schema = agent_client.get("/api/v1/openapi.json").json()
    assert "note" not in schema["components"]["schemas"]["DecisionIn"]["required"]


@pytest.mark.parametrize("raw", ["{not json", "", "[1, 2]", '"a string"', "null", '{"amount": "1.00"'])
def test_broken_json_is_refused_and_records_nothing(agent_client, counts, raw):
    before = counts()
    response = agent_client.post_json(DECISIONS, raw=raw)
    # An empty body is "no body": ninja reports the missing fields (422); anything else unparsable is a 400.
    assert_error(response, 422 if raw == "" else 400)
    assert counts() == before


def test_script_tags_in_notes_are_stored_as_text(agent_client):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = agent_client.post_json(DECISIONS, body(note=hostile, justification=""))
    assert response.status_code == 201
    assert Decision.objects.get().note == hostile
    detail = agent_client.get_json(f"{DECISIONS}/{response.json()['id']}")
    assert detail.json()["note"] == hostile
    assert detail["Content-Type"].startswith("application/json")


def test_it_needs_authentication(api_client, world):
    assert_error(api_client.post_json(DECISIONS, body()), 401)
    assert_error(api_client.post_json(f"{DECISIONS}/preview", body()), 401)
    assert_error(api_client.get_json(DECISIONS), 401)


def test_analysts_cannot_record_gestures(api_client, world, counts):
    api_client.authenticate(world.analyst)
    before = counts()
    assert_error(api_client.post_json(DECISIONS, body()), 403, code="forbidden")
    assert counts() == before


def test_reading_one_decision(agent_client, world):
    created = agent_client.post_json(DECISIONS, body()).json()
    response = agent_client.get_json(f"{DECISIONS}/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1"])
def test_unknown_ids_are_404(agent_client, bad_id):
    assert_error(agent_client.get_json(f"{DECISIONS}/{bad_id}"), 404)


def test_agents_see_only_their_own_decisions(api_client, world):
    api_client.authenticate(world.agent)
    mine = api_client.post_json(DECISIONS, body()).json()
    api_client.authenticate(world.agent2)
    assert_error(api_client.get_json(f"{DECISIONS}/{mine['id']}"), 404)
    assert api_client.get_json(DECISIONS).json()["count"] == 0


def test_the_list_is_paged_and_filters_pending_oldest_first(api_client, world):
    api_client.authenticate(world.agent)
    first = api_client.post_json(DECISIONS, body(amount="150.00")).json()
    api_client.post_json(DECISIONS, body(amount="10.00"))
    second = api_client.post_json(DECISIONS, body(amount="160.00")).json()
    api_client.authenticate(world.lead)
    page = api_client.get_json(DECISIONS, status="pending").json()
    assert page["count"] == 2
    assert [item["id"] for item in page["items"]] == [first["id"], second["id"]]
    page = api_client.get_json(DECISIONS, limit=1, offset=1).json()
    assert (page["count"], len(page["items"]), page["limit"], page["offset"]) == (3, 1, 1, 1)
    assert_error(api_client.get_json(DECISIONS, status="lost"), 422, field="status")
    api_client.authenticate(world.other_lead)
    assert api_client.get_json(DECISIONS).json()["count"] == 0
    api_client.authenticate(world.manager)
    assert api_client.get_json(DECISIONS).json()["count"] == 3
    api_client.authenticate(world.admin)
    assert api_client.get_json(DECISIONS).json()["count"] == 3


def test_another_organizations_decisions_are_404_on_every_endpoint(api_client, world, other_world, counts):
    api_client.authenticate(other_world.agent)
    theirs = api_client.post_json(DECISIONS, body(currency="EUR", amount="150.00")).json()
    assert theirs["status"] == "pending"
    tokens = {
        member.pk: api_client.authenticate(member)
        for member in (world.agent, world.lead, world.manager, world.admin)
    }
    before = counts()
    for member in (world.agent, world.lead, world.manager, world.admin):
        api_client.token = tokens[member.pk]
        assert_error(api_client.get_json(f"{DECISIONS}/{theirs['id']}"), 404)
        assert_error(api_client.post_json(f"{DECISIONS}/{theirs['id']}/approve", {"note": ""}), 404)
        assert_error(api_client.post_json(f"{DECISIONS}/{theirs['id']}/decline", {"reason": ""}), 404)
        assert theirs["id"] not in json.dumps(api_client.get_json(DECISIONS).json())
    assert counts() == before
    # Their customer ids mean nothing here, even when they look the same.
    api_client.token = tokens[world.agent.pk]
    assert api_client.post_json(DECISIONS, body()).json()["base_currency"] == "USD"


def test_openapi_documents_the_decision_endpoints(api_client):
    document = api_client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/decisions", "/api/v1/decisions/preview", "/api/v1/decisions/{decision_id}/approve"):
        assert path in document["paths"]


def test_reasons_and_refusals_come_in_spanish(agent_client):
    headers = {"Accept-Language": "es"}
    response = agent_client.post_json(DECISIONS, body(amount="75.00"), headers=headers)
    error = assert_error(response, 422, code="justification_required", field="justification")
    assert error["message"].startswith("Por encima de tu límite verde")
    data = agent_client.post_json(f"{DECISIONS}/preview", body(amount="25.00"), headers=headers).json()
    assert data["reasons"][0]["message"] == "Dentro de tu límite verde de 50,00 USD (quedan 25,00)"
    assert data["headline"] == "Dentro de tu autoridad: estás cubierto (política v1)"
