"""Certifications and the tier they earn: eligibility, track record, and the lead's one-click confirmation.

The tier itself changes only through people's `member_update` (audited there), called when a lead
confirms a proposal; nothing here lowers a tier, and nothing raises one without a lead.
"""

import calendar
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.alignment.models import Behaviour as FeedbackBehaviour
from leeway.alignment.models import DisputeOutcome, Feedback, FeedbackKind
from leeway.core.audit import audit_record
from leeway.core.errors import Conflict, Forbidden, NotFound
from leeway.core.outbox import outbox_emit
from leeway.customers.models import Outcome, OutcomeKind
from leeway.decisions.models import Decision
from leeway.people.models import AuthorityTier, Member, Organization, Role
from leeway.people.services import member_update
from leeway.policy.snapshot import PolicySnapshot, current_policy
from leeway.training import quiz
from leeway.training.models import (
    Attempt,
    Certification,
    Module,
    ProposalSource,
    ProposalStatus,
    TierProposal,
    TrainingSettings,
)

CONFIRMING_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN)
GOOD_OUTCOMES = (OutcomeKind.RETAINED, OutcomeKind.RENEWED, OutcomeKind.PURCHASE)
GOOD_CSAT = 4


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def certification_record(
    *, member: Member, module: Module, snapshot: PolicySnapshot, attempt: Attempt | None, waived_by, now
) -> Certification:
    """Write a certification (inside the caller's transaction) and propose the tier if it completes one."""
    certification = Certification.objects.create(
        organization_id=module.organization_id,
        member=member,
        module=module,
        attempt=attempt,
        waived_by=waived_by,
        certified_at=now,
        expires_at=add_months(now, module.validity_months),
        policy_number=snapshot.number,
        coverage=quiz.coverage(snapshot, tier_id=module.tier_id, gesture_codes=module.gesture_codes),
    )
    propose_if_certified(member=member, tier=module.tier, now=now)
    return certification


def certification_state(certification: Certification | None, *, snapshot: PolicySnapshot | None, now) -> str:
    """none, valid, expiring (within 30 days), expired, or stale (the policy changed what it covers)."""
    if certification is None:
        return "none"
    if certification.expires_at <= now:
        return "expired"
    module = certification.module
    if snapshot is not None and certification.coverage != quiz.coverage(
        snapshot, tier_id=module.tier_id, gesture_codes=module.gesture_codes
    ):
        return "stale"
    if certification.expires_at <= now + timedelta(days=30):
        return "expiring"
    return "valid"


def latest_certifications(member: Member) -> dict[int, Certification]:
    """The newest certification per module for one agent."""
    latest: dict[int, Certification] = {}
    for certification in Certification.objects.filter(
        organization_id=member.organization_id, member=member
    ).select_related("module"):
        current = latest.get(certification.module_id)
        if current is None or certification.certified_at > current.certified_at:
            latest[certification.module_id] = certification
    return latest


def certified_for(member: Member, tier: AuthorityTier, *, now=None) -> bool:
    """True when the agent holds a valid certification of every published module of the tier."""
    now = now or timezone.now()
    modules = list(Module.objects.filter(organization_id=member.organization_id, tier=tier, published=True))
    if not modules:
        return False
    snapshot = current_policy(member.organization_id)
    latest = latest_certifications(member)
    return all(
        certification_state(latest.get(module.pk), snapshot=snapshot, now=now) in ("valid", "expiring")
        for module in modules
    )


def _propose(*, member: Member, tier: AuthorityTier, source: str, evidence: dict, now) -> TierProposal | None:
    """Open a proposal unless one is open already or the agent holds the tier (or a higher one)."""
    if member.role != Role.AGENT or (member.tier is not None and member.tier.rank >= tier.rank):
        return None
    if TierProposal.objects.filter(member=member, to_tier=tier, status=ProposalStatus.OPEN).exists():
        return None
    try:
        with transaction.atomic():
            proposal = TierProposal.objects.create(
                organization_id=member.organization_id,
                member=member,
                from_tier=member.tier,
                to_tier=tier,
                source=source,
                evidence=evidence,
                created_at=now,
            )
    except IntegrityError:
        return None  # proposed at the same moment by another request
    audit_record(
        organization_id=member.organization_id,
        action="training.tier_proposed",
        object_type="tierproposal",
        object_id=proposal.pk,
        data={"member": member.username, "tier": tier.code, "source": source},
    )
    outbox_emit(
        organization_id=member.organization_id,
        topic="training.tier_proposed",
        payload={"member": member.first_name or member.username, "tier": tier.code, "source": source},
    )
    return proposal


def propose_if_certified(*, member: Member, tier: AuthorityTier, now) -> TierProposal | None:
    """After a certification: every module of the tier passed and valid makes the agent eligible."""
    if not certified_for(member, tier, now=now):
        return None
    modules = Module.objects.filter(organization_id=member.organization_id, tier=tier, published=True)
    return _propose(
        member=member,
        tier=tier,
        source=ProposalSource.CERTIFICATION,
        evidence={"modules": sorted(module.code for module in modules)},
        now=now,
    )


def next_tier(member: Member) -> AuthorityTier | None:
    tiers = AuthorityTier.objects.filter(organization_id=member.organization_id)
    if member.tier is not None:
        tiers = tiers.filter(rank__gt=member.tier.rank)
    return tiers.order_by("rank").first()


def track_record(member: Member, *, rule: TrainingSettings, now) -> dict:
    """The agent's record in the window: protected decisions, upheld concerns, outcomes, and if it is met.

    An upheld concern is a correction (or reckless behaviour) on one of their decisions that still stands
    (not overturned by a dispute). Concerns raised about protected decisions are questions for the policy
    (alignment's PolicyProposal), never against the agent, so they are not counted.
    """
    since = now - timedelta(days=rule.track_record_days)
    protected = Decision.objects.filter(
        organization_id=member.organization_id, agent=member, protected=True, created_at__gte=since
    ).count()
    upheld = (
        Feedback.objects.filter(organization_id=member.organization_id, agent=member, created_at__gte=since)
        .filter(Q(kind=FeedbackKind.CORRECTION) | Q(behaviour=FeedbackBehaviour.RECKLESS))
        .exclude(dispute__outcome__in=[DisputeOutcome.UPHELD, DisputeOutcome.PARTLY_UPHELD])
        .count()
    )
    outcomes = Outcome.objects.filter(
        organization_id=member.organization_id, decision__agent=member, occurred_at__gte=since
    )
    known = outcomes.exclude(kind=OutcomeKind.CSAT, score__isnull=True).count()
    good = outcomes.filter(Q(kind__in=GOOD_OUTCOMES) | Q(kind=OutcomeKind.CSAT, score__gte=GOOD_CSAT)).count()
    good_percent = round(100 * good / known) if known else None
    met = (
        protected >= rule.track_record_decisions
        and upheld == 0
        and good_percent is not None
        and good_percent >= rule.good_outcome_percent
    )
    return {
        "protected_decisions": protected,
        "upheld_concerns": upheld,
        "outcomes": known,
        "good_outcome_percent": good_percent,
        "window_days": rule.track_record_days,
        "met": met,
    }


def track_record_proposals(*, organization: Organization, now=None) -> list[TierProposal]:
    """Propose the next tier to every agent whose track record meets the organization's rule; never lower."""
    now = now or timezone.now()
    rule, _created = TrainingSettings.objects.get_or_create(organization=organization)
    proposals = []
    agents = Member.objects.filter(organization=organization, role=Role.AGENT, is_active=True)
    for member in agents:
        tier = next_tier(member)
        if tier is None:
            continue
        record = track_record(member, rule=rule, now=now)
        if not record["met"]:
            continue
        proposal = _propose(
            member=member, tier=tier, source=ProposalSource.TRACK_RECORD, evidence=record, now=now
        )
        if proposal is not None:
            proposals.append(proposal)
    return proposals


def may_confirm(actor: Member, member: Member) -> bool:
    """A lead for their team's agents, a manager for their department's, an admin for everyone's."""
    if actor.organization_id != member.organization_id or actor.role not in CONFIRMING_ROLES:
        return False
    if actor.role == Role.ADMIN:
        return True
    if actor.role == Role.LEAD:
        return actor.team_id is not None and actor.team_id == member.team_id
    department = member.home_department
    return department is not None and actor.department_id == department.pk


def _answer(*, proposal: TierProposal, actor: Member, status: str) -> TierProposal:
    if actor is None or actor.organization_id != proposal.organization_id:
        raise NotFound()
    if actor.role not in CONFIRMING_ROLES:
        raise Forbidden(_("Only a lead, a manager or an admin can answer a tier proposal."))
    if not may_confirm(actor, proposal.member):
        raise Forbidden(_("This agent is not in your team."))
    with transaction.atomic():
        proposal = TierProposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != ProposalStatus.OPEN:
            raise Conflict(_("This proposal was already answered."), code="already_answered")
        member = proposal.member
        if status == ProposalStatus.CONFIRMED:
            if member.tier is not None and member.tier.rank >= proposal.to_tier.rank:
                raise Conflict(_("The agent already holds this tier or a higher one."), code="tier_held")
            # People's own service: it checks, saves and audits the tier change; the next decision reads it.
            member_update(member=member, actor=actor, tier=proposal.to_tier)
        proposal.status = status
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        action = (
            "training.tier_confirmed" if status == ProposalStatus.CONFIRMED else "training.tier_dismissed"
        )
        audit_record(
            organization_id=proposal.organization_id,
            actor_id=actor.pk,
            action=action,
            object_type="tierproposal",
            object_id=proposal.pk,
            data={"member": member.username, "tier": proposal.to_tier.code, "source": proposal.source},
        )
        if status == ProposalStatus.CONFIRMED:
            outbox_emit(
                organization_id=proposal.organization_id,
                topic="training.tier_confirmed",
                payload={"member": member.first_name or member.username, "tier": proposal.to_tier.code},
            )
    return proposal


def tier_proposal_confirm(*, proposal: TierProposal, actor: Member) -> TierProposal:
    """The lead's one click: the agent gets the proposed tier from their next decision on."""
    return _answer(proposal=proposal, actor=actor, status=ProposalStatus.CONFIRMED)


def tier_proposal_dismiss(*, proposal: TierProposal, actor: Member) -> TierProposal:
    """Not now: the tier stays; a later certification or track record may propose it again."""
    return _answer(proposal=proposal, actor=actor, status=ProposalStatus.DISMISSED)
