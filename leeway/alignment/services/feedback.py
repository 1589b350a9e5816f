"""Feedback, concerns raised against the policy, and the backing they count against (invariant 4)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.alignment.models import (
    NEGATIVE_BEHAVIOURS,
    NEGATIVE_KINDS,
    BackingEvent,
    BackingEventKind,
    Behaviour,
    Feedback,
    FeedbackKind,
    PolicyProposal,
    ProposalStatus,
)
from leeway.alignment.services.common import (
    FEEDBACK_ROLES,
    _decision_ref,
    _first_name,
    _same_organization,
    clean_text,
)
from leeway.core.audit import audit_record
from leeway.core.errors import Conflict, Forbidden, InvalidInput
from leeway.core.outbox import outbox_emit
from leeway.decisions.models import Decision, DecisionStatus
from leeway.people.models import Member, Role


def check_can_review(*, decision: Decision, member: Member) -> None:
    """A lead of the agent's team, a manager of its department or an admin; never the agent themself."""
    _same_organization(member, decision.organization_id)
    if member.role not in FEEDBACK_ROLES:
        raise Forbidden(_("Only a lead, a manager or an admin can give feedback."))
    if decision.agent_id == member.pk:
        raise Forbidden(_("You cannot give feedback on your own decision."), code="own_decision")
    if member.role == Role.LEAD and (not member.team_id or member.team_id != decision.team_id):
        raise Forbidden(_("Only a lead of the agent's team can do this."), code="not_your_team")
    if member.role == Role.MANAGER and (
        member.home_department is None or member.home_department.pk != decision.department_id
    ):
        raise Forbidden(
            _("Only a manager of the agent's department can do this."), code="not_your_department"
        )


def _record_backing_event(
    *, decision: Decision, member: Member, kind: str, data: dict | None = None
) -> BackingEvent:
    """Count something done against a protected decision on the member's backing (own transaction)."""
    department = member.home_department
    with transaction.atomic():
        event = BackingEvent.objects.create(
            organization_id=decision.organization_id,
            member=member,
            department_id=department.pk if department else decision.department_id,
            decision=decision,
            kind=kind,
            created_at=timezone.now(),
        )
        audit_record(
            organization_id=decision.organization_id,
            actor_id=member.pk,
            action=f"backing.{kind}",
            object_type="decision",
            object_id=decision.public_id,
            data={"by": member.username, **(data or {})},
        )
        outbox_emit(
            organization_id=decision.organization_id,
            topic="backing.recorded",
            payload={"decision": _decision_ref(decision), "kind": kind},
        )
    return event


def _refuse_negative(decision: Decision, author: Member, *, field: str, kind: str, behaviour: str):
    _record_backing_event(
        decision=decision,
        member=author,
        kind=BackingEventKind.NEGATIVE_FEEDBACK_REFUSED,
        data={"kind": kind, "behaviour": behaviour},
    )
    raise InvalidInput(
        _(
            "This decision was inside policy and is protected: it can get praise or coaching, never "
            "negative feedback. If the policy itself is wrong, raise a concern about the policy."
        ),
        code="decision_protected",
        field=field,
    )


def feedback_give(
    *, decision: Decision, author: Member, kind: str, behaviour: str = "", message: str
) -> Feedback:
    """Praise or coach an agent on a decision; a protected decision never takes negative feedback."""
    check_can_review(decision=decision, member=author)
    if kind not in FeedbackKind.values:
        raise InvalidInput(_("Choose praise or coaching."), code="invalid", field="kind")
    behaviour = behaviour or ""
    if behaviour and behaviour not in Behaviour.values:
        raise InvalidInput(_("Choose what kind of behaviour it was."), code="invalid", field="behaviour")
    message = clean_text(message, field="message", required=True)
    # Re-read: the decision may have been approved since the caller loaded it.
    decision = Decision.objects.select_related("agent", "gesture").get(pk=decision.pk)
    if decision.protected and kind in NEGATIVE_KINDS:
        _refuse_negative(decision, author, field="kind", kind=kind, behaviour=behaviour)
    if decision.protected and behaviour in NEGATIVE_BEHAVIOURS:
        _refuse_negative(decision, author, field="behaviour", kind=kind, behaviour=behaviour)
    if decision.status != DecisionStatus.DECLINED and (
        kind in NEGATIVE_KINDS or behaviour in NEGATIVE_BEHAVIOURS
    ):
        # A pending request may still be approved, and then it is protected: it would carry a correction.
        raise InvalidInput(
            _("This request is still pending and may be approved: it can get praise or coaching only."),
            code="decision_pending",
            field="kind" if kind in NEGATIVE_KINDS else "behaviour",
        )
    if kind == FeedbackKind.PRAISE and behaviour:
        raise InvalidInput(_("Praise needs no behaviour."), code="invalid", field="behaviour")
    if kind == FeedbackKind.COACHING and not behaviour:
        raise InvalidInput(
            _("Say whether it was a human error or at-risk behaviour: the answer differs."),
            code="required",
            field="behaviour",
        )
    with transaction.atomic():
        feedback = Feedback.objects.create(
            organization_id=decision.organization_id,
            decision=decision,
            author=author,
            agent=decision.agent,
            kind=kind,
            behaviour=behaviour,
            message=message,
            decision_protected=decision.protected,
            created_at=timezone.now(),
        )
        audit_record(
            organization_id=decision.organization_id,
            actor_id=author.pk,
            action="feedback.given",
            object_type="feedback",
            object_id=feedback.pk,
            data={"decision": _decision_ref(decision), "kind": kind, "behaviour": behaviour},
        )
        outbox_emit(
            organization_id=decision.organization_id,
            topic="feedback.given",
            payload={
                "decision": _decision_ref(decision),
                "kind": kind,
                "agent": _first_name(decision.agent),
                "by": _first_name(author),
            },
        )
    return feedback


def concern_raise(*, decision: Decision, member: Member, text: str) -> PolicyProposal:
    """A concern about a protected decision becomes a policy proposal, never a mark on the agent."""
    check_can_review(decision=decision, member=member)
    text = clean_text(text, field="text", required=True)
    decision = Decision.objects.select_related("gesture", "policy_version").get(pk=decision.pk)
    if not decision.protected:
        raise InvalidInput(
            _("This decision is not protected: coach the agent with feedback instead."),
            code="not_protected",
            field="decision",
        )
    with transaction.atomic():
        proposal = PolicyProposal.objects.create(
            organization_id=decision.organization_id,
            decision=decision,
            raised_by=member,
            text=text,
            created_at=timezone.now(),
        )
        _record_backing_event(decision=decision, member=member, kind=BackingEventKind.CONCERN)
        audit_record(
            organization_id=decision.organization_id,
            actor_id=member.pk,
            action="policy_proposal.raised",
            object_type="policy_proposal",
            object_id=proposal.pk,
            data={"decision": _decision_ref(decision), "policy_version": decision.policy_version.number},
        )
        outbox_emit(
            organization_id=decision.organization_id,
            topic="policy.proposal_raised",
            payload={
                "decision": _decision_ref(decision),
                "gesture": decision.gesture.code,
                "policy_version": decision.policy_version.number,
            },
        )
    return proposal


def proposal_answer(*, proposal: PolicyProposal, admin: Member, status: str, answer: str) -> PolicyProposal:
    """An admin takes a proposal into the policy or keeps the policy as it is, saying why."""
    _same_organization(admin, proposal.organization_id)
    if admin.role != Role.ADMIN:
        raise Forbidden(_("Only an admin can answer policy proposals."))
    if status not in (ProposalStatus.ADOPTED, ProposalStatus.DISMISSED):
        raise InvalidInput(_("Choose what happens to the policy."), code="invalid", field="status")
    answer = clean_text(answer, field="answer", required=True)
    with transaction.atomic():
        proposal = PolicyProposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != ProposalStatus.OPEN:
            raise Conflict(_("This proposal was already answered."), code="already_answered")
        proposal.status = status
        proposal.answer = answer
        proposal.answered_by = admin
        proposal.answered_at = timezone.now()
        proposal.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        audit_record(
            organization_id=proposal.organization_id,
            actor_id=admin.pk,
            action="policy_proposal.answered",
            object_type="policy_proposal",
            object_id=proposal.pk,
            data={"status": status},
        )
        outbox_emit(
            organization_id=proposal.organization_id,
            topic="policy.proposal_answered",
            payload={"proposal": proposal.pk, "status": status},
        )
    return proposal
