"""Reads of the decision engine, for the API and the pages (console, lead queue, decision page).

Who sees what: agents their own decisions; leads their team's; managers their
department's; admins and analysts the whole organization. Another
organization's decision is always "not found".
"""

import uuid
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from leeway.core.errors import NotFound
from leeway.core.tenancy import scoped
from leeway.decisions.models import Decision, DecisionStatus, Zone
from leeway.people.models import Member, Role
from leeway.policy.budgets import AGENT_VOICE, REVIEWER_VOICE, VOICES
from leeway.policy.selectors import budget_subjects_for

RELATED = ("customer", "gesture", "agent", "policy_version", "decided_by")
ZERO = Decimal("0.00")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def decision_summary(decision: Decision, *, voice: str = AGENT_VOICE) -> str:
    """One plain sentence on what the decision means for the agent, in the active language.

    Told to the agent by default ("nothing can be held against you"); `voice=REVIEWER_VOICE` says
    the same to a lead, manager or admin reading someone else's decision ("… against the agent").
    """
    if voice not in VOICES:
        raise ValueError(f"Unknown voice: {voice!r}")
    reviewer = voice == REVIEWER_VOICE
    if decision.status == DecisionStatus.APPROVED and decision.base_amount == 0:
        # A no-cost gesture (bending a cutoff time) charges no budget: saying so would be false.
        if decision.auto_approved:
            if reviewer:
                return _(
                    "Approved in the customer's favour because nobody answered in time; it costs nothing. "
                    "The agent is covered."
                )
            return _(
                "Approved in the customer's favour because nobody answered in time; it costs nothing. "
                "You're covered."
            )
        if reviewer:
            return _(
                "Approved and protected; it costs nothing, so no budget is charged. The agent is covered."
            )
        return _("Approved and protected; it costs nothing, so no budget is charged. You're covered.")
    if decision.status == DecisionStatus.APPROVED:
        if decision.auto_approved:
            if reviewer:
                return _(
                    "Approved in the customer's favour because nobody answered in time; "
                    "charged to the company goodwill budget. The agent is covered."
                )
            return _(
                "Approved in the customer's favour because nobody answered in time; "
                "charged to the company goodwill budget. You're covered."
            )
        if reviewer:
            return _(
                "Approved and protected: charged to the company goodwill budget; "
                "nothing can be held against the agent."
            )
        return _(
            "Approved and protected: charged to the company goodwill budget; nothing can be held against you."
        )
    if decision.status == DecisionStatus.DECLINED:
        if reviewer:
            return _("Declined by a lead; nothing was spent. The agent was right to ask.")
        return _("Declined by a lead; nothing was spent. Asking was the right call.")
    if decision.escalated:
        # Says nothing of "you": the same in both voices.
        return _("Escalated to the department's managers; no money moves until someone approves.")
    if reviewer:
        return _("Waiting for a lead of the agent's team; no money moves until one approves.")
    return _("Sent to your lead for approval; no money moves until they approve.")


def decision_payload(decision: Decision) -> dict:
    """The API's representation of a decision (API.md's fields first, then the details)."""
    from leeway.decisions.judging import render_reasons

    return {
        "id": str(decision.public_id),
        "zone": decision.zone,
        "status": decision.status,
        "protected": decision.protected,
        "policy_version": decision.policy_version.number,
        "amount": f"{decision.amount:.2f}",
        "currency": decision.currency,
        "base_amount": f"{decision.base_amount:.2f}",
        "base_currency": decision.base_currency,
        "created_at": _iso(decision.created_at),
        "customer": decision.customer.external_id,
        "gesture": decision.gesture.code,
        "agent": decision.agent.username,
        "reason": decision.reason,
        "note": decision.note,
        "justification": decision.justification,
        "interaction_ref": decision.interaction_ref,
        "learning_case": decision.learning_case,
        "escalated": decision.escalated,
        "auto_approved": decision.auto_approved,
        "due_at": _iso(decision.due_at),
        "decided_at": _iso(decision.decided_at),
        "decided_by": decision.decided_by.username if decision.decided_by_id else None,
        "decision_note": decision.decision_note,
        "summary": decision_summary(decision),
        "reasons": render_reasons(decision.reasons),
    }


def _parse_id(public_id) -> uuid.UUID:
    if isinstance(public_id, uuid.UUID):
        return public_id
    try:
        return uuid.UUID(str(public_id))
    except (ValueError, TypeError, AttributeError):
        raise NotFound() from None


def department_id_for(member: Member) -> int | None:
    """The department whose budget and managers apply to the member (their team's, else their own)."""
    return budget_subjects_for(member).department


def visible_decisions(member: Member) -> QuerySet:
    """The decisions this member may read (none outside their organization)."""
    queryset = scoped(Decision.objects.select_related(*RELATED), member)
    if member is None or not member.organization_id:
        return queryset.none()
    if member.role in (Role.ADMIN, Role.ANALYST):
        return queryset
    if member.role == Role.LEAD and member.team_id:
        return queryset.filter(Q(team_id=member.team_id) | Q(agent_id=member.pk))
    if member.role == Role.MANAGER:
        department_id = department_id_for(member)
        if department_id:
            return queryset.filter(Q(department_id=department_id) | Q(agent_id=member.pk))
    return queryset.filter(agent_id=member.pk)


def decision_for(member: Member, public_id) -> Decision:
    """One decision the member may read, or NotFound (also for another organization's)."""
    try:
        return visible_decisions(member).get(public_id=_parse_id(public_id))
    except Decision.DoesNotExist:
        raise NotFound() from None


def decision_in_organization(member: Member, public_id) -> Decision:
    """One decision of the member's organization (for answering: role checks come after), or NotFound."""
    try:
        return scoped(Decision.objects.select_related(*RELATED), member).get(public_id=_parse_id(public_id))
    except Decision.DoesNotExist:
        raise NotFound() from None


def decisions_for(member: Member, *, status: str | None = None, zone: str | None = None) -> QuerySet:
    """The decisions list: pending oldest first (by due time), the rest newest first."""
    queryset = visible_decisions(member)
    if zone:
        queryset = queryset.filter(zone=zone)
    if status:
        queryset = queryset.filter(status=status)
        if status == DecisionStatus.PENDING:
            return queryset.order_by("due_at", "created_at")
    return queryset.order_by("-created_at", "-id")


def pending_requests_for(member: Member) -> QuerySet:
    """The lead queue: pending requests this member can answer, oldest first, with their due time.

    Leads: their team's; managers: their department's (escalated ones first); admins: all.
    """
    queryset = scoped(Decision.objects.select_related(*RELATED), member).filter(status=DecisionStatus.PENDING)
    if member.role == Role.ADMIN:
        return queryset.exclude(agent_id=member.pk).order_by("due_at", "created_at")
    if member.role == Role.LEAD and member.team_id:
        return (
            queryset.filter(team_id=member.team_id)
            .exclude(agent_id=member.pk)
            .order_by("due_at", "created_at")
        )
    if member.role == Role.MANAGER:
        department_id = department_id_for(member)
        if department_id:
            return (
                queryset.filter(department_id=department_id)
                .exclude(agent_id=member.pk)
                .order_by("-escalated", "due_at", "created_at")
            )
    return queryset.none()


def learning_cases_for(member: Member, *, limit: int = 20) -> list[Decision]:
    """Recent amber decisions the member's team made: what the lead can learn from (and praise)."""
    return list(
        visible_decisions(member).filter(zone=Zone.AMBER, learning_case=True).order_by("-created_at")[:limit]
    )


def customer_recent_decisions(customer, *, limit: int = 5) -> list[Decision]:
    """The customer's latest decisions (any agent), for the customer card."""
    return list(
        Decision.objects.select_related(*RELATED)
        .filter(organization_id=customer.organization_id, customer_id=customer.pk)
        .order_by("-created_at")[:limit]
    )


def customer_recent_decision_payloads(customer, *, limit: int = 5) -> list[dict]:
    """The customer's latest decisions as the decisions API shows them (the customer card's list)."""
    return [decision_payload(decision) for decision in customer_recent_decisions(customer, limit=limit)]


def remaining_today_for(member: Member, *, now=None) -> list[dict]:
    """The budgets that apply to the member now: cap, spent and remaining (the shape of `/me`'s budgets)."""
    from leeway.policy.selectors import budget_statuses_for

    return budget_statuses_for(member, now=now)


def preview_payload(preview) -> dict:
    """What `POST /decisions/preview` answers: the zone, a headline in words, and each limit checked."""
    from leeway.decisions.judging import render_reasons

    judgement, data = preview.judgement, preview.input
    snapshot = data.snapshot
    if judgement.zone == Zone.GREEN:
        headline = _("Inside your authority: you're covered (policy v%(version)s)") % {
            "version": snapshot.number
        }
    elif judgement.zone == Zone.AMBER:
        headline = _(
            "Above your green limit: add one line of why and you're covered (policy v%(version)s)"
        ) % {"version": snapshot.number}
    else:
        headline = _("Goes to your lead: usual answer in %(minutes)s min") % {
            "minutes": snapshot.red_response_minutes
        }
    approved = judgement.zone != Zone.RED
    return {
        "zone": judgement.zone,
        "status": DecisionStatus.APPROVED if approved else DecisionStatus.PENDING,
        "protected": approved,
        "needs_justification": judgement.needs_justification,
        "headline": headline,
        "reasons": render_reasons(judgement.reasons),
        "policy_version": snapshot.number,
        "amount": f"{data.amount:.2f}",
        "currency": data.currency,
        "base_amount": f"{data.base_amount:.2f}",
        "base_currency": snapshot.base_currency,
        "response_minutes": None if approved else snapshot.red_response_minutes,
    }
