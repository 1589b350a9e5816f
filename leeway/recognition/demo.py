"""Demo recognition: company values in both languages and five weeks of empowered decisions that
peers and leads celebrated, praised and awarded, so the feed, streaks and figures are alive.

The decision service stamps decisions with the present, so the weeks before today are written as
the service would have written them then: approved green decisions, protected, judged by the
published policy version, each charged to the budgets of its day and month as an approval is (so the
counters equal the approved spend); none falls on today, so today's budgets stay whole for the
agents' own demo. Only the last week's recognition goes out as outbox events, as
news would. Running it again changes nothing: an organization that has demo history keeps it.
"""

import random
import zoneinfo
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from leeway.core.outbox import outbox_emit
from leeway.customers.models import Customer, Outcome, OutcomeKind
from leeway.decisions.models import Decision, DecisionReason, DecisionStatus, Zone
from leeway.decisions.services.approvals import charge_on_approval
from leeway.people.models import Member, Organization, Role
from leeway.policy.models import Gesture, PolicyVersion
from leeway.policy.snapshot import current_policy
from leeway.recognition.models import (
    Allowance,
    Award,
    AwardPeriod,
    AwardStatus,
    Celebration,
    CompanyValue,
    Kudos,
)
from leeway.recognition.selectors import recognition_stats
from leeway.recognition.services import (
    celebration_payload,
    customer_words_from,
    decision_path,
    month_start,
    period_start,
    recognition_settings_for,
)

DEMO_REF = "DEMO-REC-"
WEEKS = 5

VALUES = {
    "aurora": [
        ("customer-first", {"en": "Customer first", "es": "El cliente primero"}),
        ("own-it", {"en": "Own it", "es": "Hazlo tuyo"}),
        ("kindness", {"en": "Kindness over rules", "es": "La amabilidad antes que la regla"}),
        ("fix-it-once", {"en": "Fix it once", "es": "Resuélvelo a la primera"}),
    ],
    "casa-azul": [
        ("cliente-primero", {"es": "El cliente primero", "en": "Customer first"}),
        ("hospitalidad", {"es": "Hospitalidad sin peros", "en": "Hospitality, no buts"}),
        ("hazlo-tuyo", {"es": "Hazlo tuyo", "en": "Own it"}),
    ],
}

CUSTOMERS = {"aurora": ("C-", 1100, 1199), "casa-azul": ("CA-", 2030, 2060)}

# (gesture code, smallest amount, largest amount): green for every tier of the demo policy.
GESTURES = [
    ("waive_fee", 10, 45),
    ("account_credit", 10, 40),
    ("rule_bend", 0, 0),
    ("deadline_extension", 0, 0),
]

NOTES = {
    "en": [
        'Late fee from the outage week. She said "You turned my whole day around."',
        'Waived it on the spot. He said "I was ready to cancel, now I am staying."',
        "Moved the cutoff by a day so the payment goes through.",
        'Credited the missed delivery. She said "Finally someone who listens."',
        "Customer hit by the billing error; fixed and apologised.",
        'Extended the deadline. "Thank you for not making me fight for it."',
    ],
    "es": [
        'Recargo por el corte. Dijo "Me ha salvado el día, de verdad."',
        'Lo anulé en el momento. Dijo "Iba a darme de baja y ahora me quedo."',
        "Amplié el plazo un día para que el pago entre.",
        'Abono por la entrega perdida. Dijo "Por fin alguien que escucha."',
    ],
}
MESSAGES = {
    "en": ["Exactly what the policy is for.", "Calm and kind under pressure.", "", "", "Textbook save."],
    "es": ["Justo para esto está la política.", "Con calma y amabilidad.", "", "", "De manual."],
}


def _values(organization: Organization) -> int:
    created = 0
    for position, (code, names) in enumerate(VALUES.get(organization.slug, [])):
        value = CompanyValue.objects.filter(organization=organization, code=code).first()
        if value is None:
            value = CompanyValue(organization=organization, code=code, position=position)
            value.set_current_language(organization.default_language)
            value.name = names[organization.default_language]
            value.save()
            created += 1
        for language, name in names.items():
            if not value.has_translation(language):
                value.set_current_language(language)
                value.name = name
                value.save_translations()
    return created


def _history(organization: Organization) -> dict[str, int]:
    rng = random.Random(f"recognition-{organization.slug}")
    now = timezone.now()
    version = PolicyVersion.objects.filter(organization=organization).order_by("-number").first()
    prefix, first, last = CUSTOMERS[organization.slug]
    customers = list(
        Customer.objects.filter(
            organization=organization, external_id__in=[f"{prefix}{n}" for n in range(first, last + 1)]
        )
    )
    gestures = {g.code: g for g in Gesture.objects.filter(organization=organization, active=True)}
    offered = [spec for spec in GESTURES if spec[0] in gestures]
    values = list(CompanyValue.objects.filter(organization=organization, active=True))
    if version is None or not customers or not offered or not values:
        return {}
    agents = list(
        Member.objects.filter(organization=organization, role=Role.AGENT, is_active=True, team__isnull=False)
        .select_related("team", "team__site", "team__department")
        .order_by("username")
    )
    leads = defaultdict(list)
    for lead in Member.objects.filter(organization=organization, role=Role.LEAD, team__isnull=False):
        leads[lead.team_id].append(lead)
    managers = list(Member.objects.filter(organization=organization, role__in=(Role.MANAGER, Role.ADMIN)))
    peers = defaultdict(list)
    for agent in agents:
        peers[agent.team_id].append(agent)

    # How active each agent is: most decide every week, some now and then, two are new this month.
    activity = {agent.pk: rng.choice([0.9, 0.9, 0.8, 0.6, 0.35]) for agent in agents}
    newcomers = {agent.pk for agent in rng.sample(agents, k=min(2, len(agents)))}
    decisions = []
    number = 0
    # Nothing from the history falls on today: API.md's demo agents start the day with their whole
    # daily budget, and the day's counters hold only what is decided today.
    today = timezone.localtime(now, zoneinfo.ZoneInfo(organization.time_zone)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    for agent in agents:
        language = agent.language if agent.language in NOTES else "en"
        for week in range(WEEKS, 0, -1):
            if agent.pk in newcomers and week > 2:
                continue
            if rng.random() > activity[agent.pk]:
                continue
            for _ in range(rng.randint(1, 3)):
                number += 1
                created_at = now - timedelta(weeks=week - 1, days=rng.uniform(0.2, 6.8))
                if created_at >= today:
                    created_at = today - timedelta(hours=rng.uniform(1, 20))
                code, low, high = rng.choice(offered)
                amount = Decimal(rng.randint(low, high)) if high else Decimal("0")
                decisions.append(
                    Decision(
                        organization=organization,
                        customer=rng.choice(customers),
                        agent=agent,
                        team=agent.team,
                        site=agent.team.site,
                        department=agent.team.department,
                        gesture=gestures[code],
                        amount=amount,
                        currency=organization.base_currency,
                        base_amount=amount,
                        base_currency=organization.base_currency,
                        reason=rng.choice(DecisionReason.values),
                        note=rng.choice(NOTES[language]),
                        interaction_ref=f"{DEMO_REF}{number}",
                        zone=Zone.GREEN,
                        status=DecisionStatus.APPROVED,
                        protected=True,
                        policy_version=version,
                        created_at=created_at,
                        decided_at=created_at,
                        reasons=[],
                    )
                )
    Decision.objects.bulk_create(decisions)
    decisions = list(
        Decision.objects.filter(organization=organization, interaction_ref__startswith=DEMO_REF)
        .select_related("agent", "customer", "gesture", "team", "site")
        .order_by("created_at")
    )
    # Each costed gesture is charged to its budgets for the day and month it was made, as the engine
    # charges an approval: the counters equal the approved spend (the invariant's bookkeeping).
    snapshot = current_policy(organization.pk)
    with transaction.atomic():
        for decision in decisions:
            charge_on_approval(decision, snapshot, decision.created_at)

    spent: dict[tuple[int, object], int] = defaultdict(int)
    celebrations, kudos, outcomes = [], [], []
    for decision in decisions:
        team_leads = leads.get(decision.team_id, [])
        colleagues = [p for p in peers[decision.team_id] if p.pk != decision.agent_id]
        givers = team_leads + colleagues
        if not givers:
            continue
        if rng.random() < 0.35:
            celebrations.append(
                Celebration(
                    organization=organization,
                    decision=decision,
                    by=rng.choice(givers),
                    agent=decision.agent,
                    customer_words=customer_words_from(decision),
                    created_at=decision.created_at + timedelta(hours=rng.uniform(0.5, 20)),
                )
            )
            if rng.random() < 0.4 and decision.customer.predicted_clv is not None:
                # Recorded the way a CRM sends them: the customer stayed, no decision named.
                outcomes.append(
                    Outcome(
                        organization=organization,
                        customer=decision.customer,
                        kind=rng.choice([OutcomeKind.RETAINED, OutcomeKind.RENEWED]),
                        occurred_at=min(now, decision.created_at + timedelta(days=rng.uniform(0.5, 5))),
                    )
                )
        if rng.random() < 0.45:
            for giver in rng.sample(givers, k=min(len(givers), rng.randint(1, 2))):
                at = decision.created_at + timedelta(hours=rng.uniform(0.2, 30))
                month = month_start(organization, at)
                points = rng.choice([0, 5, 5, 10, 10, 20])
                if spent[(giver.pk, month)] + points > 100:
                    points = 0
                spent[(giver.pk, month)] += points
                language = giver.language if giver.language in MESSAGES else "en"
                kudos.append(
                    Kudos(
                        organization=organization,
                        decision=decision,
                        giver=giver,
                        agent=decision.agent,
                        company_value=rng.choice(values),
                        points=points,
                        message=rng.choice(MESSAGES[language]),
                        created_at=at,
                    )
                )
    Celebration.objects.bulk_create(celebrations)
    Kudos.objects.bulk_create(kudos)
    Outcome.objects.bulk_create(outcomes)
    granted = recognition_settings_for(organization).monthly_allowance
    Allowance.objects.bulk_create(
        [
            Allowance(
                organization=organization,
                member_id=member_id,
                month=month,
                granted=max(granted, used),
                spent=used,
            )
            for (member_id, month), used in spent.items()
        ],
        ignore_conflicts=True,
    )

    # Awards: per site, last weeks' celebrated decision of the week (confirmed by a manager), and one
    # nomination this week waiting for a manager.
    awards = []
    celebrated = [c.decision for c in celebrations]
    by_site_week = defaultdict(list)
    for decision in celebrated:
        by_site_week[
            (decision.site_id, period_start(AwardPeriod.WEEK, decision.created_at, decision.site.time_zone))
        ].append(decision)
    this_week = {}
    for (site_id, start), candidates in sorted(by_site_week.items(), key=lambda item: item[0][1]):
        decision = rng.choice(candidates)
        nominators = leads.get(decision.team_id, [])
        if not nominators or not managers:
            continue
        nominator = nominators[0]
        confirmer = rng.choice(managers)
        nominated_at = min(now, decision.created_at + timedelta(days=1))
        is_current = start == period_start(AwardPeriod.WEEK, now, decision.site.time_zone)
        if is_current:
            this_week[site_id] = decision
        awards.append(
            Award(
                organization=organization,
                decision=decision,
                agent=decision.agent,
                site_id=site_id,
                period=AwardPeriod.WEEK,
                period_start=start,
                status=AwardStatus.NOMINATED if is_current else AwardStatus.CONFIRMED,
                reason="",
                nominated_by=nominator,
                nominated_at=nominated_at,
                confirmed_by=None if is_current else confirmer,
                confirmed_at=None if is_current else min(now, nominated_at + timedelta(hours=6)),
            )
        )
    Award.objects.bulk_create(awards)

    # The last week's news goes out through the outbox (integrations delivers it).
    since = now - timedelta(days=7)
    emitted = 0
    for celebration in celebrations:
        if celebration.created_at >= since:
            outbox_emit(
                organization_id=organization.pk,
                topic="decision.celebrated",
                payload=celebration_payload(
                    kind="celebrated",
                    decision=celebration.decision,
                    by=celebration.by,
                    path=decision_path(celebration.decision),
                    customer_words=celebration.customer_words,
                ),
            )
            emitted += 1
    for award in awards:
        if award.status == AwardStatus.CONFIRMED and award.confirmed_at >= since:
            outbox_emit(
                organization_id=organization.pk,
                topic="award.confirmed",
                payload=celebration_payload(
                    kind="award",
                    decision=award.decision,
                    by=award.confirmed_by,
                    path=decision_path(award.decision),
                    award_period=award.period,
                    customer_words=customer_words_from(award.decision),
                ),
            )
            emitted += 1
    return {
        "decisions": len(decisions),
        "celebrations": len(celebrations),
        "kudos": len(kudos),
        "awards": len(awards),
        "events": emitted,
    }


def _figures(organization: Organization) -> str:
    this_month = month_start(organization)
    last_month = month_start(organization, timezone.now().replace(day=1) - timedelta(days=1))
    parts = []
    for month in (last_month, this_month):
        stats = recognition_stats(organization, month=month)
        parts.append(
            f"{month:%Y-%m} {stats.recognised}/{stats.agents} agents recognised "
            f"({stats.share:.0%}), Gini {stats.gini:.2f}"
        )
    return "; ".join(parts)


def load() -> str:
    parts = []
    for slug in VALUES:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            continue
        recognition_settings_for(organization)
        created = _values(organization)
        has_history = Decision.objects.filter(
            organization=organization, interaction_ref__startswith=DEMO_REF
        ).exists()
        counts = {} if has_history else _history(organization)
        summary = ", ".join(f"{value} {name}" for name, value in counts.items()) or "history kept"
        parts.append(f"{slug} {created} values, {summary}; {_figures(organization)}")
    return "; ".join(parts) or "no organizations"
