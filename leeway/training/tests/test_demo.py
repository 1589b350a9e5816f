"""The demo: three core modules in both languages, a certified agent proposed for a tier, one due again."""

from django.core.management import call_command

from leeway.people.models import Member
from leeway.training.models import Attempt, Certification, Module, TierProposal
from leeway.training.selectors import my_training


def test_the_demo_has_the_core_modules_a_certified_agent_and_one_due_again(demo):
    modules = Module.objects.filter(organization=demo["aurora"]).order_by("position")
    assert [m.code for m in modules] == ["empowerment-basics", "stretching-with-care", "senior-authority"]
    for module in modules:
        assert module.published and {t.language_code for t in module.translations.all()} == {"en", "es"}
    certified = Member.objects.get(username="kwilliams")
    assert {s.module.code: s.state for s in my_training(certified)} == {
        "empowerment-basics": "valid",
        "stretching-with-care": "valid",
        "senior-authority": "none",
    }
    proposal = TierProposal.objects.get(member=certified)
    assert proposal.to_tier.code == "experienced" and proposal.status == "open"
    due = Member.objects.get(username="rpatel")
    assert {s.module.code: s.state for s in my_training(due)}["empowerment-basics"] == "expired"
    for username in ("aurora-agent", "aurora-agente"):
        assert Member.objects.get(username=username).tier.code == "starter"

    counts = (Module.objects.count(), Attempt.objects.count(), Certification.objects.count())
    call_command("demo-data", verbosity=0)
    assert (Module.objects.count(), Attempt.objects.count(), Certification.objects.count()) == counts
