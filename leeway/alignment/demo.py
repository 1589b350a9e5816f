"""Demo alignment data in aurora: charters (Shipping's manager has not signed), feedback, a dispute,
a concern about the policy, and two pulses (last month's with results, this week's still open).

Everything goes through the services. Decisions for feedback are zero-cost rule bends by agents other
than API.md's `aurora-agent` and `aurora-agente`, so every budget stays as the contract says. Running it twice
changes nothing: each part looks for what it made before.
"""

from datetime import timedelta

from django.utils import timezone

from leeway.alignment import services
from leeway.alignment.models import Charter, Feedback, PolicyProposal, Pulse, PulseTeam
from leeway.decisions.models import Decision
from leeway.decisions.services import decision_create
from leeway.people.models import Department, Member, Organization, Team

CHARTER = {
    "en": {
        "title": "We back the decisions you make inside policy",
        "text": (
            "When you make a goodwill decision inside your authority, it is protected. We will praise it or "
            "coach you, never blame you. If we think the policy is wrong, we change the policy, not your "
            "record. Nothing you approve inside policy is ever charged to you."
        ),
    },
    "es": {
        "title": "Respaldamos las decisiones que tomas dentro de la política",
        "text": (
            "Cuando tomas una decisión de buena voluntad dentro de tu autoridad, está protegida. La "
            "reconoceremos o te orientaremos, nunca te culparemos. Si creemos que la política falla, "
            "cambiamos la política, no tu historial. Nada de lo que apruebes dentro de la política se te "
            "cobrará jamás."
        ),
    },
}
# Departments whose managers sign; Shipping's manager (aurora-manager-shipping) has not signed yet.
SIGNED = {
    "Billing": ["aurora-manager"],
    "Sales": ["aurora-gerente-ventas"],
    "Support": ["aurora-manager-support"],
}
UNSIGNED = {"Shipping": ["aurora-manager-shipping"]}

# (interaction ref, agent, customer): zero-cost rule bends, so no demo budget (agent, site, team,
# department, organization) is touched and API.md's figures stay as they are.
DECISIONS = [
    ("DEMO-ALIGN-1", "kwilliams", "C-1101"),
    ("DEMO-ALIGN-2", "jmartinez", "C-1102"),
    ("DEMO-ALIGN-3", "bnguyen", "C-1103"),
]
PULSE_LAST = "Pulse: last month"
PULSE_NOW = "Pulse: this week"


def _member(username: str) -> Member | None:
    return Member.objects.filter(username=username).first()


def _charters(organization: Organization, admin: Member) -> int:
    made = 0
    for name in {**SIGNED, **UNSIGNED}:
        department = Department.objects.filter(organization=organization, name=name).first()
        if department is None or Charter.objects.filter(department=department).exists():
            continue
        charter = services.charter_publish(department=department, actor=admin, texts=CHARTER)
        made += 1
        for username in SIGNED.get(name, []):
            manager = _member(username)
            if manager is not None and manager.department_id == department.pk:
                services.charter_sign(charter=charter, manager=manager)
    return made


def _decision(organization: Organization, ref: str, username: str, customer: str) -> Decision | None:
    existing = Decision.objects.filter(organization=organization, interaction_ref=ref).first()
    if existing is not None:
        return existing
    agent = _member(username)
    if agent is None:
        return None
    return decision_create(
        member=agent,
        customer=customer,
        gesture="rule_bend",
        amount="0.00",
        currency=organization.base_currency,
        reason="delivery_delay",
        note="Moved the cutoff an hour: the parcel was late through no fault of hers.",
        interaction_ref=ref,
    )


def _feedback(organization: Organization) -> int:
    lead, manager = _member("aurora-lead"), _member("aurora-manager")
    decisions = [_decision(organization, *row) for row in DECISIONS]
    if None in decisions or lead is None or manager is None:
        return 0
    if Feedback.objects.filter(decision__in=decisions).exists():
        return 0
    praise, coaching, questioned = decisions
    services.feedback_give(
        decision=praise, author=lead, kind="praise", message="Exactly what the policy is for: quick and kind."
    )
    disputed = services.feedback_give(
        decision=coaching,
        author=lead,
        kind="coaching",
        behaviour="at_risk",
        message="Next time, check whether the customer already had a waiver this month.",
    )
    services.dispute_open(
        feedback=disputed,
        agent=coaching.agent,
        comment="The console did not show the earlier waiver, so I could not have known.",
    )
    resolved = services.feedback_give(
        decision=praise,
        author=lead,
        kind="coaching",
        behaviour="human_error",
        message="Small slip: the note named the wrong month. It happens.",
    )
    dispute = services.dispute_open(feedback=resolved, agent=praise.agent, comment="The month was right.")
    services.dispute_resolve(
        dispute=dispute,
        member=manager,
        outcome="upheld",
        reason="The note was right; the feedback is withdrawn.",
    )
    if not PolicyProposal.objects.filter(decision=questioned).exists():
        services.concern_raise(
            decision=questioned,
            member=manager,
            text="Cutoff bends of an hour could skip the reason code: it slows agents down for no gain.",
        )
    return 3


def _answer(pulse: Pulse, members: list[Member], scores: list[dict], comments: list[str]) -> None:
    for position, member in enumerate(members):
        services.pulse_answer(
            pulse=pulse,
            member=member,
            scores=scores[position % len(scores)],
            comment=comments[position] if position < len(comments) else "",
        )


def _pulses(organization: Organization, admin: Member) -> int:
    made = 0
    now = timezone.now()
    teams = list(Team.objects.filter(organization=organization).order_by("name"))
    calm = {"negative_feedback": 2, "losing_job": 1, "paying": 1, "held_against": 2}
    worried = {"negative_feedback": 4, "losing_job": 3, "paying": 4, "held_against": 4}
    middling = {"negative_feedback": 3, "losing_job": 2, "paying": 2, "held_against": 3}
    agents_of = {
        team.pk: list(Member.objects.filter(team=team, role="agent", is_active=True).order_by("username"))
        for team in teams
    }
    if not Pulse.objects.filter(organization=organization, title=PULSE_LAST).exists():
        pulse = services.pulse_schedule(
            organization_id=organization.pk,
            actor=admin,
            title=PULSE_LAST,
            opens_at=now - timedelta(days=35),
            closes_at=now + timedelta(minutes=5),
            teams=teams,
        )
        for team in teams:
            _answer(pulse, agents_of[team.pk], [worried, middling, worried, calm], ["More praise, please."])
        # The demo answers it now, then dates its closing back to last month as if it had run then.
        Pulse.objects.filter(pk=pulse.pk).update(closes_at=now - timedelta(days=28))
        made += 1
    if not Pulse.objects.filter(organization=organization, title=PULSE_NOW).exists():
        pulse = services.pulse_schedule(
            organization_id=organization.pk,
            actor=admin,
            title=PULSE_NOW,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=6),
            teams=teams,
        )
        for team in teams:
            # API.md's demo agents are left to answer it themselves.
            members = [m for m in agents_of[team.pk] if m.username not in ("aurora-agent", "aurora-agente")]
            _answer(pulse, members, [calm, middling, calm], [])
        made += 1
    return made


def load() -> str:
    organization = Organization.objects.filter(slug="aurora").first()
    admin = _member("aurora-admin")
    if organization is None or admin is None:
        return "no aurora"
    charters = _charters(organization, admin)
    feedback = _feedback(organization)
    pulses = _pulses(organization, admin)
    answered = sum(PulseTeam.objects.filter(organization=organization).values_list("answers", flat=True))
    return f"{charters} charters, {feedback} feedback, {pulses} pulses ({answered} answers in all)"
