"""Timeouts: overdue red requests settled in the customer's favour or escalated; old keys pruned."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from leeway.core.audit import audit_record
from leeway.core.errors import Conflict
from leeway.core.outbox import outbox_emit
from leeway.decisions.models import (
    Decision,
    DecisionStatus,
    IdempotencyRecord,
)
from leeway.decisions.services.approvals import charge_on_approval
from leeway.decisions.services.create import event_payload
from leeway.policy.snapshot import current_policy

SWEEP_BATCH = 200  # requests settled per sweep round


def _sweep_one(now: datetime) -> str | None:
    """Take one overdue request nobody else holds, and settle it; None when there is none left."""
    with transaction.atomic():
        decision = (
            Decision.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer", "gesture", "agent", "policy_version")
            .filter(status=DecisionStatus.PENDING, escalated=False, due_at__lte=now)
            .order_by("due_at")
            .first()
        )
        if decision is None:
            return None
        # Re-check inside the lock: another worker may have settled it just before.
        if decision.status != DecisionStatus.PENDING or decision.escalated or decision.due_at > now:
            return "skipped"
        snapshot = current_policy(decision.organization_id)
        if snapshot is not None and decision.base_amount <= snapshot.auto_approve_ceiling:
            try:
                # Through the store, as when a lead approves; a refusal charges nothing and
                # leaves the transaction usable, so the request is escalated instead.
                charge_on_approval(decision, snapshot, now)
            except Conflict:
                pass
            else:
                decision.status = DecisionStatus.APPROVED
                decision.protected = True
                decision.auto_approved = True
                decision.decided_at = now
                decision.save(update_fields=["status", "protected", "auto_approved", "decided_at"])
                audit_record(
                    organization_id=decision.organization_id,
                    action="decision.approved",
                    object_type="decision",
                    object_id=decision.public_id,
                    data={"auto_approved": True, "base_amount": str(decision.base_amount)},
                )
                outbox_emit(
                    organization_id=decision.organization_id,
                    topic="decision.approved",
                    payload=event_payload(decision, decision.policy_version.number),
                )
                return "approved"
        minutes = snapshot.red_response_minutes if snapshot is not None else 2
        decision.escalated = True
        decision.escalated_at = now
        decision.due_at = now + timedelta(minutes=minutes)
        decision.save(update_fields=["escalated", "escalated_at", "due_at"])
        audit_record(
            organization_id=decision.organization_id,
            action="decision.escalated",
            object_type="decision",
            object_id=decision.public_id,
            data={"department": decision.department_id},
        )
        outbox_emit(
            organization_id=decision.organization_id,
            topic="decision.escalated",
            payload=event_payload(decision, decision.policy_version.number),
        )
        return "escalated"


def decisions_sweep_overdue(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Settle requests past their response-time target, in the customer's favour where allowed.

    Within the auto-approve ceiling and the hard budgets → approved (`auto_approved`);
    otherwise escalated to the department's managers with a new target. Safe with
    several workers: each request is taken with FOR UPDATE SKIP LOCKED.
    """
    now = now or timezone.now()
    counts = {"approved": 0, "escalated": 0, "skipped": 0}
    for _i in range(limit):
        outcome = _sweep_one(now)
        if outcome is None:
            break
        counts[outcome] += 1
    return counts


def idempotency_prune(*, older_than: timedelta = timedelta(days=7), now: datetime | None = None) -> int:
    """Forget stored answers to old idempotent requests (clients retry within minutes, not weeks)."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _detail = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
