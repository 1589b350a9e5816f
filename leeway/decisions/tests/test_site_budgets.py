"""The `site` budget scope: a contact centre's own envelope, shared by every team at that site."""

from decimal import Decimal

import pytest

from leeway.core.errors import Conflict
from leeway.decisions.judging import render_reasons
from leeway.decisions.models import DecisionStatus, Zone
from leeway.decisions.services import decision_approve, decision_create
from leeway.decisions.tests.conftest import build_world
from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory, SiteFactory, TeamFactory
from leeway.policy.budgets import SCOPES, BudgetScope, budget_order, is_hard_cap
from leeway.policy.models import BudgetCounter
from leeway.policy.selectors import budget_statuses_for


def give(member, amount, customer="C-1001"):
    return decision_create(
        member=member, customer=customer, gesture="waive_fee", amount=amount, currency="USD", reason="other"
    )


def site_spent(site) -> Decimal:
    counter = BudgetCounter.objects.filter(budget__scope="site", subject_id=site.pk).first()
    return counter.spent if counter else Decimal("0.00")


@pytest.fixture
def centre(aurora):
    """The agent's site has a 100.00 daily envelope; a second team at the same site shares it."""
    world = build_world(aurora, site_day_cap="100.00")
    site = world.agent.team.site
    neighbours = TeamFactory(
        organization=aurora, name="Denver Shipping", department=world.agent.team.department, site=site
    )
    world.neighbour = MemberFactory(
        username="neighbour", organization=aurora, role=Role.AGENT, team=neighbours, tier=world.agent.tier
    )
    return world


def test_the_registry_orders_scopes_and_knows_which_are_hard_caps():
    assert list(SCOPES) == ["agent", "site", "team", "department", "organization"]
    assert set(SCOPES) == set(BudgetScope.values)
    assert not is_hard_cap("agent")
    assert all(is_hard_cap(scope) for scope in ("site", "team", "department", "organization"))
    assert budget_order("site", "day") < budget_order("team", "day") < budget_order("team", "month")


def test_decisions_of_every_team_at_a_site_charge_the_sites_counter(centre):
    site = centre.agent.team.site
    first = give(centre.agent, "40.00")
    second = give(centre.neighbour, "40.00", customer="C-1002")
    assert first.site_id == second.site_id == site.pk
    assert site_spent(site) == Decimal("80.00")


def test_a_site_that_used_its_envelope_turns_the_next_decision_red(centre):
    give(centre.agent, "50.00")
    give(centre.neighbour, "40.00", customer="C-1002")
    red = give(centre.agent, "20.00")  # 10.00 left at the site
    assert red.zone == Zone.RED
    assert red.status == DecisionStatus.PENDING
    site_reason = next(r for r in red.reasons if r.get("scope") == "site")
    assert site_reason["ok"] is False
    assert site_reason["left"] == "10.00"
    messages = [r["message"] for r in render_reasons(red.reasons)]
    assert "Site budget today: only 10.00 of 100.00 USD left: a lead decides" in messages
    assert site_spent(centre.agent.team.site) == Decimal("90.00")


def test_no_approval_takes_a_site_past_its_cap(centre):
    give(centre.neighbour, "45.00", customer="C-1002")
    give(centre.agent2, "45.00", customer="C-1002")
    request = give(centre.agent, "20.00")
    with pytest.raises(Conflict) as error:
        decision_approve(decision=request, member=centre.lead)
    assert error.value.code == "budget_exhausted"
    assert "site budget today" in str(error.value.message)
    request.refresh_from_db()
    assert request.status == DecisionStatus.PENDING
    assert site_spent(centre.agent.team.site) == Decimal("90.00")


def test_an_approval_charges_the_site_the_request_was_made_from(centre):
    """The decision records its budget subjects: moving the agent later does not move the charge."""
    home = centre.agent.team.site
    request = give(centre.agent, "150.00")  # beyond stretch: a lead decides
    elsewhere = TeamFactory(
        organization=centre.organization,
        name="Lima",
        department=centre.agent.team.department,
        site=SiteFactory(organization=centre.organization, name="Lima"),
    )
    centre.agent.team = elsewhere
    centre.agent.save()
    with pytest.raises(Conflict):  # 150.00 does not fit the home site's 100.00
        decision_approve(decision=request, member=centre.lead)
    assert site_spent(home) == Decimal("0.00")
    assert site_spent(elsewhere.site) == Decimal("0.00")


def test_the_agents_budgets_include_their_sites(centre):
    give(centre.agent, "30.00")
    statuses = {(b["scope"], b["period"]): b for b in budget_statuses_for(centre.neighbour)}
    assert statuses[("site", "day")] == {
        "scope": "site",
        "period": "day",
        "cap": "100.00",
        "spent": "30.00",
        "remaining": "70.00",
        "currency": "USD",
    }
    assert [b["scope"] for b in budget_statuses_for(centre.agent)][:2] == ["agent", "site"]


def test_a_member_without_a_team_has_no_site_budget(centre):
    assert "site" not in {b["scope"] for b in budget_statuses_for(centre.manager)}
