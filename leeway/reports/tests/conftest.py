"""The decisions app's small world, with a few weeks of decisions to replay and chart."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from leeway.core.tests.browser import demo_live  # noqa: F401 - fixture of this app's browser tests
from leeway.customers.models import Customer
from leeway.decisions.services import decision_approve, decision_create
from leeway.decisions.tests.conftest import World, build_world
from leeway.people.tests.factories import OrganizationFactory

# "Now" in the tests: a Friday afternoon in Denver (aurora's time zone), mid-month.
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=ZoneInfo("America/Denver"))


def decide(world: World, *, at: datetime, amount: str, member=None, customer="C-1001", gesture="waive_fee"):
    with time_machine.travel(at, tick=False):
        return decision_create(
            member=member or world.agent,
            customer=customer,
            gesture=gesture,
            amount=amount,
            currency=world.organization.base_currency,
            reason="billing_error",
            justification="Outage week." if amount not in ("0.00",) else "",
        )


def history(world: World, *, days: int = 12, now: datetime = NOW) -> list:
    """Every day: several green, amber and red decisions by two agents, so the daily budget binds."""
    extra = [
        Customer.objects.create(organization=world.organization, external_id=f"C-2{n:03d}", name=f"C {n}")
        for n in range(6)
    ]
    customers = ["C-1001", "C-1002", *(customer.external_id for customer in extra)]
    made = []
    amounts = ["25.00", "40.00", "60.00", "90.00", "150.00", "35.00", "0.00", "50.00"]
    for day in range(days, -1, -1):
        for slot, amount in enumerate(amounts):
            at = now - timedelta(days=day, hours=6) + timedelta(minutes=37 * slot)
            if at >= now:
                continue
            member = world.agent if slot % 2 == 0 else world.agent2
            gesture = (
                "rule_bend" if amount == "0.00" else ("account_credit" if slot % 3 == 0 else "waive_fee")
            )
            made.append(
                decide(
                    world,
                    at=at,
                    amount=amount,
                    member=member,
                    customer=customers[(day + slot) % 8],
                    gesture=gesture,
                )
            )
    # A lead answers some requests (so "recorded" differs from the first judgement).
    for decision in [d for d in made if d.status == "pending"][::3]:
        with time_machine.travel(decision.created_at + timedelta(minutes=3), tick=False):
            decision_approve(decision=decision, member=world.lead, note="ok")
    return made


@pytest.fixture
def world(aurora) -> World:
    return build_world(aurora)


@pytest.fixture
def other_world(db) -> World:
    organization = OrganizationFactory(
        slug="casa-azul",
        name="Casa Azul",
        base_currency="EUR",
        default_language="es",
        time_zone="Europe/Madrid",
    )
    return build_world(organization, prefix="casa-")
