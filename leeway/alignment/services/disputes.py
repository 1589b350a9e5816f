"""An agent disputes feedback; another manager resolves it."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.alignment.models import (
    Dispute,
    DisputeOutcome,
    Feedback,
)
from leeway.alignment.services.common import RESOLVING_ROLES, _decision_ref, _same_organization, clean_text
from leeway.core.audit import audit_record
from leeway.core.errors import Conflict, Forbidden, InvalidInput
from leeway.core.outbox import outbox_emit
from leeway.people.models import Member, Role


def dispute_open(*, feedback: Feedback, agent: Member, comment: str) -> Dispute:
    """The agent who received feedback disputes it, saying why."""
    _same_organization(agent, feedback.organization_id)
    if feedback.agent_id != agent.pk:
        raise Forbidden(
            _("Only the agent who received this feedback can dispute it."), code="not_your_feedback"
        )
    comment = clean_text(comment, field="comment", required=True)
    with transaction.atomic():
        try:
            with transaction.atomic():
                dispute = Dispute.objects.create(
                    organization_id=feedback.organization_id,
                    feedback=feedback,
                    agent=agent,
                    comment=comment,
                    created_at=timezone.now(),
                )
        except IntegrityError:
            raise Conflict(_("This feedback is already disputed."), code="already_disputed") from None
        audit_record(
            organization_id=feedback.organization_id,
            actor_id=agent.pk,
            action="dispute.opened",
            object_type="dispute",
            object_id=dispute.pk,
            data={"feedback": feedback.pk},
        )
        outbox_emit(
            organization_id=feedback.organization_id,
            topic="dispute.opened",
            payload={"dispute": dispute.pk, "decision": _decision_ref(feedback.decision)},
        )
    return dispute


def check_can_resolve(*, dispute: Dispute, member: Member) -> None:
    """Another manager of the agent's department (or an admin): never the feedback's author or the agent."""
    _same_organization(member, dispute.organization_id)
    if member.role not in RESOLVING_ROLES:
        raise Forbidden(_("Only a manager or an admin can resolve a dispute."))
    if member.pk == dispute.feedback.author_id:
        raise Forbidden(
            _("Another manager must resolve a dispute about your own feedback."), code="own_feedback"
        )
    if member.pk == dispute.agent_id:
        raise Forbidden(_("You cannot resolve your own dispute."), code="own_dispute")
    if member.role == Role.MANAGER and (
        member.home_department is None or member.home_department.pk != dispute.feedback.decision.department_id
    ):
        raise Forbidden(
            _("Only a manager of the agent's department can do this."), code="not_your_department"
        )


def dispute_resolve(*, dispute: Dispute, member: Member, outcome: str, reason: str) -> Dispute:
    """Uphold, partly uphold or reject a dispute with reasons; the time it took is kept."""
    check_can_resolve(dispute=dispute, member=member)
    if outcome not in (DisputeOutcome.UPHELD, DisputeOutcome.PARTLY_UPHELD, DisputeOutcome.REJECTED):
        raise InvalidInput(_("Choose upheld, partly upheld or rejected."), code="invalid", field="outcome")
    reason = clean_text(reason, field="reason", required=True)
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if not dispute.is_open:
            raise Conflict(_("This dispute was already resolved."), code="already_resolved")
        dispute.outcome = outcome
        dispute.resolution = reason
        dispute.resolved_by = member
        dispute.resolved_at = timezone.now()
        dispute.save(update_fields=["outcome", "resolution", "resolved_by", "resolved_at"])
        audit_record(
            organization_id=dispute.organization_id,
            actor_id=member.pk,
            action="dispute.resolved",
            object_type="dispute",
            object_id=dispute.pk,
            data={"outcome": outcome, "seconds": int(dispute.time_to_resolution.total_seconds())},
        )
        outbox_emit(
            organization_id=dispute.organization_id,
            topic="dispute.resolved",
            payload={"dispute": dispute.pk, "outcome": outcome},
        )
    return dispute
