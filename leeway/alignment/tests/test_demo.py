"""The demo: charters with one unsigned manager, feedback, a dispute, two pulses; idempotent."""

from django.core.management import call_command

from leeway.alignment.models import Charter, CharterSignature, Dispute, Feedback, PolicyProposal, Pulse
from leeway.alignment.selectors import charter_statuses_for, pulse_results
from leeway.people.models import Member


def counts():
    return [
        model.objects.count()
        for model in (Charter, CharterSignature, Feedback, Dispute, PolicyProposal, Pulse)
    ]


def test_the_demo_has_what_the_issue_asks_and_loads_twice_the_same(demo):
    before = counts()
    call_command("demo-data", verbosity=0)
    assert counts() == before
    admin = Member.objects.get(username="aurora-admin")
    unsigned = [manager.username for status in charter_statuses_for(admin) for manager in status.unsigned]
    assert unsigned == ["aurora-manager-shipping"]
    assert Dispute.objects.filter(outcome="open").count() == 1
    assert Pulse.objects.count() == 2
    last = Pulse.objects.get(title="Pulse: last month")
    assert any(group.published for group in pulse_results(last))


def test_the_demo_leaves_api_md_agents_budgets_and_pulse_to_them(demo):
    from leeway.alignment.selectors import open_pulses_to_answer

    agent = Member.objects.get(username="aurora-agent")
    assert not Feedback.objects.filter(agent=agent).exists()
    assert [pulse.title for pulse in open_pulses_to_answer(agent)] == ["Pulse: this week"]
