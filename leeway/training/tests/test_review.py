"""Spaced review on the FSRS schedule: missed questions come back soon, known ones later, a few per shift."""

from datetime import UTC, datetime, timedelta

import time_machine

from leeway.training.models import ReviewCard
from leeway.training.selectors import due_review
from leeway.training.services import attempt_start, attempt_submit, review_answer, training_settings_update
from leeway.training.tests.conftest import right_answers, set_rule

START = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)  # the agent's time zone is UTC: the shift is that day


def _take(world, module, *, wrong=0):
    attempt = attempt_start(module=module, member=world.agent)
    return attempt_submit(attempt=attempt, member=world.agent, answers=right_answers(attempt, wrong=wrong))


def test_a_missed_question_comes_back_within_minutes_and_a_known_one_in_days(world, module):
    with time_machine.travel(START, tick=False):
        attempt = _take(world, module, wrong=1)
    missed = attempt.questions.get(correct=False).key
    cards = {card.key: card for card in ReviewCard.objects.filter(member=world.agent)}
    assert len(cards) == 3
    assert cards[missed].due == START + timedelta(minutes=10)  # the one (re)learning step
    assert cards[missed].lapses == 1
    known = [card for key, card in cards.items() if key != missed]
    assert all(card.due >= START + timedelta(days=1) for card in known)

    with time_machine.travel(START + timedelta(minutes=9), tick=False):
        assert due_review(world.agent) is None  # not due yet
    with time_machine.travel(START + timedelta(minutes=11), tick=False):
        card, question, due = due_review(world.agent)
        assert card.key == missed and due == 1
        result = review_answer(card=card, member=world.agent, zone=question["zone"])
    assert result["correct"] is True
    card.refresh_from_db()
    assert card.due >= START + timedelta(days=1) and card.reviews == 2


def test_good_answers_push_the_next_review_further_out(world, module):
    with time_machine.travel(START, tick=False):
        _take(world, module)
    card = ReviewCard.objects.filter(member=world.agent).first()
    first_gap = card.due - START
    moment = card.due + timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):
        found = due_review(world.agent)
        assert found is not None
        card, question, _due = found
        review_answer(card=card, member=world.agent, zone=question["zone"])
    card.refresh_from_db()
    assert card.due - moment > first_gap  # desired retention 0.9: the interval grows


def test_the_review_asks_under_todays_policy(world, module):
    with time_machine.travel(START, tick=False):
        attempt = _take(world, module, wrong=3)
    assert attempt.correct == 0
    set_rule(world, world.experienced, "waive_fee", green="300.00", stretch="400.00")
    with time_machine.travel(START + timedelta(minutes=15), tick=False):
        card, question, _due = due_review(world.agent)
    # Every band now sits against 300/400: the engine's zone is the band's.
    assert question["zone"] == card.key.rsplit(":", 1)[1]
    assert question["amount"] in {180, 350, 500}


def test_a_shift_brings_only_a_few(world, module):
    training_settings_update(actor=world.admin, reviews_per_shift=2)
    with time_machine.travel(START, tick=False):
        _take(world, module, wrong=3)
    moment = START + timedelta(minutes=15)
    answered = 0
    with time_machine.travel(moment, tick=False):
        while (found := due_review(world.agent)) is not None:
            card, _question, _due = found
            review_answer(card=card, member=world.agent, zone="red")
            answered += 1
            assert answered <= 2
    assert answered == 2
    # The next day brings the next few.
    with time_machine.travel(START + timedelta(days=1, hours=1), tick=False):
        assert due_review(world.agent) is not None


def test_leads_get_no_review_panel(world, module):
    assert due_review(world.lead) is None
