"""Two (or sixteen) kudos at once cannot overspend a member's monthly allowance (PostgreSQL only).

Each thread has its own database connection, so the guarded UPDATEs genuinely contend for the row.
"""

import pytest
from django.db import connection

from leeway.core.errors import InvalidInput
from leeway.core.tests.threads import run_in_threads
from leeway.decisions.tests.conftest import build_world
from leeway.people.tests.factories import MemberFactory
from leeway.recognition.models import Allowance, Kudos
from leeway.recognition.services import kudos_give, recognition_settings_update
from leeway.recognition.tests.conftest import add_values, make_decision

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across connections)")


def test_concurrent_kudos_never_overspend_the_allowance(aurora):
    world = build_world(aurora)
    add_values(aurora)
    recognition_settings_update(organization=aurora, actor=None, monthly_allowance=50)
    agents = [
        MemberFactory(organization=aurora, role="agent", team=world.agent.team, tier=world.agent.tier)
        for _ in range(THREADS)
    ]
    decisions = [make_decision(agent, amount="5.00") for agent in agents]
    # 16 kudos of 10 points each from one lead at once: only 5 fit in 50 points.
    results = run_in_threads(
        THREADS,
        lambda i: kudos_give(member=world.lead, decision=decisions[i], company_value="own-it", points=10),
    )
    given = [r for r in results if isinstance(r, Kudos)]
    refused = [r for r in results if isinstance(r, InvalidInput)]
    assert len(given) == 5, results
    assert len(refused) == THREADS - 5 and all(r.code == "allowance_exceeded" for r in refused)
    allowance = Allowance.objects.get(member=world.lead)
    assert (allowance.granted, allowance.spent) == (50, 50)
    assert Kudos.objects.filter(giver=world.lead).count() == 5


def test_two_kudos_at_once_for_the_last_points(aurora):
    world = build_world(aurora)
    add_values(aurora)
    first = make_decision(world.agent, amount="5.00")
    second = make_decision(world.agent2, amount="5.00")
    kudos_give(member=world.lead, decision=first, company_value="own-it", points=40)
    others = [first, second]
    # Both first-time kudos from a fresh lead race to create the month's row and spend 60 of 100 each.
    lead = MemberFactory(organization=aurora, role="lead", team=world.lead.team)
    results = run_in_threads(
        2, lambda i: kudos_give(member=lead, decision=others[i], company_value="own-it", points=60)
    )
    assert sorted(type(r).__name__ for r in results) == ["InvalidInput", "Kudos"], results
    assert Allowance.objects.get(member=lead).spent == 60
