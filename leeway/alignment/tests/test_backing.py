"""The Backing Index: per week, per member and per department, from what really happened."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from leeway.alignment.selectors import backing_chart, backing_index
from leeway.alignment.services import (
    concern_raise,
    decision_reverse,
    dispute_open,
    dispute_resolve,
    feedback_give,
)
from leeway.core.errors import Conflict, InvalidInput
from leeway.decisions.services import decision_approve, decision_decline, decisions_sweep_overdue

from .conftest import make_decision

DENVER = ZoneInfo("America/Denver")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=DENVER)  # a Monday


def test_each_week_counts_protected_decisions_and_those_that_drew_something(world):
    with time_machine.travel(MONDAY, tick=False):
        first = make_decision(world)
        make_decision(world, customer="C-1002")
        concern_raise(decision=first, member=world.manager, text="Cap it")
        try:
            feedback_give(decision=first, author=world.manager, kind="correction", message="No")
        except InvalidInput:
            pass
    with time_machine.travel(MONDAY + timedelta(days=7), tick=False):
        second_week = make_decision(world, member=world.agent2)
        try:
            decision_reverse(decision=second_week, member=world.lead)
        except Conflict:
            pass
        manager = backing_index(organization=world.organization, member=world.manager, weeks=2)
        lead = backing_index(organization=world.organization, member=world.lead, weeks=2)
        department = backing_index(
            organization=world.organization, department=world.manager.department, weeks=2
        )
    assert [(week.protected, week.flagged) for week in manager.weeks] == [(2, 1), (1, 0)]
    assert manager.weeks[0].share == 0.5 and not manager.weeks[0].on_target
    assert [(week.protected, week.flagged) for week in lead.weeks] == [(2, 0), (1, 1)]
    # The department counts a decision once, whoever drew what on it.
    assert [(week.protected, week.flagged) for week in department.weeks] == [(2, 1), (1, 1)]
    assert department.total.protected == 3 and department.total.flagged == 2
    chart = backing_chart(department)
    assert len(chart["bars"]) == 2 and chart["bars"][0]["height"] > 0


def test_red_requests_answered_in_time_declines_and_timeouts(world):
    with time_machine.travel(MONDAY, tick=False):
        quick = make_decision(world, amount="150.00")
        late = make_decision(world, amount="150.00", customer="C-1002")
        declined = make_decision(world, amount="150.00", member=world.agent2)
        forgotten = make_decision(world, amount="150.00", member=world.agent2, customer="C-1002")
    with time_machine.travel(MONDAY + timedelta(minutes=1), tick=False):
        decision_approve(decision=quick, member=world.lead)
        decision_decline(decision=declined, member=world.lead, reason="Over the cap")
    with time_machine.travel(MONDAY + timedelta(minutes=5), tick=False):
        decision_approve(decision=late, member=world.lead)
        assert forgotten.pk
        decisions_sweep_overdue()
        lead = backing_index(organization=world.organization, member=world.lead, weeks=1)
        department = backing_index(
            organization=world.organization, department=world.manager.department, weeks=1
        )
    week = lead.weeks[0]
    # Declining is answering too: quick and declined in time, late after its 2-minute target.
    assert (week.red_answered, week.red_in_target, week.in_target_percent) == (3, 2, 66.7)
    assert week.declines == 1 and week.timeouts == 1
    assert department.weeks[0].red_answered == 3 and department.weeks[0].timeouts == 1


def test_disputes_upheld_and_the_median_time_to_resolve(world):
    with time_machine.travel(MONDAY, tick=False):
        decision = make_decision(world)
        disputes = []
        for number in range(3):
            feedback = feedback_give(
                decision=decision,
                author=world.lead,
                kind="coaching",
                behaviour="at_risk",
                message=f"#{number}",
            )
            disputes.append(dispute_open(feedback=feedback, agent=world.agent, comment="Not so"))
    for hours, dispute, outcome in [
        (1, disputes[0], "upheld"),
        (3, disputes[1], "partly_upheld"),
        (10, disputes[2], "rejected"),
    ]:
        with time_machine.travel(MONDAY + timedelta(hours=hours), tick=False):
            dispute_resolve(dispute=dispute, member=world.manager, outcome=outcome, reason="Read it")
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        lead = backing_index(organization=world.organization, member=world.lead, weeks=1)
    week = lead.weeks[0]
    assert (week.disputes_resolved, week.disputes_upheld, week.median_resolution_hours) == (3, 2, 3.0)


def test_weeks_follow_the_organizations_time_zone(world):
    # Sunday 23:30 in Denver is already Monday in UTC: it still belongs to the week before.
    sunday_night = datetime(2026, 11, 8, 23, 30, tzinfo=DENVER)
    with time_machine.travel(sunday_night, tick=False):
        make_decision(world)
    with time_machine.travel(sunday_night + timedelta(days=1), tick=False):
        index = backing_index(organization=world.organization, department=world.manager.department, weeks=2)
    assert [week.protected for week in index.weeks] == [1, 0]
    assert index.weeks[0].start.isoformat() == "2026-11-02"


def test_a_manager_without_a_department_backs_nothing_and_reviews_nothing(world):
    from leeway.alignment.selectors import recent_decisions_to_review
    from leeway.people.models import Role
    from leeway.people.tests.factories import MemberFactory

    make_decision(world)
    loose = MemberFactory(organization=world.organization, role=Role.MANAGER, department=None)
    assert recent_decisions_to_review(loose) == []
    assert backing_index(organization=world.organization, member=loose, weeks=1).total.protected == 0
