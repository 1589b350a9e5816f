"""Streaks, first-decision milestones, the Gini coefficient and the share of agents recognised."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory
from leeway.recognition.selectors import (
    celebrated_decisions_of,
    gini,
    milestones_for,
    recognition_stats,
    streaks_for,
)
from leeway.recognition.services import decision_celebrate, kudos_give
from leeway.recognition.tests.conftest import make_decision

DENVER = ZoneInfo("America/Denver")


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], 0.0), ([0, 0, 0], 0.0), ([3, 3, 3, 3], 0.0), ([0, 0, 0, 4], 0.75), ([1, 2, 3, 4], 0.25)],
)
def test_gini(values, expected):
    assert gini(values) == pytest.approx(expected)


def test_a_streak_counts_consecutive_weeks_with_a_protected_decision(world, time_machine):
    # Mondays of three consecutive weeks, then a gap; the streak counts back from this week.
    for day in (datetime(2026, 5, 4, 10, tzinfo=DENVER), datetime(2026, 5, 13, 10, tzinfo=DENVER)):
        time_machine.move_to(day)
        make_decision(world.agent, amount="5.00")
    time_machine.move_to(datetime(2026, 5, 20, 10, tzinfo=DENVER))
    make_decision(world.agent, amount="5.00")
    make_decision(world.agent2, amount="5.00")  # one week only: no streak shown
    assert streaks_for(world.organization) == [
        {"agent_id": world.agent.pk, "agent": world.agent.first_name, "weeks": 3}
    ]
    # Monday of the next week, before any decision: the streak still stands.
    time_machine.move_to(datetime(2026, 5, 25, 8, tzinfo=DENVER))
    assert streaks_for(world.organization)[0]["weeks"] == 3
    time_machine.move_to(datetime(2026, 6, 2, 8, tzinfo=DENVER))
    assert streaks_for(world.organization) == []


def test_streaks_are_in_alphabetical_order_not_ranked(world, time_machine):
    zed = MemberFactory(
        organization=world.organization,
        role=Role.AGENT,
        team=world.agent.team,
        tier=world.agent.tier,
        first_name="Zed",
    )
    amy = MemberFactory(
        organization=world.organization,
        role=Role.AGENT,
        team=world.agent.team,
        tier=world.agent.tier,
        first_name="Amy",
    )
    start = datetime(2026, 5, 4, 10, tzinfo=DENVER)
    for week in range(4):
        time_machine.move_to(start + timedelta(weeks=week))
        make_decision(zed, amount="1.00")
        if week >= 2:
            make_decision(amy, amount="1.00")
    assert [row["agent"] for row in streaks_for(world.organization)] == ["Amy", "Zed"]


def test_first_empowered_decision_milestone(world, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, tzinfo=DENVER))
    make_decision(world.agent2, amount="5.00")
    time_machine.move_to(datetime(2026, 5, 2, 10, tzinfo=DENVER))
    make_decision(world.agent, amount="5.00")
    make_decision(world.agent2, amount="5.00")
    assert [row["agent_id"] for row in milestones_for(world.organization)] == [world.agent.pk]


def test_share_and_gini_of_a_month(rw):
    decision_celebrate(member=rw.lead, decision=rw.decision)
    kudos_give(member=rw.lead, decision=rw.decision, company_value="own-it")
    kudos_give(member=rw.agent2, decision=rw.decision, company_value="own-it")
    figures = recognition_stats(rw.organization)
    # agent: 3 recognitions, agent2: 0 → half the agents, Gini 0.5.
    assert (figures.agents, figures.recognised, figures.share, figures.recognitions) == (2, 1, 0.5, 3)
    assert figures.gini == pytest.approx(0.5)


def test_celebrated_decisions_of_an_agent_newest_first(rw):
    decision_celebrate(member=rw.lead, decision=rw.decision)
    later = make_decision(rw.agent, customer="C-1002", amount="3.00")
    kudos_give(member=rw.agent2, decision=later, company_value="own-it")
    items = celebrated_decisions_of(rw.agent)
    assert [item["url"] for item in items] == [
        f"/recognition/decisions/{later.public_id}/",
        f"/recognition/decisions/{rw.decision.public_id}/",
    ]
    assert items[1]["headline"] == "Waive Fee for Ada"
    assert items[1]["detail"] == f"celebrated by {rw.lead.first_name}"
