"""The demo policy is API.md's, in both organizations, and loading it twice changes nothing."""

from decimal import Decimal

from django.core.management import call_command

from leeway.core.models import AuditEntry
from leeway.people.models import Member
from leeway.policy.models import AuthorityRule, Budget, ExchangeRate, Gesture, PolicySettings, PolicyVersion
from leeway.policy.selectors import budget_statuses_for, convert_to_base

CODES = {
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


def test_the_demo_policy_matches_api_md(demo):
    aurora, casa = demo["aurora"], demo["casa-azul"]
    for organization in (aurora, casa):
        gestures = Gesture.objects.filter(organization=organization)
        assert set(gestures.values_list("code", flat=True)) == CODES
        assert sorted(gestures.values_list("shortcut", flat=True)) == [str(n) for n in range(1, 10)]
        for gesture in gestures:
            assert gesture.safe_translation_getter("name", language_code="en")
            assert gesture.safe_translation_getter("name", language_code="es")
            assert gesture.safe_translation_getter("description", language_code="es")
        assert gestures.get(code="rule_bend").zero_cost
        assert AuthorityRule.objects.filter(organization=organization).count() == 27
        assert PolicyVersion.objects.get(organization=organization).number == 1
        settings_row = PolicySettings.objects.get(organization=organization)
        assert (settings_row.red_response_minutes, settings_row.auto_approve_ceiling) == (2, Decimal("25.00"))
    waive = AuthorityRule.objects.get(organization=aurora, tier__code="starter", gesture__code="waive_fee")
    assert (waive.green_limit, waive.stretch_limit) == (Decimal("50.00"), Decimal("100.00"))
    assert Budget.objects.get(organization=aurora, scope="agent", period="day").cap == Decimal("200.00")
    assert set(ExchangeRate.objects.filter(organization=aurora).values_list("currency", flat=True)) == {
        "CAD",
        "EUR",
        "PLN",
        "PHP",
        "COP",
        "MXN",
    }
    assert set(ExchangeRate.objects.filter(organization=casa).values_list("currency", flat=True)) == {
        "USD",
        "GBP",
    }
    assert convert_to_base(organization_id=aurora.pk, currency="CAD", amount=Decimal("100.00")) == Decimal(
        "73.00"
    )
    statuses = {
        (s["scope"], s["period"]): s for s in budget_statuses_for(Member.objects.get(username="aurora-agent"))
    }
    assert statuses[("agent", "day")]["cap"] == "200.00"
    agent_day = Decimal(statuses[("agent", "day")]["cap"])
    assert all(Decimal(s["cap"]) > agent_day for key, s in statuses.items() if key[0] != "agent")


def test_loading_the_demo_twice_changes_nothing(demo):
    counts = (
        Gesture.objects.count(),
        AuthorityRule.objects.count(),
        Budget.objects.count(),
        ExchangeRate.objects.count(),
        PolicyVersion.objects.count(),
        AuditEntry.objects.count(),
    )
    call_command("demo-data", verbosity=0)
    assert (
        Gesture.objects.count(),
        AuthorityRule.objects.count(),
        Budget.objects.count(),
        ExchangeRate.objects.count(),
        PolicyVersion.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
