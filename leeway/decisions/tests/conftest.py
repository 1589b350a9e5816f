"""A small, realistic policy for decision tests, built through the policy app's services.

The organization "aurora" (USD, America/Denver) has API.md's starter rule for
`waive_fee` (green 50.00, stretch 100.00), a zero-cost `rule_bend`, a daily
agent budget of 200.00 and roomy team/department/organization budgets.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from leeway.core.tests.browser import demo_live  # noqa: F401 - fixture of this app's browser tests
from leeway.customers.models import Customer
from leeway.people.models import Member, Organization, Role
from leeway.people.tests.factories import (
    AuthorityTierFactory,
    DepartmentFactory,
    MemberFactory,
    OrganizationFactory,
    TeamFactory,
)
from leeway.policy.models import Gesture
from leeway.policy.services import (
    budget_create,
    gesture_create,
    policy_publish,
    policy_settings_update,
    rate_set,
    rule_create,
)


@dataclass
class World:
    organization: Organization
    agent: Member
    agent2: Member
    lead: Member
    other_lead: Member
    manager: Member
    admin: Member
    analyst: Member
    customer: Customer
    customer2: Customer
    gestures: dict[str, Gesture] = field(default_factory=dict)

    def publish(self, summary: str = "") -> int:
        return policy_publish(organization=self.organization, actor=None, summary=summary).number


def build_world(
    organization: Organization,
    *,
    prefix: str = "",
    agent_day_cap: str = "200.00",
    team_day_cap: str = "2000.00",
    site_day_cap: str | None = None,
    ceiling: str = "25.00",
    caps: tuple[int | None, str | None] = (None, None),
    publish: bool = True,
) -> World:
    """People, a published policy and two customers in one organization."""
    department = DepartmentFactory(organization=organization, name=f"{prefix}Billing")
    other_department = DepartmentFactory(organization=organization, name=f"{prefix}Shipping")
    team = TeamFactory(organization=organization, department=department, name=f"{prefix}Denver Billing")
    other_team = TeamFactory(organization=organization, department=other_department, name=f"{prefix}Kraków")
    tier = AuthorityTierFactory(organization=organization, code="starter", name="Starter", rank=1)

    def member(name, role, **extra):
        return MemberFactory(
            username=f"{prefix}{name}",
            organization=organization,
            role=role,
            language="en",
            tier=tier if role == Role.AGENT else None,
            **extra,
        )

    world = World(
        organization=organization,
        agent=member("agent", Role.AGENT, team=team),
        agent2=member("agent2", Role.AGENT, team=team),
        lead=member("lead", Role.LEAD, team=team),
        other_lead=member("other-lead", Role.LEAD, team=other_team),
        manager=member("manager", Role.MANAGER, department=department),
        admin=member("admin", Role.ADMIN),
        analyst=member("analyst", Role.ANALYST),
        customer=Customer.objects.create(organization=organization, external_id="C-1001", name="Ada Byron"),
        customer2=Customer.objects.create(
            organization=organization, external_id="C-1002", name="Grace Hopper"
        ),
    )
    english = organization.default_language
    for code, category, zero_cost, shortcut, green, stretch in [
        ("waive_fee", "fee_waiver", False, "1", "50.00", "100.00"),
        ("account_credit", "credit", False, "2", "50.00", "100.00"),
        ("rule_bend", "rule_bend", True, "9", "0.00", "0.00"),
        ("upgrade", "upgrade", False, "4", None, None),  # no rule for the starter tier
    ]:
        gesture = gesture_create(
            organization=organization,
            actor=None,
            code=code,
            names={english: code.replace("_", " ").title(), "es": f"{code} (es)"},
            category=category,
            default_amount="0.00" if zero_cost else "25.00",
            zero_cost=zero_cost,
            shortcut=shortcut,
        )
        world.gestures[code] = gesture
        if green is not None:
            rule_create(
                organization=organization,
                actor=None,
                tier=tier,
                gesture=gesture,
                green_limit=green,
                stretch_limit=stretch,
                customer_cap_count=caps[0],
                customer_cap_amount=caps[1] if not zero_cost else None,
                customer_cap_window_days=30,
            )
    for scope, period, cap in [
        ("agent", "day", agent_day_cap),
        ("team", "day", team_day_cap),
        ("department", "month", "50000.00"),
        ("organization", "month", "500000.00"),
    ]:
        budget_create(organization=organization, actor=None, scope=scope, period=period, cap=cap)
    if site_day_cap is not None:
        budget_create(organization=organization, actor=None, scope="site", period="day", cap=site_day_cap)
    if organization.base_currency == "USD":
        rate_set(organization=organization, currency="CAD", rate=Decimal("0.73"), actor=None)
    policy_settings_update(
        organization=organization, actor=None, red_response_minutes=2, auto_approve_ceiling=ceiling
    )
    if publish:
        world.publish("v1")
    return world


@pytest.fixture
def world(aurora) -> World:
    return build_world(aurora)


@pytest.fixture
def other_world(db) -> World:
    """A second organization with the same shapes (EUR, Madrid), to prove isolation."""
    organization = OrganizationFactory(
        slug="casa-azul",
        name="Casa Azul",
        base_currency="EUR",
        default_language="en",
        time_zone="Europe/Madrid",
    )
    return build_world(organization, prefix="casa-")


BODY = {
    "customer": "C-1001",
    "gesture": "waive_fee",
    "amount": "25.00",
    "currency": "USD",
    "reason": "billing_error",
    "note": "Late fee during the outage.",
    "justification": "",
    "interaction_ref": "CALL-778",
}


def body(**changes) -> dict:
    data = dict(BODY)
    for key, value in changes.items():
        if value is ...:
            data.pop(key, None)
        else:
            data[key] = value
    return data


@pytest.fixture
def counts():
    """Rows a rejected request must not add: decisions, counters and spend, audit, outbox, idempotency."""
    from django.db.models import Sum

    from leeway.core.models import AuditEntry, OutboxEvent
    from leeway.decisions.models import Decision, IdempotencyRecord
    from leeway.policy.models import BudgetCounter

    def snapshot_counts() -> dict:
        return {
            "decisions": Decision.objects.count(),
            "counters": BudgetCounter.objects.count(),
            "spent": BudgetCounter.objects.aggregate(total=Sum("spent"))["total"],
            "audit": AuditEntry.objects.count(),
            "outbox": OutboxEvent.objects.count(),
            "idempotency": IdempotencyRecord.objects.count(),
        }

    return snapshot_counts
