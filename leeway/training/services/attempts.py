"""Taking a module: questions drawn from the live policy, their grading, and spaced review (FSRS)."""

from datetime import datetime, timedelta

import fsrs
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.alignment.services.common import clean_text
from leeway.core.audit import audit_record
from leeway.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from leeway.core.outbox import outbox_emit
from leeway.decisions.models import Zone
from leeway.people.models import Member, Role
from leeway.policy.models import PolicyVersion
from leeway.policy.snapshot import PolicySnapshot, current_policy, snapshot_for_version
from leeway.training import quiz
from leeway.training.models import ANSWER_MAX_LENGTH, Attempt, Module, Question, ReviewCard
from leeway.training.services.tiers import certification_record

# The maintained FSRS scheduler at desired retention 0.9. One 10-minute (re)learning step: a missed
# question comes back in the same shift, a right one graduates at once (FSRS's own interval, days),
# since answering it inside a quiz already was the first step. Fuzzing off: the same answers give the
# same schedule, which is what a trainer (and a test with a time machine) expects to read back.
RELEARN_AFTER = timedelta(minutes=10)
SCHEDULER = fsrs.Scheduler(
    desired_retention=0.9,
    learning_steps=(RELEARN_AFTER,),
    relearning_steps=(RELEARN_AFTER,),
    enable_fuzzing=False,
)


def _snapshot_for(organization_id: int) -> PolicySnapshot:
    snapshot = current_policy(organization_id)
    if snapshot is None:
        raise Conflict(_("The organization has not published a policy yet."), code="no_policy")
    return snapshot


def attempt_start(*, module: Module, member: Member, language: str | None = None) -> Attempt:
    """Draw the questions from today's policy (and the module's own scenarios) and open the attempt."""
    if member.organization_id != module.organization_id or not module.published:
        raise NotFound()
    if member.role != Role.AGENT:
        raise Forbidden(_("Training modules are taken by agents."))
    snapshot = _snapshot_for(module.organization_id)
    language = language or member.language
    now = timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.create(
            organization_id=module.organization_id,
            module=module,
            member=member,
            policy_version_id=snapshot.version_id,
            tier=module.tier,
            language=language,
            started_at=now,
        )
        drafts = quiz.policy_questions(
            snapshot,
            tier=module.tier,
            gesture_codes=module.gesture_codes,
            count=module.policy_questions,
            language=language,
            seed=str(attempt.public_id),
        )
        for scenario in module.scenarios.all():
            drafts.append(
                quiz.Draft(
                    key=scenario.key,
                    situation=scenario.safe_translation_getter(
                        "situation", language_code=language, any_language=True
                    ),
                    amount=scenario.amount,
                    accepted_gestures=tuple(scenario.gesture_codes),
                    scenario_id=scenario.pk,
                )
            )
        if not drafts:
            raise Conflict(
                _(
                    "This module has no questions under the current policy: its tier has no rules for its "
                    "gestures."
                ),
                code="no_questions",
            )
        Question.objects.bulk_create(
            [
                Question(
                    organization_id=module.organization_id,
                    attempt=attempt,
                    position=position,
                    key=draft.key,
                    scenario_id=draft.scenario_id,
                    situation=draft.situation,
                    amount=draft.amount,
                    accepted_gestures=list(draft.accepted_gestures),
                )
                for position, draft in enumerate(drafts, start=1)
            ]
        )
        attempt.total = len(drafts)
        attempt.save(update_fields=["total"])
        audit_record(
            organization_id=attempt.organization_id,
            actor_id=member.pk,
            action="training.launched",
            object_type="attempt",
            object_id=attempt.pk,
            data={"module": module.code, "policy_version": snapshot.number, "questions": len(drafts)},
        )
    return attempt


def _answer_values(answers, questions: list[Question]) -> dict[int, dict]:
    """Each question's answer by position, checked: a known gesture and zone, a justification of text."""
    if not isinstance(answers, list):
        raise InvalidInput(_("Give one answer per question."), code="invalid", field="answers")
    by_position: dict[int, dict] = {}
    zones = set(Zone.values)
    for answer in answers:
        if not isinstance(answer, dict):
            raise InvalidInput(_("Give one answer per question."), code="invalid", field="answers")
        position = answer.get("question")
        if isinstance(position, bool) or not isinstance(position, int):
            raise InvalidInput(_("Name the question by its number."), code="invalid", field="question")
        field = f"answers.{position}"
        zone = answer.get("zone")
        if zone not in zones:
            raise InvalidInput(_("Pick green, amber or red."), code="invalid_zone", field=f"{field}.zone")
        gesture = answer.get("gesture")
        if not isinstance(gesture, str) or not gesture or len(gesture) > 40:
            raise InvalidInput(_("Pick a gesture."), code="invalid_gesture", field=f"{field}.gesture")
        justification = clean_text(
            answer.get("justification"), field=f"{field}.justification", max_length=ANSWER_MAX_LENGTH
        )
        by_position[position] = {"zone": zone, "gesture": gesture, "justification": justification}
    expected = {question.position for question in questions}
    if set(by_position) != expected:
        missing = sorted(expected - set(by_position))
        raise InvalidInput(
            _("Answer every question (question %(number)s has no answer).") % {"number": missing[0]}
            if missing
            else _("There is no such question."),
            code="incomplete",
            field="answers",
        )
    return by_position


def attempt_submit(*, attempt: Attempt, member: Member, answers) -> Attempt:
    """Grade every answer with the engine under the attempt's policy; a pass certifies."""
    if member.pk != attempt.member_id:
        raise NotFound()
    now = timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("module", "tier").get(pk=attempt.pk)
        if attempt.is_submitted:
            raise Conflict(_("This attempt was already submitted."), code="already_submitted")
        questions = list(attempt.questions.select_related("scenario"))
        values = _answer_values(answers, questions)
        snapshot = snapshot_for_version(PolicyVersion.objects.get(pk=attempt.policy_version_id))
        correct = 0
        for question in questions:
            answer = values[question.position]
            terms = []
            if question.scenario is not None:
                terms = quiz.key_terms(
                    question.scenario.safe_translation_getter(
                        "key_terms", language_code=attempt.language, any_language=True
                    )
                )
            grade = quiz.grade(
                snapshot,
                tier_id=attempt.tier_id,
                amount=question.amount,
                accepted_gestures=question.accepted_gestures,
                gesture=answer["gesture"],
                zone=answer["zone"],
                justification=answer["justification"],
                terms=terms,
            )
            question.answer_gesture = answer["gesture"]
            question.answer_zone = answer["zone"]
            question.answer_justification = answer["justification"]
            question.engine_zone = grade.engine_zone
            question.gesture_ok, question.zone_ok = grade.gesture_ok, grade.zone_ok
            question.justification_ok, question.correct = grade.justification_ok, grade.correct
            correct += grade.correct
            _schedule(member=member, module=attempt.module, key=question.key, correct=grade.correct, now=now)
        Question.objects.bulk_update(
            questions,
            [
                "answer_gesture",
                "answer_zone",
                "answer_justification",
                "engine_zone",
                "gesture_ok",
                "zone_ok",
                "justification_ok",
                "correct",
            ],
        )
        attempt.correct = correct
        attempt.submitted_at = now
        attempt.passed = correct * 100 >= attempt.module.pass_mark * attempt.total
        attempt.save(update_fields=["correct", "submitted_at", "passed"])
        audit_record(
            organization_id=attempt.organization_id,
            actor_id=member.pk,
            action="training.passed" if attempt.passed else "training.failed",
            object_type="attempt",
            object_id=attempt.pk,
            data={"module": attempt.module.code, "correct": correct, "total": attempt.total},
        )
        if attempt.passed:
            certification_record(
                member=member,
                module=attempt.module,
                snapshot=snapshot,
                attempt=attempt,
                waived_by=None,
                now=now,
            )
            outbox_emit(
                organization_id=attempt.organization_id,
                topic="training.passed",
                payload={"member": member.first_name or member.username, "module": attempt.module.code},
            )
    return attempt


# --- Spaced review


def _schedule(*, member: Member, module: Module, key: str, correct: bool, now: datetime) -> ReviewCard:
    """Rate the question on the agent's FSRS card: Good when right, Again when missed (it comes back soon)."""
    card_row = ReviewCard.objects.filter(member=member, module=module, key=key).first()
    card = fsrs.Card.from_dict(card_row.card) if card_row else fsrs.Card(due=now)
    card, _log = SCHEDULER.review_card(
        card, fsrs.Rating.Good if correct else fsrs.Rating.Again, review_datetime=now
    )
    if card_row is None:
        card_row = ReviewCard(organization_id=module.organization_id, member=member, module=module, key=key)
    card_row.card = card.to_dict()
    card_row.due = card.due
    card_row.reviews += 1
    card_row.lapses += 0 if correct else 1
    card_row.last_reviewed_at = now
    card_row.save()
    return card_row


def review_answer(*, card: ReviewCard, member: Member, zone: str, now: datetime | None = None) -> dict:
    """Answer a due review question in the console: the engine says the zone under today's policy."""
    from leeway.training.selectors import review_question

    if member.pk != card.member_id:
        raise NotFound()
    if zone not in Zone.values:
        raise InvalidInput(_("Pick green, amber or red."), code="invalid_zone", field="zone")
    now = now or timezone.now()
    question = review_question(card, language=member.language)
    if question is None:
        raise Conflict(_("This question no longer applies to the policy."), code="retired")
    correct = zone == question["zone"]
    with transaction.atomic():
        card = ReviewCard.objects.select_for_update().get(pk=card.pk)
        card = _schedule(member=member, module=card.module, key=card.key, correct=correct, now=now)
        card.console_reviewed_at = now
        card.save(update_fields=["console_reviewed_at"])
    return {"correct": correct, "zone": question["zone"], "next_due": card.due}
