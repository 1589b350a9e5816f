"""Budget periods at the organization's midnight, budget statuses, and the caller's gestures."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from leeway.people.models import Member, Role
from leeway.people.tests.factories import MemberFactory, TeamFactory
from leeway.people.tests.helpers import assert_error
from leeway.policy.models import BudgetCounter
from leeway.policy.selectors import budget_statuses_for, gestures_for, period_start
from leeway.policy.services import budget_create, policy_publish
from leeway.policy.tests.factories import make_policy

DENVER = ZoneInfo("America/Denver")


class TestPeriodStart:
    def test_a_day_starts_at_local_midnight_not_utc(self):
        late = datetime(2026, 3, 14, 23, 59, tzinfo=DENVER)
        early = datetime(2026, 3, 15, 0, 1, tzinfo=DENVER)
        assert late.astimezone(ZoneInfo("UTC")).date() == date(2026, 3, 15), "in UTC it is already tomorrow"
        assert period_start("day", time_zone="America/Denver", now=late) == date(2026, 3, 14)
        assert period_start("day", time_zone="America/Denver", now=early) == date(2026, 3, 15)

    def test_a_month_starts_on_the_first_at_local_midnight(self):
        late = datetime(2026, 3, 31, 23, 59, tzinfo=DENVER)
        early = datetime(2026, 4, 1, 0, 1, tzinfo=DENVER)
        assert period_start("month", time_zone="America/Denver", now=late) == date(2026, 3, 1)
        assert period_start("month", time_zone="America/Denver", now=early) == date(2026, 4, 1)

    def test_it_reads_the_clock(self):
        with time_machine.travel(datetime(2026, 7, 1, 0, 1, tzinfo=DENVER), tick=False):
            assert period_start("day", time_zone="America/Denver") == date(2026, 7, 1)
            assert period_start("month", time_zone="America/Denver") == date(2026, 7, 1)
            assert period_start("day", time_zone="Asia/Manila") == date(2026, 7, 1)
            assert period_start("day", time_zone="Pacific/Honolulu") == date(2026, 6, 30)

    def test_an_unknown_period_is_a_programming_error(self):
        with pytest.raises(ValueError):
            period_start("week", time_zone="UTC")


@pytest.fixture
def setup(aurora):
    policy = make_policy(aurora, publish=False)
    budget_create(organization=aurora, actor=None, scope="agent", period="month", cap="2000.00")
    budget_create(organization=aurora, actor=None, scope="department", period="month", cap="50000.00")
    budget_create(organization=aurora, actor=None, scope="organization", period="month", cap="500000.00")
    policy["version"] = policy_publish(organization=aurora, actor=None)
    team = TeamFactory(organization=aurora)
    agent = MemberFactory(organization=aurora, team=team, tier=policy["tier"])
    return {**policy, "team": team, "agent": agent}


def spend(budget, subject_id, start, amount, organization):
    BudgetCounter.objects.update_or_create(
        organization=organization,
        budget=budget,
        subject_id=subject_id,
        period_start=start,
        defaults={"spent": Decimal(amount)},
    )


class TestBudgetStatuses:
    def test_every_applicable_budget_is_listed_untouched(self, aurora, setup):
        statuses = budget_statuses_for(setup["agent"])
        assert [(s["scope"], s["period"]) for s in statuses] == [
            ("agent", "day"),
            ("agent", "month"),
            ("team", "day"),
            ("department", "month"),
            ("organization", "month"),
        ]
        assert statuses[0] == {
            "scope": "agent",
            "period": "day",
            "cap": "200.00",
            "spent": "0.00",
            "remaining": "200.00",
            "currency": "USD",
        }

    def test_counters_of_the_current_period_move_the_figures(self, aurora, setup):
        agent, team = setup["agent"], setup["team"]
        with time_machine.travel(datetime(2026, 3, 14, 23, 59, tzinfo=DENVER), tick=False):
            spend(setup["agent_day"], agent.pk, date(2026, 3, 14), "80.00", aurora)
            spend(setup["agent_day"], agent.pk, date(2026, 3, 13), "150.00", aurora)  # yesterday: gone
            spend(setup["team_day"], team.pk, date(2026, 3, 14), "1999.50", aurora)
            spend(setup["agent_day"], agent.pk + 1000, date(2026, 3, 14), "42.00", aurora)  # someone else
            statuses = {(s["scope"], s["period"]): s for s in budget_statuses_for(agent)}
            assert statuses[("agent", "day")] == {
                "scope": "agent",
                "period": "day",
                "cap": "200.00",
                "spent": "80.00",
                "remaining": "120.00",
                "currency": "USD",
            }
            assert statuses[("team", "day")]["remaining"] == "0.50"
        with time_machine.travel(datetime(2026, 3, 15, 0, 1, tzinfo=DENVER), tick=False):
            statuses = {(s["scope"], s["period"]): s for s in budget_statuses_for(agent)}
            assert statuses[("agent", "day")]["spent"] == "0.00", "a new day at the organization's midnight"
            assert statuses[("team", "day")]["remaining"] == "2000.00"

    def test_remaining_never_goes_below_zero(self, aurora, setup):
        agent = setup["agent"]
        with time_machine.travel(datetime(2026, 3, 14, 12, 0, tzinfo=DENVER), tick=False):
            spend(setup["agent_day"], agent.pk, date(2026, 3, 14), "250.00", aurora)  # a lead approved beyond
            status = budget_statuses_for(agent)[0]
        assert (status["spent"], status["remaining"]) == ("250.00", "0.00")

    def test_a_member_without_a_team_has_no_team_budget(self, aurora, setup):
        admin = MemberFactory(organization=aurora, role=Role.ADMIN)
        assert ("team", "day") not in {(s["scope"], s["period"]) for s in budget_statuses_for(admin)}

    def test_nothing_published_means_no_budgets(self, casa):
        assert budget_statuses_for(MemberFactory(organization=casa)) == []

    def test_me_shows_the_budgets_after_counters_move(self, api_client, aurora, setup):
        agent = setup["agent"]
        with time_machine.travel(datetime(2026, 3, 14, 9, 0, tzinfo=DENVER), tick=False):
            spend(setup["agent_day"], agent.pk, date(2026, 3, 14), "25.00", aurora)
            api_client.authenticate(agent)
            body = api_client.get_json("/api/v1/me").json()
        assert body["budgets"][0] == {
            "scope": "agent",
            "period": "day",
            "cap": "200.00",
            "spent": "25.00",
            "remaining": "175.00",
            "currency": "USD",
        }


class TestGesturesApi:
    def test_the_demo_agent_sees_waive_fee_with_api_md_limits(self, api_client, policy_demo):
        api_client.authenticate(Member.objects.get(username="aurora-agent"))
        response = api_client.get_json("/api/v1/gestures")
        assert response.status_code == 200
        rows = {row["code"]: row for row in response.json()}
        assert set(rows) == {
            "waive_fee",
            "account_credit",
            "refund",
            "upgrade",
            "deadline_extension",
            "expedited_shipping",
            "replacement",
            "discount",
            "rule_bend",
        }
        waive = rows["waive_fee"]
        assert (waive["green_limit"], waive["stretch_limit"], waive["currency"]) == ("50.00", "100.00", "USD")
        assert waive["name"] == "Waive a fee"
        assert set(waive) >= {"code", "name", "default_amount", "green_limit", "stretch_limit", "currency"}
        assert rows["rule_bend"]["zero_cost"] is True and rows["rule_bend"]["default_amount"] == "0.00"

    def test_names_follow_accept_language(self, api_client, policy_demo):
        api_client.authenticate(Member.objects.get(username="aurora-agent"))
        rows = api_client.get_json("/api/v1/gestures", headers={"Accept-Language": "es"}).json()
        names = {row["code"]: row["name"] for row in rows}
        assert names["waive_fee"] == "Anular un cargo"
        assert names["rule_bend"] == "Excepción sin coste"

    def test_without_accept_language_the_organization_default_applies(self, api_client, policy_demo):
        api_client.authenticate(Member.objects.get(username="casa-agent"))
        rows = api_client.get_json("/api/v1/gestures").json()
        waive = next(row for row in rows if row["code"] == "waive_fee")
        assert (waive["name"], waive["currency"]) == ("Anular un cargo", "EUR")

    def test_a_higher_tier_sees_higher_limits(self, api_client, policy_demo):
        api_client.authenticate(Member.objects.get(username="bnguyen"))  # senior
        rows = {row["code"]: row for row in api_client.get_json("/api/v1/gestures").json()}
        assert Decimal(rows["waive_fee"]["green_limit"]) > Decimal("50.00")

    def test_a_member_without_a_tier_sees_no_limits(self, api_client, policy_demo):
        api_client.authenticate(Member.objects.get(username="aurora-lead"))
        rows = api_client.get_json("/api/v1/gestures").json()
        assert rows and all(row["green_limit"] is None and row["stretch_limit"] is None for row in rows)

    def test_it_needs_authentication(self, api_client):
        assert_error(api_client.get_json("/api/v1/gestures"), 401, "not_authenticated")

    def test_the_draft_is_not_shown_until_published(self, aurora, setup):
        from leeway.policy.services import gesture_update, rule_update

        rule_update(rule=setup["rule"], actor=None, green_limit="70.00", stretch_limit="140.00")
        gesture_update(gesture=setup["gesture"], actor=None, names={"en": "Forgive a fee"})
        row = gestures_for(setup["agent"], "en")[0]
        assert (row["name"], row["green_limit"]) == ("Waive a fee", "50.00")
        policy_publish(organization=aurora, actor=None)
        row = gestures_for(setup["agent"], "en")[0]
        assert (row["name"], row["green_limit"]) == ("Forgive a fee", "70.00")


def test_the_openapi_document_lists_the_policy_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/gestures", "/api/v1/rates", "/api/v1/rates/{currency}"} <= set(paths)
