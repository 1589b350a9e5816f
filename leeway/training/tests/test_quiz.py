"""The quiz comes from the published policy and the engine grades it: a new policy changes it at once."""

from decimal import Decimal

import pytest

from leeway.core.errors import Conflict, Forbidden, InvalidInput
from leeway.training.services import attempt_start, attempt_submit, scenario_create
from leeway.training.tests.conftest import make_module, right_answers, set_rule


def _amounts(attempt) -> dict[str, Decimal]:
    return {question.key: question.amount for question in attempt.questions.all()}


def test_questions_sit_in_each_zone_of_the_tiers_rule(world, module):
    attempt = attempt_start(module=module, member=world.agent)
    # experienced waive_fee: green 100, stretch 200.
    assert _amounts(attempt) == {
        "policy:waive_fee:green": Decimal("60.00"),
        "policy:waive_fee:amber": Decimal("150.00"),
        "policy:waive_fee:red": Decimal("250.00"),
    }
    question = attempt.questions.get(key="policy:waive_fee:amber")
    assert "150.00 USD" in question.situation and "Experienced" in question.situation
    assert question.accepted_gestures == ["waive_fee", "account_credit"]
    assert attempt.total == 3 and attempt.policy_version.number == 2


def test_the_quiz_follows_a_policy_change(world, module):
    before = attempt_start(module=module, member=world.agent)
    set_rule(world, world.experienced, "waive_fee", green="160.00", stretch="300.00")
    after = attempt_start(module=module, member=world.agent)
    assert after.policy_version.number == 3
    assert _amounts(after) == {
        "policy:waive_fee:green": Decimal("96.00"),
        "policy:waive_fee:amber": Decimal("230.00"),
        "policy:waive_fee:red": Decimal("375.00"),
    }
    # The old attempt is graded under the policy it was drawn from; 150.00 was amber there.
    answers = right_answers(before)
    graded = attempt_submit(attempt=before, member=world.agent, answers=answers)
    assert graded.correct == 3
    amber = graded.questions.get(key="policy:waive_fee:amber")
    assert amber.engine_zone == "amber"


def test_the_engine_judges_the_gesture_the_agent_chose(world, module):
    attempt = attempt_start(module=module, member=world.agent)
    answers = right_answers(attempt)
    amber = next(
        a for a in answers if a["question"] == attempt.questions.get(key="policy:waive_fee:amber").position
    )
    amber["gesture"] = "refund"  # not a gesture that fits (and not in this catalogue)
    graded = attempt_submit(attempt=attempt, member=world.agent, answers=answers)
    question = graded.questions.get(key="policy:waive_fee:amber")
    assert question.gesture_ok is False and question.correct is False
    assert graded.correct == 2


def test_amber_and_red_answers_need_a_justification(world, module):
    attempt = attempt_start(module=module, member=world.agent)
    answers = right_answers(attempt)
    for answer in answers:
        answer["justification"] = ""
    graded = attempt_submit(attempt=attempt, member=world.agent, answers=answers)
    results = {q.key: (q.zone_ok, q.justification_ok, q.correct) for q in graded.questions.all()}
    assert results == {
        "policy:waive_fee:green": (True, True, True),
        "policy:waive_fee:amber": (True, False, False),
        "policy:waive_fee:red": (True, False, False),
    }


def test_a_trainers_scenario_is_graded_by_the_engine_and_its_rubric(world):
    module = make_module(world, questions=0)
    scenario_create(
        module=module,
        actor=world.trainer,
        texts={
            "en": {
                "situation": "A pensioner was charged a reconnection fee after our outage.",
                "rubric": "Name the outage: it was our fault.",
                "key_terms": "outage, our fault",
            }
        },
        gesture_codes=["waive_fee"],
        amount="120.00",
        reason="service_outage",
    )
    attempt = attempt_start(module=module, member=world.agent)
    (question,) = attempt.questions.all()
    assert question.key.startswith("scenario:") and question.amount == Decimal("120.00")
    answer = {"question": 1, "gesture": "waive_fee", "zone": "amber", "justification": "She is upset."}
    graded = attempt_submit(attempt=attempt, member=world.agent, answers=[answer])
    question.refresh_from_db()
    assert question.zone_ok and not question.justification_ok and graded.correct == 0

    second = attempt_start(module=module, member=world.agent)
    answer["justification"] = "The Outage was ours."
    assert attempt_submit(attempt=second, member=world.agent, answers=[answer]).correct == 1


def test_answers_are_checked_before_anything_is_graded(world, module):
    attempt = attempt_start(module=module, member=world.agent)
    answers = right_answers(attempt)
    with pytest.raises(InvalidInput) as refusal:
        attempt_submit(attempt=attempt, member=world.agent, answers=answers[:2])
    assert refusal.value.code == "incomplete"
    answers[0]["zone"] = "purple"
    with pytest.raises(InvalidInput) as refusal:
        attempt_submit(attempt=attempt, member=world.agent, answers=answers)
    assert refusal.value.code == "invalid_zone"
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and not attempt.questions.filter(correct__isnull=False).exists()


def test_an_attempt_is_submitted_once(world, module):
    attempt = attempt_start(module=module, member=world.agent)
    attempt_submit(attempt=attempt, member=world.agent, answers=right_answers(attempt))
    with pytest.raises(Conflict):
        attempt_submit(attempt=attempt, member=world.agent, answers=right_answers(attempt))


def test_only_agents_take_modules_and_drafts_are_not_taken(world, module):
    with pytest.raises(Forbidden):
        attempt_start(module=module, member=world.lead)
    draft = make_module(world, code="draft", published=False)
    from leeway.core.errors import NotFound

    with pytest.raises(NotFound):
        attempt_start(module=draft, member=world.agent)


def test_a_module_without_rules_under_the_policy_has_no_quiz(world):
    module = make_module(world, gestures=("upgrade",), code="upgrades")  # no rule for upgrade
    with pytest.raises(Conflict) as refusal:
        attempt_start(module=module, member=world.agent)
    assert refusal.value.code == "no_questions"
