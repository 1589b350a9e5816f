"""Build policy data through the services, as admins do."""

from leeway.people.tests.factories import AuthorityTierFactory
from leeway.policy.services import budget_create, gesture_create, policy_publish, rule_create


def make_gesture(organization, code="waive_fee", *, name="Waive a fee", name_es="Anular un cargo", **fields):
    fields.setdefault("category", "fee_waiver")
    fields.setdefault("default_amount", "25.00")
    return gesture_create(
        organization=organization,
        actor=None,
        code=code,
        names={"en": name, "es": name_es},
        descriptions={"en": f"{name}.", "es": f"{name_es}."},
        **fields,
    )


def make_rule(organization, tier, gesture, green="50.00", stretch="100.00", **caps):
    return rule_create(
        organization=organization,
        actor=None,
        tier=tier,
        gesture=gesture,
        green_limit=green,
        stretch_limit=stretch,
        **caps,
    )


def make_policy(organization, *, publish=True):
    """A small policy: one starter tier, waive_fee 50/100, an agent day budget of 200 and a team one."""
    tier = AuthorityTierFactory(organization=organization, code="starter", name="Starter", rank=1)
    gesture = make_gesture(organization)
    rule = make_rule(organization, tier, gesture)
    agent_day = budget_create(
        organization=organization, actor=None, scope="agent", period="day", cap="200.00"
    )
    team_day = budget_create(organization=organization, actor=None, scope="team", period="day", cap="2000.00")
    version = policy_publish(organization=organization, actor=None) if publish else None
    return {
        "tier": tier,
        "gesture": gesture,
        "rule": rule,
        "agent_day": agent_day,
        "team_day": team_day,
        "version": version,
    }
