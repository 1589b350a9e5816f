"""The demo's recognition: values in both languages, weeks of history, idempotent, never today's budgets."""

from django.core.management import call_command
from django.test import Client

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
    assert not BudgetCounter.objects.exists()  # history does not spend today's budgets
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
