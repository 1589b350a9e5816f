"""The training endpoints: roles, another organization's objects (404), answers, certifications, xAPI."""

import pytest

from leeway.people.tests.helpers import ApiClient, assert_error
from leeway.training.models import Attempt, Certification, TierProposal
from leeway.training.tests.conftest import LESSONS, make_module, right_answers
from leeway.training.xapi import VERBS

API = "/api/v1/training"


@pytest.fixture
def client_for():
    def make(member):
        client = ApiClient()
        client.authenticate(member)
        return client

    return make


def _start(client_for, world, module):
    response = client_for(world.agent).post_json(f"{API}/modules/{module.pk}/attempts")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_trainer_adds_a_module_and_an_agent_sees_it_once_published(world, client_for):
    trainer = client_for(world.trainer)
    body = {"tier": "experienced", "gestures": ["waive_fee"], "texts": {"en": LESSONS}}
    created = trainer.post_json(f"{API}/modules", body)
    assert created.status_code == 201, created.content
    module = created.json()
    assert module["code"] == "empowerment-basics" and module["published"] is False
    assert module["texts"]["en"]["lesson_practice"] == LESSONS["lesson_practice"]
    agent = client_for(world.agent)
    assert agent.get_json(f"{API}/modules").json() == []
    assert_error(agent.get_json(f"{API}/modules/{module['id']}"), 404)
    patched = trainer.patch(
        f"{API}/modules/{module['id']}",
        '{"published": true, "pass_mark": 70}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {trainer.token}"},
    )
    assert patched.status_code == 200 and patched.json()["pass_mark"] == 70
    assert [m["id"] for m in agent.get_json(f"{API}/modules").json()] == [module["id"]]


def test_module_input_is_checked_in_the_callers_language(world, client_for):
    trainer = client_for(world.trainer)
    missing = trainer.post_json(f"{API}/modules", {"tier": "experienced", "texts": {"es": LESSONS}})
    error = assert_error(missing, 422, "required", "title_en")
    assert error["message"] == "Write it in the organization's language first."
    spanish = trainer.post_json(
        f"{API}/modules", {"tier": "nope", "texts": {"en": LESSONS}}, headers={"Accept-Language": "es"}
    )
    assert assert_error(spanish, 422, "unknown_tier", "tier")["message"] == "Nivel desconocido."
    assert_error(
        trainer.post_json(
            f"{API}/modules", {"tier": "experienced", "gestures": ["x"], "texts": {"en": LESSONS}}
        ),
        422,
        "unknown_gesture",
    )
    assert_error(
        client_for(world.agent).post_json(
            f"{API}/modules", {"tier": "experienced", "texts": {"en": LESSONS}}
        ),
        403,
    )


def test_an_agent_takes_a_module_through_the_api(world, client_for, module):
    started = _start(client_for, world, module)
    assert started["total"] == 3 and started["submitted_at"] is None
    assert all(q["answer"] is None and q["result"] is None for q in started["questions"])
    attempt = Attempt.objects.get(public_id=started["id"])
    answered = client_for(world.agent).post_json(
        f"{API}/attempts/{started['id']}/answers", {"answers": right_answers(attempt)}
    )
    assert answered.status_code == 200, answered.content
    result = answered.json()
    assert result["passed"] is True and result["score"] == 1.0 and result["correct"] == 3
    assert {q["result"]["engine_zone"] for q in result["questions"]} == {"green", "amber", "red"}
    again = client_for(world.agent).post_json(
        f"{API}/attempts/{started['id']}/answers", {"answers": right_answers(attempt)}
    )
    assert_error(again, 409, "already_submitted")
    certifications = client_for(world.agent).get_json(f"{API}/certifications").json()
    assert [(c["module"], c["state"], c["waived"]) for c in certifications] == [("basics", "valid", False)]


def test_bad_answers_are_422_and_record_nothing(world, client_for, module):
    started = _start(client_for, world, module)
    agent = client_for(world.agent)
    bad = agent.post_json(
        f"{API}/attempts/{started['id']}/answers",
        {"answers": [{"question": 1, "gesture": "waive_fee", "zone": "blue"}]},
    )
    assert_error(bad, 422, "invalid_zone", "answers.1.zone")
    assert not Attempt.objects.filter(submitted_at__isnull=False).exists()


def test_the_lead_confirms_the_tier_through_the_api(world, client_for, module):
    started = _start(client_for, world, module)
    attempt = Attempt.objects.get(public_id=started["id"])
    client_for(world.agent).post_json(
        f"{API}/attempts/{started['id']}/answers", {"answers": right_answers(attempt)}
    )
    lead = client_for(world.lead)
    (proposal,) = lead.get_json(f"{API}/tier-proposals").json()
    assert proposal["member"] == "agent" and proposal["to_tier"] == "experienced"
    assert_error(client_for(world.agent).get_json(f"{API}/tier-proposals"), 403)
    assert_error(
        client_for(world.other_lead).post_json(f"{API}/tier-proposals/{proposal['id']}/confirm"), 403
    )
    confirmed = lead.post_json(f"{API}/tier-proposals/{proposal['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert_error(lead.post_json(f"{API}/tier-proposals/{proposal['id']}/dismiss"), 409, "already_answered")
    me = client_for(world.agent).get_json("/api/v1/me").json()
    assert me["tier"] == "experienced"


def test_another_organizations_training_is_not_found(world, other_world, client_for, module):
    started = _start(client_for, world, module)
    attempt = Attempt.objects.get(public_id=started["id"])
    client_for(world.agent).post_json(
        f"{API}/attempts/{started['id']}/answers", {"answers": right_answers(attempt)}
    )
    proposal = TierProposal.objects.get()
    stranger = client_for(other_world.agent)
    trainer = client_for(other_world.trainer)
    lead = client_for(other_world.lead)
    assert_error(stranger.get_json(f"{API}/modules/{module.pk}"), 404)
    assert_error(stranger.post_json(f"{API}/modules/{module.pk}/attempts"), 404)
    assert_error(stranger.get_json(f"{API}/attempts/{started['id']}"), 404)
    assert_error(stranger.post_json(f"{API}/attempts/{started['id']}/answers", {"answers": []}), 404)
    assert_error(trainer.get_json(f"{API}/attempts/{started['id']}"), 404)
    assert_error(trainer.post_json(f"{API}/modules/{module.pk}/waivers", {"member": "agent"}), 404)
    response = trainer.patch(
        f"{API}/modules/{module.pk}",
        "{}",
        content_type="application/json",
        headers={"Authorization": f"Bearer {trainer.token}"},
    )
    assert_error(response, 404)
    assert_error(lead.post_json(f"{API}/tier-proposals/{proposal.pk}/confirm"), 404)
    assert trainer.get_json(f"{API}/modules").json() == []
    assert trainer.get_json(f"{API}/certifications").json() == []
    assert client_for(other_world.admin).get_json(f"{API}/xapi/statements").json() == []
    # A waiver for someone of another organization is not found either.
    assert_error(
        client_for(world.trainer).post_json(f"{API}/modules/{module.pk}/waivers", {"member": "casa-agent"}),
        404,
    )
    proposal.refresh_from_db()
    assert proposal.status == "open"


def test_another_agents_attempt_is_not_found(world, client_for, module):
    started = _start(client_for, world, module)
    assert_error(client_for(world.agent2).get_json(f"{API}/attempts/{started['id']}"), 404)
    assert_error(client_for(world.agent2).get_json(f"{API}/attempts/not-a-uuid"), 404)


def test_the_xapi_export_is_cmi5_shaped(world, client_for, module):
    started = _start(client_for, world, module)
    attempt = Attempt.objects.get(public_id=started["id"])
    client_for(world.agent).post_json(
        f"{API}/attempts/{started['id']}/answers", {"answers": right_answers(attempt, wrong=1)}
    )
    client_for(world.trainer).post_json(f"{API}/modules/{module.pk}/waivers", {"member": "agent2"})
    assert Certification.objects.get().waived
    assert_error(client_for(world.agent).get_json(f"{API}/xapi/statements"), 403)
    statements = client_for(world.trainer).get_json(f"{API}/xapi/statements").json()
    verbs = [s["verb"]["id"] for s in statements]
    assert verbs == [VERBS["launched"], VERBS["completed"], VERBS["failed"], VERBS["waived"]]
    launched, completed, failed, waived = statements
    assert launched["actor"]["account"] == {"homePage": "urn:leeway:aurora", "name": "agent"}
    assert launched["object"]["id"] == "urn:leeway:aurora/training/modules/basics"
    assert launched["object"]["definition"]["name"] == {
        "en-US": LESSONS["title"],
        "es": "Lo básico del empoderamiento",
    }
    assert launched["context"]["registration"] == started["id"] == failed["context"]["registration"]
    assert completed["result"]["completion"] is True and completed["result"]["duration"].startswith("PT")
    assert failed["result"]["score"] == {"scaled": 0.6667, "raw": 2, "min": 0, "max": 3}
    assert failed["result"]["success"] is False
    assert "https://w3id.org/xapi/cmi5/context/categories/moveon" in [
        c["id"] for c in failed["context"]["contextActivities"]["category"]
    ]
    assert (
        waived["verb"]["id"] == "https://w3id.org/xapi/adl/verbs/waived"
        and waived["actor"]["account"]["name"] == "agent2"
    )
    # Stable ids: the same export twice holds the same statements.
    assert client_for(world.trainer).get_json(f"{API}/xapi/statements").json() == statements


def test_a_module_made_by_hand_keeps_to_its_organization(world, other_world):
    other = make_module(other_world, tier=other_world.agent.tier, code="theirs")
    assert other.organization == other_world.organization


def test_the_openapi_document_keeps_every_apps_schemas_apart(client, db):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "situation" in schemas["AttemptQuestionOut"]["properties"]
    assert schemas["QuestionOut"]["properties"]["question"]["type"] == "string"  # alignment's pulse question
