"""The reversal guard: an approved decision is never reversed or charged to anyone."""

from django.utils.translation import gettext_lazy as _

from leeway.alignment.models import (
    BackingEvent,
    BackingEventKind,
)
from leeway.alignment.services.common import FEEDBACK_ROLES, _same_organization
from leeway.alignment.services.feedback import _record_backing_event
from leeway.core.errors import Conflict, Forbidden
from leeway.decisions.models import Decision, DecisionStatus
from leeway.people.models import Member


class ReversalAttempt:
    REVERSE = "reverse"
    RECHARGE = "recharge"
    DECLINE = "decline"


def record_refused_change(*, decision: Decision, member: Member, attempt: str) -> BackingEvent | None:
    """Count a refused attempt to undo an approved decision against the member who tried (lead and up)."""
    if member is None or member.organization_id != decision.organization_id:
        return None
    if member.role not in FEEDBACK_ROLES or decision.status != DecisionStatus.APPROVED:
        return None
    return _record_backing_event(
        decision=decision, member=member, kind=BackingEventKind.REVERSAL_REFUSED, data={"attempt": attempt}
    )


def decision_reverse(*, decision: Decision, member: Member, attempt: str = ReversalAttempt.REVERSE):
    """Always refused: an approved decision stays approved, charged to company budgets, not a person."""
    _same_organization(member, decision.organization_id)
    if member.role not in FEEDBACK_ROLES:
        raise Forbidden(_("Only a lead, a manager or an admin can ask for this."))
    decision = Decision.objects.get(pk=decision.pk)
    if decision.status == DecisionStatus.APPROVED:
        record_refused_change(decision=decision, member=member, attempt=attempt)
        if attempt == ReversalAttempt.RECHARGE:
            message = _(
                "Approved gestures are charged to the company's goodwill budgets, never to a person: "
                "this decision cannot be charged to anyone. The attempt is recorded on your backing."
            )
        else:
            message = _(
                "This decision was approved and is protected: it cannot be reversed. "
                "The attempt is recorded on your backing, not the agent's."
            )
        raise Conflict(message, code="decision_protected")
    raise Conflict(
        _("This decision was not approved, so there is nothing to reverse: nothing was spent."),
        code="not_approved",
    )
