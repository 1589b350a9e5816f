"""The alignment endpoints: what they answer, who may call them (401, 403), 404 for another organization."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leeway.alignment.models import BackingEvent, Charter, Dispute, Feedback, PolicyProposal
from leeway.alignment.services import (
    charter_publish,
    concern_raise,
    dispute_open,
    feedback_give,
    pulse_schedule,
)
from leeway.decisions.models import Decision
from leeway.people.tests.helpers import assert_error

from .conftest import make_decision

TEXTS = {
    "en": {"title": "We back you", "text": "Inside policy, you are covered."},
    "es": {"title": "Te respaldamos", "text": "Dentro de la política, estás cubierto."},
}


@pytest.fixture
def charter(world):
    return charter_publish(department=world.manager.department, actor=world.admin, texts=TEXTS)


@pytest.fixture
def feedback(world, protected):
    return feedback_give(
        decision=protected, author=world.lead, kind="coaching", behaviour="at_risk", message="Note"
    )


@pytest.fixture
def pulse(world):
    now = timezone.now()
    return pulse_schedule(
        organization_id=world.organization.pk,
        actor=world.admin,
        title="Pulse",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=3),
        teams=[world.agent.team],
    )


def url(name, world, protected, charter, feedback, pulse, dispute=None, proposal=None):
    return {
        "charters": ("get", "/api/v1/charters"),
        "publish": ("post", f"/api/v1/departments/{world.manager.department.pk}/charters"),
        "sign": ("post", f"/api/v1/charters/{charter.pk}/sign"),
        "feedback_list": ("get", f"/api/v1/decisions/{protected.public_id}/feedback"),
        "feedback": ("post", f"/api/v1/decisions/{protected.public_id}/feedback"),
        "concern": ("post", f"/api/v1/decisions/{protected.public_id}/concerns"),
        "reverse": ("post", f"/api/v1/decisions/{protected.public_id}/reverse"),
        "recharge": ("post", f"/api/v1/decisions/{protected.public_id}/recharge"),
        "mine": ("get", "/api/v1/feedback"),
        "dispute": ("post", f"/api/v1/feedback/{feedback.pk}/disputes"),
        "resolve": ("post", f"/api/v1/disputes/{dispute.pk if dispute else 0}/resolve"),
        "backing": ("get", "/api/v1/backing"),
        "backing_department": ("get", f"/api/v1/backing/departments/{world.manager.department.pk}"),
        "backing_member": ("get", f"/api/v1/backing/members/{world.manager.pk}"),
        "answer": ("post", f"/api/v1/pulses/{pulse.pk}/answers"),
        "results": ("get", f"/api/v1/pulses/{pulse.pk}/results"),
        "proposals": ("get", "/api/v1/policy-proposals"),
        "proposal_answer": ("post", f"/api/v1/policy-proposals/{proposal.pk if proposal else 0}/answer"),
    }[name]


ENDPOINTS = [
    "charters",
    "publish",
    "sign",
    "feedback_list",
    "feedback",
    "concern",
    "reverse",
    "recharge",
    "mine",
    "dispute",
    "resolve",
    "backing",
    "backing_department",
    "backing_member",
    "answer",
    "results",
    "proposals",
    "proposal_answer",
]


def call(client, method, path, data=None):
    return client.get_json(path) if method == "get" else client.post_json(path, data or {})


@pytest.mark.parametrize("name", ENDPOINTS)
def test_every_endpoint_needs_authentication(api_client, world, protected, charter, feedback, pulse, name):
    dispute = dispute_open(feedback=feedback, agent=world.agent, comment="I followed the policy.")
    proposal = concern_raise(decision=protected, member=world.manager, text="Cap it at 20")
    method, path = url(name, world, protected, charter, feedback, pulse, dispute, proposal)
    assert_error(call(api_client, method, path), 401, "not_authenticated")


SCOPED = [name for name in ENDPOINTS if name not in ("charters", "mine", "backing", "proposals")]


@pytest.mark.parametrize("name", SCOPED)
def test_another_organizations_objects_are_not_found(
    api_client, world, other_world, protected, charter, feedback, pulse, name
):
    dispute = dispute_open(feedback=feedback, agent=world.agent, comment="I followed the policy.")
    proposal = concern_raise(decision=protected, member=world.manager, text="Cap it at 20")
    method, path = url(name, world, protected, charter, feedback, pulse, dispute, proposal)
    api_client.authenticate(other_world.admin)
    assert_error(
        call(
            api_client,
            method,
            path,
            {
                "text": "x",
                "kind": "praise",
                "message": "x",
                "comment": "x",
                "outcome": "rejected",
                "reason": "x",
                "scores": {},
                "texts": TEXTS,
                "status": "adopted",
                "answer": "x",
            },
        ),
        404,
        "not_found",
    )


def test_forbidden_roles(api_client, world, protected, charter, feedback, pulse):
    dispute = dispute_open(feedback=feedback, agent=world.agent, comment="I followed the policy.")
    proposal = concern_raise(decision=protected, member=world.manager, text="Cap it at 20")
    cases = [
        (world.agent, "publish", {"texts": TEXTS}),
        (world.lead, "sign", {}),
        (world.agent, "feedback", {"kind": "praise", "message": "Me!"}),
        (world.agent, "reverse", {}),
        (world.agent2, "dispute", {"comment": "Not mine"}),
        (world.lead, "resolve", {"outcome": "upheld", "reason": "r"}),
        (world.manager2, "backing_member", {}),
        (world.agent, "backing", {}),
        (world.agent, "backing_department", {}),
        (world.agent, "results", {}),
        (world.manager, "proposals", {}),
        (world.manager, "proposal_answer", {"status": "adopted", "answer": "ok"}),
        (world.admin, "answer", {"scores": {}}),
    ]
    for member, name, data in cases:
        method, path = url(name, world, protected, charter, feedback, pulse, dispute, proposal)
        api_client.authenticate(member)
        assert_error(call(api_client, method, path, data), 403)


def test_the_author_cannot_resolve_a_dispute_about_their_feedback(api_client, world, protected):
    mine = feedback_give(decision=protected, author=world.manager, kind="praise", message="Good")
    dispute = dispute_open(feedback=mine, agent=world.agent, comment="Praise for the wrong call")
    api_client.authenticate(world.manager)
    path = f"/api/v1/disputes/{dispute.pk}/resolve"
    assert_error(api_client.post_json(path, {"outcome": "rejected", "reason": "No"}), 403, "own_feedback")
    api_client.authenticate(world.manager2)
    response = api_client.post_json(path, {"outcome": "partly_upheld", "reason": "Fair point, in part."})
    assert response.status_code == 200, response.content
    assert (
        response.json()["outcome"] == "partly_upheld" and response.json()["hours_to_resolution"] is not None
    )
    assert_error(
        api_client.post_json(path, {"outcome": "upheld", "reason": "again"}), 409, "already_resolved"
    )


def test_negative_feedback_through_the_api_is_refused_and_nothing_lands_on_the_agent(
    api_client, world, protected
):
    api_client.authenticate(world.lead)
    path = f"/api/v1/decisions/{protected.public_id}/feedback"
    error = assert_error(
        api_client.post_json(path, {"kind": "correction", "message": "Wrong"}),
        422,
        "decision_protected",
        "kind",
    )
    assert "protected" in error["message"]
    assert_error(
        api_client.post_json(path, {"kind": "coaching", "behaviour": "reckless", "message": "Wrong"}),
        422,
        "decision_protected",
        "behaviour",
    )
    assert not Feedback.objects.exists()
    assert BackingEvent.objects.filter(member=world.lead).count() == 2
    response = api_client.post_json(
        path, {"kind": "coaching", "behaviour": "human_error", "message": "Easy slip"}
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "coaching" and response.json()["decision_protected"] is True


def test_negative_feedback_refusal_is_in_spanish_for_a_spanish_caller(api_client, world, protected):
    api_client.authenticate(world.lead)
    response = api_client.post_json(
        f"/api/v1/decisions/{protected.public_id}/feedback",
        {"kind": "correction", "message": "Mal"},
        headers={"Accept-Language": "es"},
    )
    assert "protegida" in assert_error(response, 422)["message"]


def test_a_concern_goes_to_the_policy_and_the_agent_is_told_they_were_in_it(api_client, world, protected):
    api_client.authenticate(world.manager)
    response = api_client.post_json(
        f"/api/v1/decisions/{protected.public_id}/concerns", {"text": "Cap it at 20"}
    )
    assert response.status_code == 201
    assert "inside" in response.json()["agent_told"]
    assert PolicyProposal.objects.get().decision == protected


def test_reversing_or_recharging_an_approved_decision_is_refused_and_recorded_on_the_manager(
    api_client, world, protected
):
    api_client.authenticate(world.manager)
    error = assert_error(
        api_client.post_json(f"/api/v1/decisions/{protected.public_id}/reverse"), 409, "decision_protected"
    )
    assert "cannot be reversed" in error["message"]
    assert_error(
        api_client.post_json(f"/api/v1/decisions/{protected.public_id}/recharge", {"to": "aurora-agent"}),
        409,
        "decision_protected",
    )
    assert BackingEvent.objects.filter(member=world.manager, kind="reversal_refused").count() == 2
    assert not BackingEvent.objects.filter(member=world.agent).exists()
    protected.refresh_from_db()
    assert protected.status == "approved" and protected.protected


def test_declining_an_approved_decision_is_refused_and_recorded_on_the_lead(api_client, world, protected):
    api_client.authenticate(world.lead)
    response = api_client.post_json(
        f"/api/v1/decisions/{protected.public_id}/decline", {"reason": "Changed mind"}
    )
    assert_error(response, 409, "already_decided")
    assert BackingEvent.objects.get().kind == "reversal_refused"
    assert Decision.objects.get(pk=protected.pk).status == "approved"


def test_reversing_a_pending_request_is_not_recorded(api_client, world, pending):
    api_client.authenticate(world.lead)
    assert_error(api_client.post_json(f"/api/v1/decisions/{pending.public_id}/reverse"), 409, "not_approved")
    assert not BackingEvent.objects.exists()


def test_charters_are_published_signed_once_and_a_new_version_asks_again(api_client, world):
    api_client.authenticate(world.admin)
    response = api_client.post_json(
        f"/api/v1/departments/{world.manager.department.pk}/charters", {"texts": TEXTS}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["version"] == 1 and sorted(body["unsigned"]) == sorted(
        [world.manager.display_name, world.manager2.display_name]
    )
    api_client.authenticate(world.manager)
    response = api_client.post_json(f"/api/v1/charters/{body['id']}/sign")
    assert response.status_code == 200 and response.json()["unsigned"] is None
    assert_error(api_client.post_json(f"/api/v1/charters/{body['id']}/sign"), 409, "already_signed")
    api_client.authenticate(world.agent)
    mine = api_client.get_json("/api/v1/charters").json()
    assert [entry["signatures"][0]["manager"] for entry in mine] == [world.manager.display_name]
    api_client.authenticate(world.admin)
    response = api_client.post_json(
        f"/api/v1/departments/{world.manager.department.pk}/charters", {"texts": TEXTS}
    )
    assert response.json()["version"] == 2 and response.json()["signatures"] == []
    api_client.authenticate(world.manager)
    assert_error(api_client.post_json(f"/api/v1/charters/{body['id']}/sign"), 409, "charter_superseded")
    assert Charter.objects.count() == 2


def test_a_charter_needs_the_organizations_language(api_client, world):
    api_client.authenticate(world.admin)
    response = api_client.post_json(
        f"/api/v1/departments/{world.manager.department.pk}/charters", {"texts": {"es": TEXTS["es"]}}
    )
    assert_error(response, 422, field="text_en")
    assert not Charter.objects.exists()


@pytest.mark.parametrize("language", ["zz", "", "x" * 40])
def test_a_charter_in_a_language_leeway_does_not_speak_is_refused(api_client, world, language):
    api_client.authenticate(world.admin)
    response = api_client.post_json(
        f"/api/v1/departments/{world.manager.department.pk}/charters",
        {"texts": {**TEXTS, language: TEXTS["en"]}},
    )
    assert_error(response, 422, "unknown_language", "texts")
    assert not Charter.objects.exists()


def test_an_agent_disputes_with_a_mandatory_comment(api_client, world, feedback):
    api_client.authenticate(world.agent)
    path = f"/api/v1/feedback/{feedback.pk}/disputes"
    assert_error(api_client.post_json(path, {"comment": "  "}), 422, field="comment")
    assert_error(api_client.post_json(path, {}), 422, field="comment")
    response = api_client.post_json(path, {"comment": "I was inside my authority."})
    assert response.status_code == 201 and response.json()["outcome"] == "open"
    assert_error(api_client.post_json(path, {"comment": "Again"}), 409, "already_disputed")
    assert Dispute.objects.count() == 1
    assert api_client.get_json("/api/v1/feedback").json()[0]["dispute"] == "open"


def test_pulse_answers_through_the_api(api_client, world, pulse):
    api_client.authenticate(world.agent)
    path = f"/api/v1/pulses/{pulse.pk}/answers"
    scores = {"negative_feedback": 1, "losing_job": 1, "paying": 2, "held_against": 1}
    assert_error(api_client.post_json(path, {"scores": {**scores, "paying": 9}}), 422, field="score_paying")
    assert api_client.post_json(path, {"scores": scores, "comment": "ok"}).status_code == 204
    assert_error(api_client.post_json(path, {"scores": scores}), 409, "already_answered")
    api_client.authenticate(world.admin)
    body = api_client.get_json(f"/api/v1/pulses/{pulse.pk}/results").json()
    assert all(not group["published"] and group["answers"] is None for group in body["groups"])


def test_backing_index_counts_the_managers_refusals_per_week(api_client, world, protected):
    make_decision(world, customer="C-1002")
    api_client.authenticate(world.manager)
    api_client.post_json(f"/api/v1/decisions/{protected.public_id}/reverse")
    body = api_client.get_json("/api/v1/backing").json()
    week = body["weeks"][-1]
    assert (week["protected"], week["flagged"], week["share"]) == (2, 1, 0.5)
    department = api_client.get_json(f"/api/v1/backing/departments/{world.manager.department.pk}").json()
    assert department["weeks"][-1]["flagged"] == 1
    api_client.authenticate(world.manager2)
    assert api_client.get_json("/api/v1/backing").json()["weeks"][-1]["flagged"] == 0


def test_the_admin_lists_and_answers_policy_proposals(api_client, world, protected):
    proposal = concern_raise(decision=protected, member=world.manager, text="Cap waivers at 20")
    api_client.authenticate(world.admin)
    listed = api_client.get_json("/api/v1/policy-proposals").json()
    assert [(item["decision"], item["gesture"], item["status"]) for item in listed] == [
        (str(protected.public_id), "waive_fee", "open")
    ]
    path = f"/api/v1/policy-proposals/{proposal.pk}/answer"
    assert_error(api_client.post_json(path, {"status": "open", "answer": "x"}), 422, field="status")
    response = api_client.post_json(path, {"status": "adopted", "answer": "Version 2 caps it."})
    assert response.status_code == 200 and response.json()["status"] == "adopted"
    assert_error(api_client.post_json(path, {"status": "dismissed", "answer": "x"}), 409, "already_answered")


@pytest.mark.parametrize(
    "message",
    ["x" * 2001, "bad\u0000text", 12, None],
)
def test_hostile_feedback_text_is_refused_and_nothing_is_stored(api_client, world, protected, message):
    api_client.authenticate(world.lead)
    path = f"/api/v1/decisions/{protected.public_id}/feedback"
    response = api_client.post_json(path, {"kind": "praise", "message": message})
    assert response.status_code == 422, response.content
    assert not Feedback.objects.exists()


def test_broken_json_is_a_400(api_client, world, protected):
    api_client.authenticate(world.lead)
    response = api_client.post_json(f"/api/v1/decisions/{protected.public_id}/feedback", raw="{not json")
    assert_error(response, 400, "malformed_json")
