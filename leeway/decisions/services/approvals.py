"""A lead's answer to a red request: approve (charging the recorded budget subjects) or decline."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.core.audit import audit_record
from leeway.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from leeway.core.outbox import outbox_emit
from leeway.decisions.judging import budget_targets
from leeway.decisions.models import (
    NOTE_MAX_LENGTH,
    Decision,
    DecisionStatus,
)
from leeway.decisions.selectors import department_id_for
from leeway.decisions.services.create import event_payload
from leeway.decisions.services.inputs import clean_text, require_policy
from leeway.decisions.store import BudgetRefused, Charge, store
from leeway.people.models import Member, Role
from leeway.policy.budgets import budget_label
from leeway.policy.snapshot import PolicySnapshot

# Roles that answer requests (each within its own team / department; admins everywhere).
ANSWERING_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN)


def check_can_answer(*, decision: Decision, member: Member) -> None:
    """A lead of the agent's team, a manager of its department, or an admin; another org's is 404."""
    if not member.organization_id or decision.organization_id != member.organization_id:
        raise NotFound()
    if not member.has_role(*ANSWERING_ROLES):
        raise Forbidden(_("Only a lead, a manager or an admin can answer requests."), code="forbidden")
    if decision.agent_id == member.pk:
        raise Forbidden(_("You cannot answer your own request."), code="own_request")
    if member.role == Role.LEAD and (not member.team_id or member.team_id != decision.team_id):
        raise Forbidden(_("Only a lead of the agent's team can answer this request."), code="not_your_team")
    if member.role == Role.MANAGER and (
        department_id_for(member) is None or department_id_for(member) != decision.department_id
    ):
        raise Forbidden(
            _("Only a manager of the agent's department can answer this request."), code="not_your_department"
        )


def charge_on_approval(decision: Decision, snapshot: PolicySnapshot, now: datetime) -> None:
    """Charge an approved request to its budgets; hard caps refuse (409), the agent's own may be exceeded.

    Through the store, as a decision is charged when it is made; refused, nothing is charged.
    """
    if decision.base_amount <= 0:
        return
    # The subjects the request recorded when it was made: the agent may have moved since.
    targets = budget_targets(snapshot, subjects=decision.budget_subjects, now=now)
    decisions_store = store()
    inputs = decisions_store.read_inputs(
        organization_id=decision.organization_id,
        customer=decision.customer_id,
        gesture_id=decision.gesture_id,
        rule=None,
        now=now,
        targets=targets,
        deciding=True,
        optimistic=True,  # the charge locks the counters itself
    )
    try:
        decisions_store.charge(
            Charge(budgets=inputs.budgets, amount=decision.base_amount, past_authority=True)
        )
    except BudgetRefused as refused:
        state = refused.budget
        left = max(state.target.cap - state.spent, Decimal("0"))
        raise Conflict(
            _("Approving would pass a hard cap (%(budget)s): only %(left)s of %(cap)s %(currency)s left.")
            % {
                "budget": str(budget_label(state.target.scope, state.target.period)).lower(),
                "left": f"{left:.2f}",
                "cap": f"{state.target.cap:.2f}",
                "currency": snapshot.base_currency,
            },
            code="budget_exhausted",
        ) from None


def _locked_pending(decision: Decision) -> Decision:
    locked = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("customer", "gesture", "agent", "policy_version", "decided_by")
        .get(pk=decision.pk)
    )
    if locked.status != DecisionStatus.PENDING:
        raise Conflict(_("This request was already decided."), code="already_decided")
    return locked


def decision_approve(*, decision: Decision, member: Member, note: str = "") -> Decision:
    """A lead (or manager, admin) approves a pending request: it is charged and becomes protected."""
    check_can_answer(decision=decision, member=member)
    note = clean_text(note, field="note", max_length=NOTE_MAX_LENGTH)
    snapshot = require_policy(member)
    with transaction.atomic():
        locked = _locked_pending(decision)
        now = timezone.now()
        charge_on_approval(locked, snapshot, now)
        locked.status = DecisionStatus.APPROVED
        locked.protected = True
        locked.decided_at = now
        locked.decided_by = member
        locked.decision_note = note
        locked.save(update_fields=["status", "protected", "decided_at", "decided_by", "decision_note"])
        audit_record(
            organization_id=locked.organization_id,
            actor_id=member.pk,
            action="decision.approved",
            object_type="decision",
            object_id=locked.public_id,
            data={"by": member.username, "note": note, "base_amount": str(locked.base_amount)},
        )
        outbox_emit(
            organization_id=locked.organization_id,
            topic="decision.approved",
            payload=event_payload(locked, locked.policy_version.number),
        )
    return locked


def decision_decline(*, decision: Decision, member: Member, reason: str) -> Decision:
    """A lead (or manager, admin) declines a pending request with a reason for the agent; nothing is spent."""
    check_can_answer(decision=decision, member=member)
    reason = clean_text(reason, field="reason", max_length=NOTE_MAX_LENGTH)
    if not reason:
        # The agent has to tell the customer something: "declined" alone leaves them guessing.
        raise InvalidInput(
            _("Give the agent a reason for declining: they will read it."),
            code="reason_required",
            field="reason",
        )
    with transaction.atomic():
        locked = _locked_pending(decision)
        now = timezone.now()
        locked.status = DecisionStatus.DECLINED
        locked.protected = False
        locked.decided_at = now
        locked.decided_by = member
        locked.decision_note = reason
        locked.save(update_fields=["status", "protected", "decided_at", "decided_by", "decision_note"])
        audit_record(
            organization_id=locked.organization_id,
            actor_id=member.pk,
            action="decision.declined",
            object_type="decision",
            object_id=locked.public_id,
            data={"by": member.username, "reason": reason},
        )
        outbox_emit(
            organization_id=locked.organization_id,
            topic="decision.declined",
            payload={**event_payload(locked, locked.policy_version.number), "decline_reason": reason},
        )
    return locked
