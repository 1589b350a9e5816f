"""Training pages: an agent takes a module, the trainer edits and previews, the lead confirms; roles, 404s."""

import json

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from leeway.training.models import Attempt, Module, TierProposal
from leeway.training.tests.conftest import right_answers


@pytest.fixture
def login(client):
    def as_member(member):
        client.force_login(member)
        return client

    return as_member


def _post_answers(client, attempt, answers):
    data = {}
    for answer in answers:
        for field in ("gesture", "zone", "justification"):
            data[f"{field}_{answer['question']}"] = answer[field]
    return client.post(reverse("training:attempt", args=[attempt.public_id]), data)


def test_an_agent_reads_the_lesson_takes_the_quiz_and_sees_the_results(world, module, login):
    client = login(world.agent)
    page = client.get(reverse("training:mine"))
    assert page.status_code == 200 and "Empowerment basics" in page.content.decode()
    lesson = client.get(reverse("training:module", args=[module.pk])).content.decode()
    assert "inside the guardrails" in lesson and "Start the quiz" in lesson
    started = client.post(reverse("training:start", args=[module.pk]))
    attempt = Attempt.objects.get()
    assert started.status_code == 302 and started["Location"] == reverse(
        "training:attempt", args=[attempt.public_id]
    )
    quiz = client.get(started["Location"]).content.decode()
    assert quiz.count('name="zone_') == 9 and "150.00 USD" in quiz
    incomplete = client.post(started["Location"], {"zone_1": "green"})
    assert incomplete.status_code == 422 and 'data-code="invalid_gesture"' in incomplete.content.decode()
    done = _post_answers(client, attempt, right_answers(attempt))
    assert done.status_code == 302
    results = client.get(done["Location"]).content.decode()
    assert "Passed" in results and "3 of 3 right (100 %)" in results and "Certified until" in results


def test_the_pages_speak_spanish(world, module, login):
    world.agent.language = "es"
    world.agent.save()
    client = login(world.agent)
    page = client.get(
        reverse("training:module", args=[module.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Lo básico del empoderamiento" in page and "Empezar el cuestionario" in page


def test_the_trainer_edits_and_previews_a_module_in_both_languages(world, module, login):
    client = login(world.trainer)
    url = reverse("training:module_edit", args=[module.pk])
    data = {
        "tier": "experienced",
        "gestures": ["waive_fee"],
        "pass_mark": "90",
        "validity_months": "6",
        "policy_questions": "3",
        "position": "0",
        "published": "on",
        "action": "preview",
    }
    for language in ("en", "es"):
        for field in ("title", "summary", "lesson_meaning", "lesson_practice", "lesson_celebration"):
            data[f"{field}_{language}"] = f"{field} {language} new"
    preview = client.post(url, data)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'id="preview-en"' in html and "title es new" in html
    module.refresh_from_db()
    assert module.pass_mark == 80  # a preview saves nothing
    del data["action"]
    saved = client.post(url, data)
    assert saved.status_code == 302
    module = Module.objects.get(pk=module.pk)
    assert module.pass_mark == 90 and module.validity_months == 6
    assert module.safe_translation_getter("lesson_practice", language_code="es") == "lesson_practice es new"
    data["pass_mark"] = "0"
    refused = client.post(url, data)
    assert refused.status_code == 422 and 'data-field="pass_mark"' in refused.content.decode()


def test_the_trainer_adds_a_scenario_and_reads_question_difficulty(world, module, login):
    agent = login(world.agent)
    agent.post(reverse("training:start", args=[module.pk]))
    attempt = Attempt.objects.get()
    _post_answers(agent, attempt, right_answers(attempt, wrong=1))
    client = login(world.trainer)
    added = client.post(
        reverse("training:scenario_add", args=[module.pk]),
        {
            "amount": "70.00",
            "reason": "service_outage",
            "scenario_gestures": ["waive_fee"],
            "situation_en": "Outage fee.",
            "rubric_en": "Name the outage.",
            "key_terms_en": "outage",
        },
    )
    assert added.status_code == 302 and module.scenarios.count() == 1
    page = client.get(reverse("training:module_edit", args=[module.pk])).content.decode()
    assert "Outage fee." in page and "Question difficulty" in page and "0 %" in page and "100 %" in page


def test_the_trainer_sees_who_is_certified_and_downloads_xapi(world, module, login):
    agent = login(world.agent)
    agent.post(reverse("training:start", args=[module.pk]))
    attempt = Attempt.objects.get()
    _post_answers(agent, attempt, right_answers(attempt))
    client = login(world.trainer)
    page = client.get(reverse("training:manage")).content.decode()
    assert "Who is certified" in page and "Certified" in page
    download = client.get(reverse("training:xapi"))
    assert download["Content-Disposition"].startswith('attachment; filename="leeway-xapi-aurora-')
    assert [s["verb"]["display"]["en-US"] for s in json.loads(download.content)] == [
        "launched",
        "completed",
        "passed",
    ]


def test_the_lead_confirms_in_one_click(world, module, login):
    agent = login(world.agent)
    agent.post(reverse("training:start", args=[module.pk]))
    attempt = Attempt.objects.get()
    _post_answers(agent, attempt, right_answers(attempt))
    client = login(world.lead)
    page = client.get(reverse("training:eligible")).content.decode()
    assert "Confirm Experienced" in page
    proposal = TierProposal.objects.get()
    answered = client.post(reverse("training:proposal_answer", args=[proposal.pk]), {"answer": "confirm"})
    assert answered.status_code == 302
    world.agent.refresh_from_db()
    assert world.agent.tier == world.experienced
    other = login(world.other_lead)
    assert (
        other.post(reverse("training:proposal_answer", args=[proposal.pk]), {"answer": "confirm"}).status_code
        == 403
    )


def test_the_console_shows_a_due_review_question_and_takes_its_answer(world, module, login):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = login(world.agent)
        client.post(reverse("training:start", args=[module.pk]))
        attempt = Attempt.objects.get()
        _post_answers(client, attempt, right_answers(attempt, wrong=1))
        assert "training-review" not in client.get(reverse("decisions:console")).content.decode()
    with time_machine.travel(start + timezone.timedelta(minutes=11), tick=False):
        console = client.get(reverse("decisions:console")).content.decode()
        assert "A quiet moment? One review question is due" in console
        from leeway.training.models import ReviewCard

        card = ReviewCard.objects.get(lapses=1)
        answered = client.post(reverse("training:review", args=[card.pk]), {"zone": "red"})
        assert answered.status_code == 302 and answered["Location"] == reverse("decisions:console")


def test_roles_and_other_organizations(world, other_world, module, login):
    assert login(world.agent).get(reverse("training:manage")).status_code == 403
    assert login(world.agent).get(reverse("training:settings")).status_code == 403
    assert login(world.trainer).get(reverse("training:eligible")).status_code == 403
    stranger = login(other_world.trainer)
    assert stranger.get(reverse("training:module_edit", args=[module.pk])).status_code == 404
    assert stranger.get(reverse("training:module", args=[module.pk])).status_code == 404
    other_agent = login(other_world.agent)
    assert other_agent.post(reverse("training:start", args=[module.pk])).status_code == 404


def test_the_admin_sets_the_track_record_rule(world, login):
    client = login(world.admin)
    saved = client.post(
        reverse("training:settings"),
        {
            "track_record_decisions": "25",
            "track_record_days": "60",
            "good_outcome_percent": "75",
            "reviews_per_shift": "4",
        },
    )
    assert saved.status_code == 302
    refused = client.post(
        reverse("training:settings"),
        {
            "track_record_decisions": "x",
            "track_record_days": "60",
            "good_outcome_percent": "75",
            "reviews_per_shift": "4",
        },
    )
    assert refused.status_code == 422
    from leeway.training.models import TrainingSettings

    assert TrainingSettings.objects.get(organization=world.organization).track_record_decisions == 25
