"""The demo's recognition: values in both languages, weeks of history, idempotent, never today's budgets."""

import zoneinfo

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from leeway.core.audit import audit_verify
from leeway.decisions.models import Decision, DecisionStatus
from leeway.people.models import Member
from leeway.policy.models import BudgetCounter
from leeway.recognition.models import Award, AwardStatus, Celebration, CompanyValue, Kudos
from leeway.recognition.selectors import recognition_stats


def test_the_demo_feed_is_alive_and_loading_twice_changes_nothing(demo):
    aurora = demo["aurora"]
    value = CompanyValue.objects.get(organization=aurora, code="customer-first")
    assert value.safe_translation_getter("name", language_code="es") == "El cliente primero"
    counts = (
        Decision.objects.count(),
        Celebration.objects.count(),
        Kudos.objects.count(),
        Award.objects.count(),
    )
    assert Celebration.objects.filter(organization=aurora).count() > 10
    assert Award.objects.filter(organization=aurora, status=AwardStatus.CONFIRMED).exists()
    assert not Decision.objects.filter(status=DecisionStatus.PENDING).exists()
    # History is charged to its own days and months, never to today's budgets.
    assert _charged_today() == []
    call_command("demo-data", verbosity=0)
    assert counts == (
        Decision.objects.count(),
        Celebration.objects.count(),
        Kudos.objects.count(),
        Award.objects.count(),
    )
    assert audit_verify() == []
    assert all(k.giver_id != k.agent_id for k in Kudos.objects.all())
    stats = recognition_stats(aurora)
    assert stats.agents == Member.objects.filter(organization=aurora, role="agent").count()
    client = Client()
    client.force_login(Member.objects.get(username="aurora-agente"))
    page = client.get("/recognition/").content.decode()
    assert "Celebraciones" in page and "Rachas" in page


def test_the_demo_history_is_charged_to_its_budgets_and_spares_today(demo):
    """Every organization-wide counter holds exactly the approved spend of its period; today's are empty."""
    from django.db.models import Sum
    from django.utils import timezone

    from leeway.decisions.models import Decision
    from leeway.policy.models import Budget, BudgetCounter

    for budget in Budget.objects.filter(scope="organization"):
        counters = BudgetCounter.objects.filter(budget=budget)
        assert counters.exists()
        zone = zoneinfo.ZoneInfo(budget.organization.time_zone)
        for counter in counters:
            decisions = Decision.objects.filter(organization=budget.organization, status="approved")
            in_period = [
                d.base_amount
                for d in decisions
                if _period_start(timezone.localtime(d.created_at, zone).date(), budget.period)
                == counter.period_start
            ]
            assert counter.spent == sum(in_period), (budget, counter.period_start)
    assert _charged_today() == []
    assert Decision.objects.filter(status="approved").aggregate(Sum("base_amount"))["base_amount__sum"] > 0


def _charged_today() -> list:
    """Day counters with spend on the organization's own today (Madrid's day starts an hour before UTC's:
    compared with UTC's date, yesterday's Spanish history looked like today's after 23:00 UTC)."""
    return [
        counter
        for counter in BudgetCounter.objects.filter(budget__period="day", spent__gt=0).select_related(
            "budget__organization"
        )
        if counter.period_start
        == timezone.localdate(timezone=zoneinfo.ZoneInfo(counter.budget.organization.time_zone))
    ]


def _period_start(day, period):
    return day.replace(day=1) if period == "month" else day
