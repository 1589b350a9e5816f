"""Writes of the alignment app: charters, feedback, concerns, disputes, refused reversals and pulses.

Each is keyword-only, in one transaction, with an audit entry and an outbox event, except a pulse
answer: it is anonymous, so it writes no audit entry (an entry names its actor and its moment).
Invariant 4 lives here, not in a form: feedback on a protected decision is praise or coaching, and
"reckless" is never a protected decision's behaviour; a refused attempt is recorded against the
author's backing, and the agent's record is not touched.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.alignment.models import (
    CHARTER_TEXT_MAX_LENGTH,
    NEGATIVE_BEHAVIOURS,
    NEGATIVE_KINDS,
    SCORES,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    BackingEvent,
    BackingEventKind,
    Behaviour,
    Charter,
    CharterSignature,
    Dispute,
    DisputeOutcome,
    Feedback,
    FeedbackKind,
    PolicyProposal,
    ProposalStatus,
    Pulse,
    PulseComment,
    PulseQuestion,
    PulseRespondent,
    PulseTally,
    PulseTeam,
)
from leeway.core.audit import audit_record
from leeway.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from leeway.core.outbox import outbox_emit
from leeway.decisions.models import Decision, DecisionStatus
from leeway.people.models import Department, Member, Role, Team

FEEDBACK_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN)
RESOLVING_ROLES = (Role.MANAGER, Role.ADMIN)


def clean_text(value, *, field: str, max_length: int = TEXT_MAX_LENGTH, required: bool = False) -> str:
    """Text as typed, trimmed; refused when not text, too long, with a NUL, or empty when required."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("This value must be text."), code="invalid", field=field)
    if "\x00" in value:
        raise InvalidInput(
            _("This text contains characters that are not allowed."), code="invalid_text", field=field
        )
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(
            _("This text is too long (at most %(max)s characters).") % {"max": max_length},
            code="too_long",
            field=field,
        )
    if required and not value:
        raise InvalidInput(_("This field is required."), code="required", field=field)
    return value


def _same_organization(member: Member | None, organization_id: int) -> None:
    if member is None or member.organization_id != organization_id:
        raise NotFound()


def _first_name(member: Member) -> str:
    return member.first_name or member.username


def _decision_ref(decision: Decision) -> str:
    return str(decision.public_id)


# --- Charters


def charter_publish(*, department: Department, actor: Member, texts: dict[str, dict[str, str]]) -> Charter:
    """Publish a new charter version for a department; every manager is asked to sign it again."""
    _same_organization(actor, department.organization_id)
    if actor.role != Role.ADMIN:
        raise Forbidden(_("Only an admin can publish a charter."))
    organization = department.organization
    cleaned: dict[str, dict[str, str]] = {}
    for language, values in (texts or {}).items():
        title = clean_text(values.get("title"), field=f"title_{language}", max_length=TITLE_MAX_LENGTH)
        text = clean_text(values.get("text"), field=f"text_{language}", max_length=CHARTER_TEXT_MAX_LENGTH)
        if title or text:
            if not (title and text):
                field = f"text_{language}" if title else f"title_{language}"
                raise InvalidInput(_("Give both a title and the commitment."), code="required", field=field)
            cleaned[language] = {"title": title, "text": text}
    if organization.default_language not in cleaned:
        raise InvalidInput(
            _("Write the charter in the organization's language."),
            code="required",
            field=f"text_{organization.default_language}",
        )
    with transaction.atomic():
        # Lock the department so two admins publishing at once get versions n+1 and n+2.
        Department.objects.select_for_update().get(pk=department.pk)
        last = Charter.objects.filter(department=department).order_by("-version").first()
        charter = Charter(
            organization_id=department.organization_id,
            department=department,
            version=(last.version + 1) if last else 1,
            published_at=timezone.now(),
            published_by=actor,
        )
        for language, values in cleaned.items():
            charter.set_current_language(language)
            charter.title = values["title"]
            charter.text = values["text"]
        charter.save()
        audit_record(
            organization_id=charter.organization_id,
            actor_id=actor.pk,
            action="charter.published",
            object_type="charter",
            object_id=charter.pk,
            data={"department": department.name, "version": charter.version, "languages": sorted(cleaned)},
        )
        outbox_emit(
            organization_id=charter.organization_id,
            topic="charter.published",
            payload={"department": department.name, "version": charter.version},
        )
    return charter


def charter_sign(*, charter: Charter, manager: Member) -> CharterSignature:
    """A manager of the department signs its current charter (once per version)."""
    _same_organization(manager, charter.organization_id)
    if manager.role != Role.MANAGER or manager.department_id != charter.department_id:
        raise Forbidden(
            _("Only a manager of this department can sign its charter."), code="not_your_department"
        )
    with transaction.atomic():
        newest = Charter.objects.filter(department_id=charter.department_id).order_by("-version").first()
        if newest.pk != charter.pk:
            raise Conflict(
                _("A newer version of this charter has been published: sign that one."),
                code="charter_superseded",
            )
        try:
            # The unique constraint, not a prior look-up, decides between two clicks at once.
            with transaction.atomic():
                signature = CharterSignature.objects.create(
                    organization_id=charter.organization_id,
                    charter=charter,
                    manager=manager,
                    signed_at=timezone.now(),
                )
        except IntegrityError:
            raise Conflict(_("You have already signed this version."), code="already_signed") from None
        audit_record(
            organization_id=charter.organization_id,
            actor_id=manager.pk,
            action="charter.signed",
            object_type="charter",
            object_id=charter.pk,
            data={
                "department": charter.department.name,
                "version": charter.version,
                "manager": manager.username,
            },
        )
        outbox_emit(
            organization_id=charter.organization_id,
            topic="charter.signed",
            payload={
                "department": charter.department.name,
                "version": charter.version,
                "manager": _first_name(manager),
            },
        )
    return signature


# --- Feedback, concerns and the backing they count against


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


# --- Disputes


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


# --- The reversal guard


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


# --- The fear pulse


def pulse_schedule(
    *,
    organization_id: int,
    actor: Member,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    teams: list[Team],
) -> Pulse:
    """Schedule an anonymous pulse for some teams; its counters are made now so answers only add to them."""
    _same_organization(actor, organization_id)
    if actor.role != Role.ADMIN:
        raise Forbidden(_("Only an admin can schedule a pulse."))
    title = clean_text(title, field="title", max_length=TITLE_MAX_LENGTH, required=True)
    if closes_at <= opens_at:
        raise InvalidInput(_("A pulse must close after it opens."), code="invalid", field="closes_at")
    teams = list(teams)
    if not teams or any(team.organization_id != organization_id for team in teams):
        raise InvalidInput(_("Choose at least one team."), code="required", field="teams")
    with transaction.atomic():
        pulse = Pulse.objects.create(
            organization_id=organization_id,
            title=title,
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=actor,
        )
        for team in teams:
            pulse_team = PulseTeam.objects.create(organization_id=organization_id, pulse=pulse, team=team)
            PulseTally.objects.bulk_create(
                PulseTally(
                    organization_id=organization_id, pulse_team=pulse_team, question=question, score=score
                )
                for question in PulseQuestion.values
                for score in SCORES
            )
        audit_record(
            organization_id=organization_id,
            actor_id=actor.pk,
            action="pulse.scheduled",
            object_type="pulse",
            object_id=pulse.pk,
            data={"title": title, "teams": [team.name for team in teams]},
        )
        outbox_emit(
            organization_id=organization_id,
            topic="pulse.scheduled",
            payload={"pulse": pulse.pk, "opens_at": opens_at, "closes_at": closes_at},
        )
    return pulse


def _score(value, question: str) -> int:
    field = f"score_{question}"
    if isinstance(value, bool) or value in (None, ""):
        raise InvalidInput(_("Answer every question."), code="required", field=field)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value not in SCORES:
        raise InvalidInput(_("Choose a score from 1 to 5."), code="invalid", field=field)
    return value


def pulse_answer(*, pulse: Pulse, member: Member, scores: dict, comment: str = "") -> None:
    """Add one anonymous answer to the team's counts; who answered is kept apart, to refuse a second."""
    _same_organization(member, pulse.organization_id)
    pulse_team = (
        PulseTeam.objects.filter(pulse=pulse, team_id=member.team_id).first() if member.team_id else None
    )
    if pulse_team is None:
        raise Forbidden(_("This pulse was not sent to your team."), code="not_your_pulse")
    now = timezone.now()
    if not pulse.is_open_at(now):
        raise Conflict(_("This pulse is not open."), code="pulse_closed")
    values = {question: _score((scores or {}).get(question), question) for question in PulseQuestion.values}
    comment = clean_text(comment, field="comment")
    with transaction.atomic():
        try:
            with transaction.atomic():
                PulseRespondent.objects.create(
                    organization_id=pulse.organization_id, pulse=pulse, member=member
                )
        except IntegrityError:
            raise Conflict(
                _("You have already answered this pulse. Thank you."), code="already_answered"
            ) from None
        for question, score in values.items():
            PulseTally.objects.filter(pulse_team=pulse_team, question=question, score=score).update(
                count=F("count") + 1
            )
        PulseTeam.objects.filter(pk=pulse_team.pk).update(answers=F("answers") + 1)
        if comment:
            PulseComment.objects.create(
                organization_id=pulse.organization_id, pulse_team=pulse_team, text=comment
            )
