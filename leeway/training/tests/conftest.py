"""The decisions app's small world with a second tier (experienced), a trainer and a published policy.

Starter: waive_fee green 50.00 / stretch 100.00 (API.md); experienced: 100.00 / 200.00.
"""

import pytest

from leeway.decisions.tests.conftest import World, build_world
from leeway.people.models import Role
from leeway.people.tests.factories import AuthorityTierFactory, MemberFactory
from leeway.policy.models import AuthorityRule
from leeway.policy.services import rule_create, rule_update
from leeway.training.selectors import model_answers
from leeway.training.services import module_create

LESSONS = {
    "title": "Empowerment basics",
    "summary": "What you may do on the spot.",
    "lesson_meaning": "You may act for the customer inside the guardrails.",
    "lesson_practice": "Green is yours, amber needs one line of why, red goes to your lead.",
    "lesson_celebration": "Good decisions are celebrated in the team feed.",
}
LESSONS_ES = {
    "title": "Lo básico del empoderamiento",
    "summary": "Lo que puedes hacer en el momento.",
    "lesson_meaning": "Puedes actuar por el cliente dentro de los límites.",
    "lesson_practice": "Verde es tuyo, ámbar pide una línea de por qué, rojo va a tu responsable.",
    "lesson_celebration": "Las buenas decisiones se celebran en el equipo.",
}


def add_experienced(world: World):
    """A second tier with twice the starter's limits for the fee waiver and the credit, published."""
    tier = AuthorityTierFactory(
        organization=world.organization, code="experienced", name="Experienced", rank=2
    )
    for code in ("waive_fee", "account_credit"):
        rule_create(
            organization=world.organization,
            actor=None,
            tier=tier,
            gesture=world.gestures[code],
            green_limit="100.00",
            stretch_limit="200.00",
            customer_cap_count=None,
            customer_cap_amount=None,
            customer_cap_window_days=30,
        )
    rule_create(
        organization=world.organization,
        actor=None,
        tier=tier,
        gesture=world.gestures["rule_bend"],
        green_limit="0.00",
        stretch_limit="0.00",
        customer_cap_count=None,
        customer_cap_amount=None,
        customer_cap_window_days=30,
    )
    world.publish("experienced tier")
    return tier


def set_rule(world: World, tier, gesture: str, *, green: str, stretch: str) -> int:
    rule = AuthorityRule.objects.get(organization=world.organization, tier=tier, gesture__code=gesture)
    rule_update(rule=rule, actor=None, green_limit=green, stretch_limit=stretch)
    return world.publish(f"{gesture} {green}/{stretch}")


@pytest.fixture
def world(aurora) -> World:
    world = build_world(aurora)
    world.experienced = add_experienced(world)
    world.trainer = MemberFactory(username="trainer", organization=aurora, role=Role.TRAINER, language="en")
    world.agent.first_name = "Ana"
    world.agent.save()
    return world


@pytest.fixture
def other_world(db) -> World:
    from leeway.people.tests.factories import OrganizationFactory

    organization = OrganizationFactory(slug="casa-azul", name="Casa Azul", base_currency="EUR")
    world = build_world(organization, prefix="casa-")
    world.trainer = MemberFactory(
        username="casa-trainer", organization=organization, role=Role.TRAINER, language="en"
    )
    return world


def make_module(
    world, *, tier=None, gestures=("waive_fee",), questions=3, code="basics", published=True, **extra
):
    return module_create(
        actor=world.trainer,
        code=code,
        texts={"en": LESSONS, "es": LESSONS_ES},
        tier=tier or world.experienced,
        gesture_codes=list(gestures),
        policy_questions=questions,
        published=published,
        **extra,
    )


def right_answers(attempt, *, wrong: int = 0) -> list[dict]:
    """The answers the engine agrees with (under the attempt's own policy), all but the first `wrong`."""
    answers = model_answers(attempt, justification="Billed twice, our error.")
    for answer in answers[:wrong]:
        answer["zone"] = "red" if answer["zone"] != "red" else "green"
    return answers


@pytest.fixture
def module(world):
    return make_module(world)
