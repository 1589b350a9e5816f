"""The decisions app's small world (people, a published policy, customers), plus decisions to review."""

import pytest

from leeway.decisions.services import decision_create
from leeway.decisions.tests.conftest import World, build_world
from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory


def make_decision(world, *, amount="25.00", member=None, customer="C-1001"):
    """25.00 is green (approved, protected); above 100.00 is red (pending)."""
    return decision_create(
        member=member or world.agent,
        customer=customer,
        gesture="waive_fee",
        amount=amount,
        currency=world.organization.base_currency,
        reason="billing_error",
        justification="Outage week." if amount not in ("25.00",) else "",
    )


@pytest.fixture
def world(aurora) -> World:
    world = build_world(aurora)
    # A second manager of the same department: disputes are resolved by someone other than the author.
    world.manager2 = MemberFactory(
        username="manager2", organization=aurora, role=Role.MANAGER, department=world.manager.department
    )
    return world


@pytest.fixture
def other_world(db) -> World:
    from leeway.people.tests.factories import OrganizationFactory

    organization = OrganizationFactory(slug="casa-azul", name="Casa Azul", base_currency="EUR")
    return build_world(organization, prefix="casa-")


@pytest.fixture
def protected(world):
    return make_decision(world)


@pytest.fixture
def pending(world):
    return make_decision(world, amount="150.00")
