"""The demo's interactions: enough for a real estimate (past the 300-per-arm minimum), idempotent, and
every gesture charged to a past day's and month's budgets."""

from django.core.management import call_command
from django.utils import timezone

from leeway.customers.models import Customer, Outcome, Purchase
from leeway.decisions.models import Decision
from leeway.insights.demo import DEMO_REF
from leeway.insights.models import Interaction
from leeway.insights.roi.service import roi_estimate_compute
from leeway.policy.models import BudgetCounter


def counts():
    return (
        Interaction.objects.count(),
        Decision.objects.count(),
        Customer.objects.count(),
        Purchase.objects.count(),
        Outcome.objects.count(),
        sum(counter.spent for counter in BudgetCounter.objects.all()),
    )


def test_the_demo_gives_a_real_estimate_with_an_interval_and_loading_twice_changes_nothing(demo):
    aurora = demo["aurora"]
    assert Interaction.objects.filter(organization=aurora, external_ref__startswith=DEMO_REF).count() == 2000
    gestures = Decision.objects.filter(organization=aurora, interaction_ref__startswith=DEMO_REF)
    assert gestures.count() > 600
    # Nothing of the demo's history falls on today or this month.
    month_start = timezone.localdate().replace(day=1)
    assert not gestures.filter(created_at__date__gte=month_start).exists()
    before = counts()
    call_command("demo-data", verbosity=0)
    assert counts() == before

    estimate = roi_estimate_compute(organization=aurora, replicates=50)
    for key in ("retention_90", "retention_180", "purchases", "value"):
        figure = estimate.figure(key)
        assert not figure["missing"], key
        assert min(figure["treated"], figure["control"]) >= 300, key
        assert figure["low"] < figure["estimate"] < figure["high"], key
    retention = estimate.figure("retention_90")
    # The planted effect is positive and the interval says so; the naive comparison overstates it.
    assert retention["low"] > 0
    assert retention["naive"] > retention["estimate"]
