"""Dashboard figures equal hand-computed sums; pages, CSV and API are scoped by organization and role."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum

from leeway.decisions.models import Decision
from leeway.people.models import Role
from leeway.people.services import token_create
from leeway.people.tests.factories import MemberFactory
from leeway.policy.models import BudgetCounter
from leeway.reports.selectors import dashboard_for
from leeway.reports.tests.conftest import NOW, decide, history
from leeway.reports.whatif import window


@pytest.fixture
def decided(world):
    return history(world)


def board(member, days=30):
    with time_machine.travel(NOW, tick=False):
        return dashboard_for(member, days=days)


def test_spend_per_day_and_zones_equal_the_decisions_summed_by_hand(world, decided):
    result = board(world.admin)
    first, start = window(world.organization, 30, NOW)
    mine = [d for d in Decision.objects.filter(organization=world.organization) if d.created_at >= start]
    spend = result.tables["spend"]
    assert sum(row[2] for row in spend.rows) == sum(d.base_amount for d in mine if d.status == "approved")
    assert sum(row[1] for row in spend.rows) == sum(1 for d in mine if d.status == "approved")
    assert len(spend.rows) == 30 and spend.rows[0][0] == first
    # One day by hand, in Denver's local day.
    day = NOW.date() - timedelta(days=2)
    by_hand = sum(
        d.base_amount
        for d in mine
        if d.status == "approved" and d.created_at.astimezone(NOW.tzinfo).date() == day
    )
    assert next(row for row in spend.rows if row[0] == day)[2] == by_hand
    teams = result.tables["zones_team"]
    (row,) = teams.rows  # both agents are in one team
    assert row[0] == world.agent.team.name
    assert row[1:5] == [
        len(mine),
        sum(d.zone == "green" for d in mine),
        sum(d.zone == "amber" for d in mine),
        sum(d.zone == "red" for d in mine),
    ]
    assert row[6] == sum(d.base_amount for d in mine if d.status == "approved")


def test_budget_use_equals_the_counters(world, decided):
    result = board(world.admin)
    budgets = {row[0]: row for row in result.tables["budgets"].rows}
    agent_day = budgets["Agent budget per day"]
    counters = BudgetCounter.objects.filter(
        organization=world.organization, budget__scope="agent", budget__period="day"
    )
    assert agent_day[2] == counters.count()
    assert agent_day[3] == counters.aggregate(total=Sum("spent"))["total"]
    assert agent_day[4] == Decimal("200.00") * counters.count()
    assert agent_day[6] == sum(1 for c in counters if c.spent >= Decimal("200.00"))


def test_answer_times_count_each_red_request_once(world, decided):
    result = board(world.admin)
    _first, start = window(world.organization, 30, NOW)
    red = [
        d
        for d in Decision.objects.filter(organization=world.organization, zone="red")
        if d.created_at >= start
    ]
    answered = [d for d in red if d.status != "pending" and d.decided_at]
    assert result.answers["requests"] == len(red)
    assert result.answers["answered"] == len(answered) > 0
    assert result.answers["in_time"] == sum(d.decided_at <= d.due_at for d in answered)
    assert sum(row[1] for row in result.tables["answer_times"].rows) == len(answered)
    three_minutes = next(row for row in result.tables["answer_times"].rows if row[0].startswith("2 to 5"))
    assert three_minutes[1] == len(answered)  # the history's leads answer after 3 minutes


def test_a_manager_sees_their_department_only(world, decided):
    other = MemberFactory(
        username="shipping-agent", organization=world.organization, role=Role.AGENT,
        team=world.other_lead.team, tier=world.agent.tier,
    )  # fmt: skip
    decide(world, at=NOW - timedelta(hours=1), amount="30.00", member=other)
    manager = board(world.manager)
    admin = board(world.admin)
    assert manager.scope.department_id == world.manager.department_id
    assert sum(row[1] for row in manager.tables["zones_team"].rows) == len(
        [d for d in decided if d.created_at >= manager.start]
    )
    assert (
        sum(row[1] for row in admin.tables["zones_team"].rows)
        == sum(row[1] for row in manager.tables["zones_team"].rows) + 1
    )


@pytest.mark.parametrize("url", ["/reports/dashboard/", "/reports/dashboard/spend.csv", "/reports/whatif/"])
def test_agents_and_leads_may_not_read_the_reports(client, world, url):
    for member in (world.agent, world.lead):
        client.force_login(member)
        assert client.get(url).status_code == 403


def test_the_pages_render_and_every_table_downloads_as_csv(client, world, decided):
    client.force_login(world.admin)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/reports/dashboard/?days=30")
        assert page.status_code == 200
        text = page.content.decode()
        assert "<svg" in text and "Zones by team" in text and world.agent.team.name in text
        response = client.get("/reports/dashboard/zones_team.csv?days=30")
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][0] == "Team" and rows[1][0] == world.agent.team.name
        for table in ("spend", "budgets", "zones_site", "answer_times", "answers_team"):
            assert client.get(f"/reports/dashboard/{table}.csv").status_code == 200
        assert client.get("/reports/dashboard/nope.csv").status_code == 404
        whatif = client.get("/reports/whatif/?days=7")
        assert whatif.status_code == 200 and "Draft, replayed" in whatif.content.decode()
        for table in ("zones", "spend", "causes", "budgets", "teams"):
            assert client.get(f"/reports/whatif/{table}.csv?days=7").status_code == 200


def test_a_bad_number_of_days_is_said_and_the_default_shown(client, world):
    client.force_login(world.admin)
    response = client.get("/reports/dashboard/?days=abc", follow=True)
    assert response.status_code == 200 and "Enter a whole number of days." in response.content.decode()


def test_the_publish_page_links_to_the_whatif_when_the_draft_changed(client, world):
    from leeway.policy.models import Budget
    from leeway.policy.services import budget_update

    client.force_login(world.admin)
    assert 'id="whatif-link"' not in client.get("/policy/publish/").content.decode()
    budget_update(
        budget=Budget.objects.get(organization=world.organization, scope="agent"), actor=None, cap="300"
    )
    assert 'href="/reports/whatif/"' in client.get("/policy/publish/").content.decode()


def test_another_organization_sees_none_of_these_figures(client, world, other_world, decided):
    theirs = board(other_world.admin)
    assert theirs.tables["zones_team"].rows == [] and theirs.answers["requests"] == 0
    assert all(row[2] == 0 for row in theirs.tables["spend"].rows)
    client.force_login(other_world.admin)
    with time_machine.travel(NOW, tick=False):
        text = client.get("/reports/dashboard/").content.decode()
    assert world.agent.team.name not in text


def test_the_api_answers_the_same_tables_and_refuses_other_roles(client, world, decided):
    token = token_create(member=world.analyst)[1]
    with time_machine.travel(NOW, tick=False):
        response = client.get(
            "/api/v1/reports/dashboard?days=30", headers={"Authorization": f"Bearer {token}"}
        )
        expected = dashboard_for(world.analyst, days=30)
        whatif = client.get("/api/v1/reports/whatif?days=30", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.content
    tables = {t["key"]: t for t in response.json()["tables"]}
    assert tables["zones_team"]["rows"][0][1] == expected.tables["zones_team"].rows[0][1]
    assert tables["spend"]["rows"][-1][2] == f"{expected.tables['spend'].rows[-1][2]:.2f}"
    assert whatif.status_code == 200 and whatif.json()["draft"]["zones"] == whatif.json()["live"]["zones"]
    agent = token_create(member=world.agent)[1]
    for url in ("/api/v1/reports/dashboard", "/api/v1/reports/whatif"):
        refused = client.get(url, headers={"Authorization": f"Bearer {agent}"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    bad = client.get("/api/v1/reports/whatif?days=0", headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "days"
    manager = token_create(member=world.manager)[1]
    assert (
        client.get("/api/v1/reports/whatif", headers={"Authorization": f"Bearer {manager}"}).status_code
        == 403
    )


def test_past_days_are_summed_once_and_an_answer_given_later_still_counts(world, decided):
    from leeway.decisions.services import decision_decline
    from leeway.reports.models import DecisionDay, OpenDecision, RolledDay

    before = board(world.admin)
    rolled, summed = RolledDay.objects.count(), DecisionDay.objects.count()
    assert rolled == 29 and summed > 0  # every day but today
    old = Decision.objects.filter(organization=world.organization, status="pending").earliest("created_at")
    assert OpenDecision.objects.filter(decision_id=old.pk).exists()
    with time_machine.travel(NOW - timedelta(minutes=5), tick=False):
        decision_decline(decision=old, member=world.lead, reason="Not this time.")
    after = board(world.admin)
    assert (RolledDay.objects.count(), DecisionDay.objects.count()) == (rolled, summed)
    _first, start = window(world.organization, 30, NOW)
    red = [
        d
        for d in Decision.objects.filter(organization=world.organization, zone="red")
        if d.created_at >= start
    ]
    assert (
        after.answers["pending"] == before.answers["pending"] - 1 == sum(d.status == "pending" for d in red)
    )
    assert after.answers["answered"] == before.answers["answered"] + 1
    assert after.tables["zones_team"].rows == before.tables["zones_team"].rows


def test_the_worker_sums_the_days_just_closed_before_anyone_asks(world, decided):
    from leeway.reports.models import DecisionDay, RolledDay
    from leeway.reports.tasks import reports_days_roll_up

    with time_machine.travel(NOW, tick=False):
        assert reports_days_roll_up.call() >= 1
    assert RolledDay.objects.filter(organization=world.organization).count() == 92
    summed = DecisionDay.objects.count()
    assert summed > 0
    result = board(world.admin)  # reads them back, sums nothing more
    assert DecisionDay.objects.count() == summed
    assert sum(row[1] for row in result.tables["zones_team"].rows) == len(
        [d for d in decided if d.created_at >= result.start]
    )


def test_the_worker_queues_nothing_when_every_closed_day_is_summed(world):
    from leeway.reports.tasks import days_waiting

    decide(world, at=NOW - timedelta(hours=1), amount="30.00")  # today: read live, nothing to sum
    assert days_waiting(now=NOW) is False
    decide(world, at=NOW - timedelta(days=3), amount="30.00")
    assert days_waiting(now=NOW) is True
    board(world.admin)
    assert days_waiting(now=NOW) is False
