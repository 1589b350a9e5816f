"""Demo insights in aurora: 2,000 customers with a helpdesk contact each, gestures on about a third of them,
their purchases before and after, and churn outcomes with a planted effect, so the ROI page shows a real
estimate and interval.

The planted effect is the one bench/roi.py validates (leeway.insights.roi.simulate): a gesture multiplies
the churn hazard by 0.6, and agents give gestures more often to valuable, commercial customers and to
billing complaints, who churn less anyway, so the naive comparison overstates the effect. Contacts lie
40 to 360 days back, each with the year of purchases before it (the demo's history stays within two
years): every gesture is charged to the budgets of a past day and month, as an approval is, so today's
and this month's budgets stay whole. The customer values are then refitted on all of aurora's
purchases, so every demo customer has a predicted value (and a second run finds nothing to refit).
Running it again changes nothing.
"""

import datetime as dt
import random
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from leeway.customers.models import Customer, Outcome, OutcomeKind, Purchase, customer_search_keys
from leeway.decisions.models import Decision, DecisionStatus, Zone
from leeway.decisions.services.approvals import charge_on_approval
from leeway.insights.models import Channel, Interaction
from leeway.insights.roi.simulate import gesture_probability, hazard
from leeway.people.models import Member, Organization, Role
from leeway.policy.models import Gesture, PolicyVersion
from leeway.policy.snapshot import current_policy
from leeway.value.refresh import value_refresh_organization

DEMO_REF = "DEMO-INS-"
ORGANIZATION = "aurora"
CUSTOMERS = 2000
FIRST_ID = 3001
HAZARD_RATIO = 0.6
SEGMENTS = ("residential", "small_business", "commercial")  # simulate's consumer, business, premium
CATEGORIES = ("billing_error", "delivery_delay", "product_defect", "other")
CHANNELS = (Channel.PHONE, Channel.PHONE, Channel.CHAT, Channel.EMAIL)
GESTURES = [("waive_fee", 10, 45), ("account_credit", 10, 40), ("rule_bend", 0, 0)]
FIRST_NAMES = (
    "Ana Ben Carla David Elena Farid Grace Hugo Inés Jonas Kira Luis Maya Nadia Omar Paula Quinn Rosa "
    "Sam Tomás Uma Víctor Wen Ximena Yusuf Zoe"
).split()
LAST_NAMES = (
    "Alvarez Brooks Castillo Dubois Evans Fischer García Hoang Ibarra Jensen Kowalski López Moreau "
    "Nakamura Ortega Petrov Quispe Rossi Santos Tanaka Usman Vargas Walsh Yilmaz Zapata"
).split()


def _spread(rng: np.random.Generator) -> dict[str, np.ndarray]:
    segment = rng.choice(3, size=CUSTOMERS, p=(0.6, 0.3, 0.1))
    return {
        "segment": segment,
        "category": rng.choice(4, size=CUSTOMERS, p=(0.35, 0.3, 0.2, 0.15)),
        "log_value": rng.normal(5.0 + 0.6 * segment, 0.8),
        "tenure": rng.uniform(30, 2000, size=CUSTOMERS),
    }


def _history(organization: Organization) -> dict[str, int]:
    version = PolicyVersion.objects.filter(organization=organization).order_by("-number").first()
    gestures = {g.code: g for g in Gesture.objects.filter(organization=organization, active=True)}
    offered = [spec for spec in GESTURES if spec[0] in gestures]
    agents = list(
        Member.objects.filter(organization=organization, role=Role.AGENT, is_active=True, team__isnull=False)
        .select_related("team", "team__site", "team__department")
        .order_by("username")
    )
    if version is None or not offered or not agents:
        return {}
    rng = np.random.default_rng(15)
    pick = random.Random(15)
    c = _spread(rng)
    treated = rng.random(CUSTOMERS) < gesture_probability(c)
    churn_after = rng.exponential(1.0 / (hazard(c) * np.where(treated, HAZARD_RATIO, 1.0)))
    back = rng.uniform(40, 360, size=CUSTOMERS)  # days from the contact to now
    now = timezone.now()
    base = organization.base_currency

    customers = []
    for i in range(CUSTOMERS):
        external_id = f"C-{FIRST_ID + i}"
        name = f"{pick.choice(FIRST_NAMES)} {pick.choice(LAST_NAMES)}"
        contact = now - dt.timedelta(days=float(back[i]))
        customers.append(
            Customer(
                organization=organization,
                external_id=external_id,
                name=name,
                language=pick.choice(["en", "en", "es"]),
                segment=SEGMENTS[c["segment"][i]],
                created_on=(contact - dt.timedelta(days=float(c["tenure"][i]))).date(),
                **customer_search_keys(external_id=external_id, name=name, phone=""),
            )
        )
    Customer.objects.bulk_create(customers, batch_size=1000)
    ids = dict(
        Customer.objects.filter(
            organization=organization, external_id__in=[customer.external_id for customer in customers]
        ).values_list("external_id", "id")
    )

    interactions, decisions, purchases, outcomes = [], [], [], []
    for i, customer in enumerate(customers):
        customer_id = ids[customer.external_id]
        contact = now - dt.timedelta(days=float(back[i]), minutes=pick.randint(0, 600))
        ref = f"{DEMO_REF}{FIRST_ID + i}"
        agent = pick.choice(agents)
        category = CATEGORIES[c["category"][i]]
        interactions.append(
            Interaction(
                organization=organization,
                external_ref=ref,
                customer_id=customer_id,
                channel=pick.choice(CHANNELS),
                category=category,
                agent=agent,
                occurred_at=contact,
            )
        )
        if treated[i]:
            code, low, high = pick.choice(offered)
            amount = Decimal(pick.randint(low, high)) if high else Decimal("0")
            decided = contact + dt.timedelta(minutes=pick.randint(2, 20))
            decisions.append(
                Decision(
                    organization=organization,
                    customer_id=customer_id,
                    agent=agent,
                    team=agent.team,
                    site=agent.team.site,
                    department=agent.team.department,
                    gesture=gestures[code],
                    amount=amount,
                    currency=base,
                    base_amount=amount,
                    base_currency=base,
                    reason=category,
                    interaction_ref=ref,
                    zone=Zone.GREEN,
                    status=DecisionStatus.APPROVED,
                    protected=True,
                    policy_version=version,
                    created_at=decided,
                    decided_at=decided,
                    reasons=[],
                )
            )
        # A year of purchases before the contact, and the same rhythm after it until churn or today.
        yearly = float(np.exp(c["log_value"][i]))
        per_year = pick.randint(3, 6)
        end = min(float(churn_after[i]), float(back[i]))
        for offset in np.arange(-365 + pick.uniform(0, 365 / per_year), end, 365 / per_year):
            day = (contact + dt.timedelta(days=float(offset))).date()
            if day > now.date():
                break
            amount = Decimal(f"{yearly / per_year * pick.uniform(0.6, 1.4):.2f}")
            purchases.append(
                Purchase(
                    organization=organization,
                    customer_id=customer_id,
                    occurred_on=day,
                    amount=amount,
                    currency=base,
                    base_amount=amount,
                )
            )
        if churn_after[i] < back[i]:
            outcomes.append(
                Outcome(
                    organization=organization,
                    customer_id=customer_id,
                    kind=OutcomeKind.CHURNED,
                    occurred_at=contact + dt.timedelta(days=float(churn_after[i])),
                )
            )
    Interaction.objects.bulk_create(interactions, batch_size=1000)
    Decision.objects.bulk_create(decisions, batch_size=1000)
    Purchase.objects.bulk_create(purchases, batch_size=2000)
    Outcome.objects.bulk_create(outcomes, batch_size=1000)
    # Each costed gesture is charged to its budgets for the day and month it was made, as an approval is.
    snapshot = current_policy(organization.pk)
    with transaction.atomic():
        for decision in Decision.objects.filter(
            organization=organization, interaction_ref__startswith=DEMO_REF, base_amount__gt=0
        ).select_related("agent", "team", "site", "department", "gesture"):
            charge_on_approval(decision, snapshot, decision.created_at)
    value_refresh_organization(organization=organization, trigger="demo")
    return {
        "customers": len(customers),
        "interactions": len(interactions),
        "gestures": len(decisions),
        "purchases": len(purchases),
        "churned": len(outcomes),
    }


def load() -> str:
    organization = Organization.objects.filter(slug=ORGANIZATION).first()
    if organization is None:
        return "no aurora organization"
    if Interaction.objects.filter(organization=organization, external_ref__startswith=DEMO_REF).exists():
        return f"{ORGANIZATION} already has its demo interactions"
    made = _history(organization)
    if not made:
        return f"{ORGANIZATION}: no published policy or agents, no interactions made"
    return f"{ORGANIZATION} " + ", ".join(f"{count} {what}" for what, count in made.items())
