"""A world with approved decisions and company values, built through the services."""

from dataclasses import dataclass

import pytest

from leeway.decisions.models import Decision
from leeway.decisions.services import decision_create
from leeway.decisions.tests.conftest import World, counts, other_world, world  # noqa: F401 - fixtures
from leeway.people.models import Organization
from leeway.recognition.services import company_value_create


@dataclass
class RecognitionWorld:
    world: World
    decision: Decision  # agent's protected green decision, whose note quotes the customer
    decision2: Decision  # agent2's protected decision

    def __getattr__(self, name):
        return getattr(self.world, name)


def make_decision(member, *, customer="C-1001", amount="25.00", note="", gesture="waive_fee") -> Decision:
    return decision_create(
        member=member,
        customer=customer,
        gesture=gesture,
        amount=amount,
        currency=member.organization.base_currency,
        reason="billing_error",
        note=note,
    )


def add_values(organization: Organization) -> None:
    company_value_create(
        organization=organization,
        actor=None,
        code="own-it",
        names={"en": "Own it", "es": "Hazlo tuyo"},
    )
    company_value_create(
        organization=organization,
        actor=None,
        code="customer-first",
        names={"en": "Customer first", "es": "El cliente primero"},
    )


QUOTING_NOTE = 'Fee waived. She said "You saved my month, call me at 555-123-4567 or ada@example.com, Byron".'


def build_recognition(base: World) -> RecognitionWorld:
    add_values(base.organization)
    decision = make_decision(base.agent, note=QUOTING_NOTE)
    decision2 = make_decision(base.agent2, customer="C-1002", amount="10.00")
    return RecognitionWorld(world=base, decision=decision, decision2=decision2)


@pytest.fixture
def rw(world) -> RecognitionWorld:  # noqa: F811 - the decisions app's fixture
    return build_recognition(world)


@pytest.fixture
def other_rw(other_world) -> RecognitionWorld:  # noqa: F811 - the decisions app's fixture
    return build_recognition(other_world)
