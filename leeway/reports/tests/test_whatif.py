"""The what-if equals a direct replay (every decision through `evaluate`) and follows the draft."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from leeway.decisions.judging import BudgetState, CapUsage, budget_targets, evaluate
from leeway.decisions.models import Decision
from leeway.policy.models import AuthorityRule, Budget
from leeway.policy.services import budget_update, rule_update
from leeway.policy.snapshot import current_policy
from leeway.reports.tests.conftest import NOW, history
from leeway.reports.whatif import draft_policy, policy_whatif, window


def direct_replay(world, snapshot, *, days: int) -> dict:
    """The slow, obvious replay: oldest first, each decision judged with all its counters and caps."""
    organization = world.organization
    first, start = window(organization, days, NOW)
    decisions = list(
        Decision.objects.filter(organization=organization, created_at__gte=start, created_at__lt=NOW)
        .select_related("agent", "gesture")
        .order_by("created_at", "id")
    )
    # Caps remember the approvals recorded before the window; the month budgets the spend before it.
    approved = [
        (d.customer_id, d.gesture_id, d.created_at, d.base_amount)
        for d in Decision.objects.filter(organization=organization, status="approved", created_at__lt=start)
    ]
    spent: dict = {}
    for d in Decision.objects.filter(organization=organization, status="approved", created_at__lt=start):
        for target in budget_targets(snapshot, subjects=d.budget_subjects, now=d.created_at):
            if target.period == "month" and target.period_start == first.replace(day=1):
                spent[target.key] = spent.get(target.key, Decimal("0")) + d.base_amount
    zones = {"green": 0, "amber": 0, "red": 0}
    by_budget: dict = {}
    requests_by_team: dict = {}
    for d in decisions:
        rule = snapshot.rule_for(
            d.agent.tier_id, d.gesture.code if d.gesture.code in snapshot.gestures else ""
        )
        usage = None
        if rule is not None and (rule.customer_cap_count is not None or rule.customer_cap_amount is not None):
            since = d.created_at - timedelta(days=rule.customer_cap_window_days)
            window_rows = [
                a for c, g, at, a in approved if c == d.customer_id and g == d.gesture_id and at >= since
            ]
            usage = CapUsage(count=len(window_rows), total=sum(window_rows, Decimal("0.00")))
        targets = budget_targets(snapshot, subjects=d.budget_subjects, now=d.created_at)
        states = [BudgetState(target=t, spent=spent.get(t.key, Decimal("0.00"))) for t in targets]
        judgement = evaluate(
            rule=rule,
            base_amount=d.base_amount,
            base_currency=snapshot.base_currency,
            cap_usage=usage,
            budgets=states,
        )
        zones[judgement.zone] += 1
        if judgement.zone == "red":
            requests_by_team[d.team_id] = requests_by_team.get(d.team_id, 0) + 1
            continue
        approved.append((d.customer_id, d.gesture_id, d.created_at, d.base_amount))
        if d.base_amount > 0:
            for t in targets:
                spent[t.key] = spent.get(t.key, Decimal("0.00")) + d.base_amount
                by_budget[(t.scope, t.period)] = (
                    by_budget.get((t.scope, t.period), Decimal("0.00")) + d.base_amount
                )
    return {"zones": zones, "budgets": by_budget, "requests_by_team": requests_by_team}


def figures(outcome) -> dict:
    return {
        "zones": outcome.zones,
        "budgets": {(b.scope, b.period): b.spent for b in outcome.budgets if b.spent},
        "requests_by_team": outcome.requests_by_team,
    }


@pytest.fixture
def decided(world):
    return history(world)


def whatif(world, days=30):
    with time_machine.travel(NOW, tick=False):
        return policy_whatif(organization=world.organization, days=days)


def test_the_draft_unchanged_answers_as_the_live_version_and_as_a_direct_replay(world, decided):
    result = whatif(world)
    live = current_policy(world.organization.pk)
    assert result.decisions == len(decided)
    assert figures(result.draft) == figures(result.live) == direct_replay(world, live, days=30)
    # The daily agent budget (200.00) binds: some requests are the budget's, not the limits'.
    assert result.draft.requests_by_cause["budget"] > 0
    assert result.draft.requests_by_cause["limit"] > 0
    assert sum(result.recorded.zones.values()) == len(decided)


def test_a_wider_green_limit_and_a_larger_budget_change_the_answer_exactly_as_a_replay_does(world, decided):
    before = whatif(world)
    rule = AuthorityRule.objects.get(organization=world.organization, gesture__code="waive_fee")
    rule_update(rule=rule, actor=None, green_limit="100.00", stretch_limit="200.00")
    budget = Budget.objects.get(organization=world.organization, scope="agent", period="day")
    budget_update(budget=budget, actor=None, cap="400.00")
    after = whatif(world)
    with time_machine.travel(NOW, tick=False):
        draft = draft_policy(world.organization)
    assert figures(after.draft) == direct_replay(world, draft, days=30)
    assert figures(after.live) == figures(before.live)  # the live version did not move
    assert after.draft.zones["red"] < before.draft.zones["red"]
    assert after.draft.zones["green"] > before.draft.zones["green"]
    assert after.draft.approved_spend > before.draft.approved_spend


def test_a_smaller_budget_turns_more_requests_red_exactly_as_a_replay_does(world, decided):
    budget = Budget.objects.get(organization=world.organization, scope="agent", period="day")
    budget_update(budget=budget, actor=None, cap="60.00")
    result = whatif(world)
    with time_machine.travel(NOW, tick=False):
        draft = draft_policy(world.organization)
    assert figures(result.draft) == direct_replay(world, draft, days=30)
    assert result.draft.requests_by_cause["budget"] > result.live.requests_by_cause["budget"]
    assert result.draft.zones["red"] > result.live.zones["red"]


def test_a_customer_cap_turns_repeat_gestures_red_exactly_as_a_replay_does(world, decided):
    for rule in AuthorityRule.objects.filter(organization=world.organization):
        rule_update(rule=rule, actor=None, customer_cap_count=1, customer_cap_window_days=7)
    result = whatif(world)
    with time_machine.travel(NOW, tick=False):
        draft = draft_policy(world.organization)
    assert figures(result.draft) == direct_replay(world, draft, days=30)
    assert result.draft.requests_by_cause["customer_cap"] > 0
    assert result.draft.zones["red"] > result.live.zones["red"]


def test_a_shorter_window_replays_fewer_decisions_and_still_matches(world, decided):
    result = whatif(world, days=3)
    assert 0 < result.decisions < len(decided)
    assert figures(result.draft) == direct_replay(world, current_policy(world.organization.pk), days=3)


def test_a_month_budget_remembers_the_spend_recorded_earlier_that_month(world, decided):
    first, start = window(world.organization, 3, NOW)
    earlier = Decision.objects.filter(
        organization=world.organization,
        status="approved",
        created_at__lt=start,
        created_at__gte=start - timedelta(days=first.day - 1),
    )
    spent_before = sum(d.base_amount for d in earlier)
    assert spent_before > 0
    budget = Budget.objects.get(organization=world.organization, scope="department", period="month")
    budget_update(budget=budget, actor=None, cap=str(spent_before + Decimal("150.00")))
    result = whatif(world, days=3)
    with time_machine.travel(NOW, tick=False):
        draft = draft_policy(world.organization)
    assert figures(result.draft) == direct_replay(world, draft, days=3)
    department = next(b for b in result.draft.budgets if b.scope == "department")
    assert Decimal("0") < department.spent <= Decimal("150.00") and department.requests > 0


def test_another_organization_s_decisions_are_never_replayed(world, other_world, decided):
    from leeway.reports.tests.conftest import decide

    decide(other_world, at=NOW - timedelta(hours=2), amount="30.00", customer="C-1001")
    mine = whatif(world)
    theirs = whatif(other_world)
    assert mine.decisions == len(decided)
    assert theirs.decisions == 1 and theirs.draft.zones["green"] == 1


def test_an_organization_without_decisions_replays_to_zeros(world):
    result = whatif(world)
    assert result.decisions == 0
    assert result.draft.zones == {"green": 0, "amber": 0, "red": 0}
    assert result.draft.approved_spend == Decimal("0.00") and result.draft.requests_by_team == {}
