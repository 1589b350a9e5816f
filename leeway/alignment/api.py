"""Alignment endpoints: charters, feedback, concerns, disputes, the reversal guard, the Backing Index, pulses.

Handlers only parse, call one service or selector, and answer.
"""

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field as SchemaField
from ninja import Router, Schema, Status

from leeway.alignment import selectors, services
from leeway.alignment.models import Charter, Dispute, Feedback, PolicyProposal
from leeway.core.api_schemas import errors
from leeway.core.errors import Forbidden
from leeway.decisions import selectors as decision_selectors
from leeway.people.models import Role

router = Router(tags=["alignment"])


# --- Shapes


class SignatureOut(Schema):
    manager: str
    signed_at: str


class CharterOut(Schema):
    id: int | None
    department: str
    version: int | None
    title: str | None
    text: str | None
    published_at: str | None
    signatures: list[SignatureOut]
    unsigned: list[str] | None = SchemaField(None, description="Managers who have not signed (admins only).")


class CharterTextIn(Schema):
    title: str = ""
    text: str = ""


class CharterIn(Schema):
    texts: dict[str, CharterTextIn]


class FeedbackIn(Schema):
    kind: str = SchemaField(
        description="praise, coaching or (only on a decision that is not protected) correction"
    )
    behaviour: str = SchemaField(
        "", description="coaching: human_error or at_risk (reckless never when protected)"
    )
    message: str


class FeedbackOut(Schema):
    id: int
    decision: str
    kind: str
    behaviour: str
    message: str
    author: str
    agent: str
    decision_protected: bool
    created_at: str
    dispute: str | None


class ConcernIn(Schema):
    text: str


class ProposalOut(Schema):
    id: int
    decision: str
    status: str
    text: str
    agent_told: str


class DisputeIn(Schema):
    comment: str


class ResolveIn(Schema):
    outcome: str = SchemaField(description="upheld, partly_upheld or rejected")
    reason: str


class DisputeOut(Schema):
    id: int
    feedback: int
    outcome: str
    comment: str
    resolution: str
    created_at: str
    resolved_at: str | None
    hours_to_resolution: float | None


class RechargeIn(Schema):
    to: str = ""


class WeekOut(Schema):
    week: str
    protected: int
    flagged: int
    share: float | None
    red_answered: int
    red_in_target: int
    declines: int
    timeouts: int
    disputes_resolved: int
    disputes_upheld: int
    median_resolution_hours: float | None


class BackingOut(Schema):
    subject: str
    target: float
    weeks: list[WeekOut]
    total: WeekOut


class PulseAnswerIn(Schema):
    scores: dict[str, Any]
    comment: str = ""


class QuestionOut(Schema):
    question: str
    mean: float
    agree_percent: float


class GroupOut(Schema):
    kind: str
    name: str
    published: bool
    answers: int | None
    questions: list[QuestionOut]
    comments: list[str] | None


class PulseResultsOut(Schema):
    id: int
    title: str
    opens_at: str
    closes_at: str
    closed: bool = SchemaField(description="Results are shown only once the pulse has closed.")
    minimum_answers: int
    groups: list[GroupOut]


# --- Payloads


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def charter_payload(status: selectors.CharterStatus, *, viewer) -> dict:
    charter: Charter | None = status.charter
    return {
        "id": charter.pk if charter else None,
        "department": status.department.name,
        "version": charter.version if charter else None,
        "title": charter.safe_translation_getter("title", any_language=True) if charter else None,
        "text": charter.safe_translation_getter("text", any_language=True) if charter else None,
        "published_at": _iso(charter.published_at) if charter else None,
        "signatures": [
            {"manager": signature.manager.display_name, "signed_at": _iso(signature.signed_at)}
            for signature in status.signatures
        ],
        "unsigned": [manager.display_name for manager in status.unsigned]
        if viewer.role == Role.ADMIN
        else None,
    }


def feedback_payload(feedback: Feedback) -> dict:
    dispute = Dispute.objects.filter(feedback=feedback).values_list("outcome", flat=True).first()
    return {
        "id": feedback.pk,
        "decision": str(feedback.decision.public_id),
        "kind": feedback.kind,
        "behaviour": feedback.behaviour,
        "message": feedback.message,
        "author": feedback.author.display_name,
        "agent": feedback.agent.display_name,
        "decision_protected": feedback.decision_protected,
        "created_at": _iso(feedback.created_at),
        "dispute": dispute,
    }


def proposal_payload(proposal: PolicyProposal) -> dict:
    return {
        "id": proposal.pk,
        "decision": str(proposal.decision.public_id),
        "status": proposal.status,
        "text": proposal.text,
        "agent_told": _(
            "A question was raised about the policy, not about you: your decision was inside it."
        ),
    }


def dispute_payload(dispute: Dispute) -> dict:
    took = dispute.time_to_resolution
    return {
        "id": dispute.pk,
        "feedback": dispute.feedback_id,
        "outcome": dispute.outcome,
        "comment": dispute.comment,
        "resolution": dispute.resolution,
        "created_at": _iso(dispute.created_at),
        "resolved_at": _iso(dispute.resolved_at),
        "hours_to_resolution": round(took.total_seconds() / 3600, 2) if took else None,
    }


def _week_payload(week: selectors.WeekFigures) -> dict:
    return {
        "week": week.start.isoformat(),
        "protected": week.protected,
        "flagged": week.flagged,
        "share": None if week.share is None else round(week.share, 4),
        "red_answered": week.red_answered,
        "red_in_target": week.red_in_target,
        "declines": week.declines,
        "timeouts": week.timeouts,
        "disputes_resolved": week.disputes_resolved,
        "disputes_upheld": week.disputes_upheld,
        "median_resolution_hours": week.median_resolution_hours,
    }


def backing_payload(index: selectors.BackingIndex) -> dict:
    return {
        "subject": index.subject,
        "target": selectors.BACKING_TARGET,
        "weeks": [_week_payload(week) for week in index.weeks],
        "total": _week_payload(index.total),
    }


# --- Charters


@router.get(
    "/charters", response={200: list[CharterOut], **errors(401, 422)}, summary="Charters and who signed them"
)
def charter_list(request):
    member = request.auth
    return [charter_payload(status, viewer=member) for status in selectors.charter_statuses_for(member)]


@router.post(
    "/departments/{department_id}/charters",
    response={201: CharterOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Publish a new charter version (admins)",
    description='Texts per language (`{"en": {"title", "text"}}`); managers are asked to sign again.',
)
def charter_publish(request, department_id: int, payload: CharterIn):
    department = selectors.get_department_for(request.auth, department_id)
    texts = {language: values.dict() for language, values in payload.texts.items()}
    services.charter_publish(department=department, actor=request.auth, texts=texts)
    return Status(201, charter_payload(selectors.charter_status(department), viewer=request.auth))


@router.post(
    "/charters/{charter_id}/sign",
    response={200: CharterOut, **errors(401, 403, 404, 409, 422)},
    summary="Sign the department's current charter (its managers)",
    description=(
        "A version that is no longer the department's newest is 409 `charter_superseded`; signing the same "
        "version twice is 409 `already_signed`."
    ),
)
def charter_sign(request, charter_id: int):
    charter = selectors.get_charter_for(request.auth, charter_id)
    services.charter_sign(charter=charter, manager=request.auth)
    return charter_payload(selectors.charter_status(charter.department), viewer=request.auth)


# --- Feedback and concerns


@router.get(
    "/decisions/{decision_id}/feedback",
    response={200: list[FeedbackOut], **errors(401, 404, 422)},
    summary="Feedback on a decision",
)
def decision_feedback(request, decision_id: str):
    decision = decision_selectors.decision_for(request.auth, decision_id)
    return [feedback_payload(feedback) for feedback in selectors.feedback_on(decision)]


@router.post(
    "/decisions/{decision_id}/feedback",
    response={201: FeedbackOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Praise or coach the agent",
    description=(
        "A protected decision takes praise or coaching (`human_error` or `at_risk`) only: a correction or "
        "`reckless` is a 422 (`decision_protected`) and is counted on the author's backing."
    ),
)
def feedback_give(request, decision_id: str, payload: FeedbackIn):
    decision = decision_selectors.decision_for(request.auth, decision_id)
    feedback = services.feedback_give(decision=decision, author=request.auth, **payload.dict())
    return Status(201, feedback_payload(feedback))


@router.post(
    "/decisions/{decision_id}/concerns",
    response={201: ProposalOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Raise a concern about a protected decision: it goes to the policy, not the agent",
)
def concern_raise(request, decision_id: str, payload: ConcernIn):
    decision = decision_selectors.decision_for(request.auth, decision_id)
    proposal = services.concern_raise(decision=decision, member=request.auth, text=payload.text)
    return Status(201, proposal_payload(proposal))


class ProposalListOut(Schema):
    id: int
    decision: str
    gesture: str
    policy_version: int
    status: str
    text: str
    raised_by: str
    answer: str
    created_at: str


class ProposalAnswerIn(Schema):
    status: str = SchemaField(description="adopted or dismissed")
    answer: str


def proposal_list_payload(proposal: PolicyProposal) -> dict:
    return {
        "id": proposal.pk,
        "decision": str(proposal.decision.public_id),
        "gesture": proposal.decision.gesture.code,
        "policy_version": proposal.decision.policy_version.number,
        "status": proposal.status,
        "text": proposal.text,
        "raised_by": proposal.raised_by.display_name,
        "answer": proposal.answer,
        "created_at": _iso(proposal.created_at),
    }


@router.get(
    "/policy-proposals",
    response={200: list[ProposalListOut], **errors(401, 403, 422)},
    summary="Concerns raised against the policy, with their decisions (admins)",
)
def proposal_list(request):
    if request.auth.role != Role.ADMIN:
        raise Forbidden()
    return [proposal_list_payload(proposal) for proposal in selectors.open_proposals(request.auth)]


@router.post(
    "/policy-proposals/{proposal_id}/answer",
    response={200: ProposalListOut, **errors(400, 401, 403, 404, 409, 413, 422)},
    summary="Take a proposal into the policy or keep the policy (admins)",
    description="A proposal that was already answered is 409 `already_answered`.",
)
def proposal_answer(request, proposal_id: int, payload: ProposalAnswerIn):
    proposal = selectors.get_proposal_for(request.auth, proposal_id)
    proposal = services.proposal_answer(
        proposal=proposal, admin=request.auth, status=payload.status, answer=payload.answer
    )
    return proposal_list_payload(selectors.get_proposal_for(request.auth, proposal.pk))


# --- The reversal guard


@router.post(
    "/decisions/{decision_id}/reverse",
    response=errors(401, 403, 404, 409, 422),
    summary="Always refused for an approved decision",
    description=(
        "Approved decisions are final and protected: 409 `decision_protected`, and the attempt is recorded "
        "on the caller's backing (never the agent's). A decision that is not approved: 409 `not_approved`."
    ),
)
def decision_reverse(request, decision_id: str):
    decision = decision_selectors.decision_in_organization(request.auth, decision_id)
    services.decision_reverse(decision=decision, member=request.auth)


@router.post(
    "/decisions/{decision_id}/recharge",
    response=errors(400, 401, 403, 404, 409, 413, 422),
    summary="Always refused: no cost is ever charged to a person",
    description=(
        "An approved decision: 409 `decision_protected`, and the attempt is recorded on the caller's "
        "backing. A decision that is not approved: 409 `not_approved`."
    ),
)
def decision_recharge(request, decision_id: str, payload: RechargeIn):
    decision = decision_selectors.decision_in_organization(request.auth, decision_id)
    services.decision_reverse(
        decision=decision, member=request.auth, attempt=services.ReversalAttempt.RECHARGE
    )


# --- Disputes


@router.get("/feedback", response={200: list[FeedbackOut], **errors(401, 422)}, summary="Feedback I received")
def feedback_mine(request):
    return [feedback_payload(feedback) for feedback in selectors.feedback_received(request.auth)]


@router.post(
    "/feedback/{feedback_id}/disputes",
    response={201: DisputeOut, **errors(400, 401, 403, 404, 409, 413, 422)},
    summary="Dispute feedback I received (a comment is required)",
    description="Only its agent may; feedback that is already disputed is 409 `already_disputed`.",
)
def dispute_open(request, feedback_id: int, payload: DisputeIn):
    feedback = selectors.get_feedback_for(request.auth, feedback_id)
    dispute = services.dispute_open(feedback=feedback, agent=request.auth, comment=payload.comment)
    return Status(201, dispute_payload(dispute))


@router.post(
    "/disputes/{dispute_id}/resolve",
    response={200: DisputeOut, **errors(400, 401, 403, 404, 409, 413, 422)},
    summary="Resolve a dispute (another manager of the department, or an admin; never the author)",
    description="A dispute that was already resolved is 409 `already_resolved`.",
)
def dispute_resolve(request, dispute_id: int, payload: ResolveIn):
    dispute = selectors.get_dispute_for(request.auth, dispute_id)
    dispute = services.dispute_resolve(
        dispute=dispute, member=request.auth, outcome=payload.outcome, reason=payload.reason
    )
    return dispute_payload(dispute)


# --- The Backing Index


@router.get(
    "/backing",
    response={200: BackingOut, **errors(401, 403, 422)},
    summary="My Backing Index (leads and managers)",
)
def backing_mine(request):
    member = request.auth
    if member.role not in (Role.LEAD, Role.MANAGER):
        raise Forbidden()
    return backing_payload(selectors.backing_index(organization=member.organization, member=member))


@router.get(
    "/backing/departments/{department_id}",
    response={200: BackingOut, **errors(401, 403, 404, 422)},
    summary="A department's Backing Index (its managers, admins)",
)
def backing_department(request, department_id: int):
    department = selectors.get_department_for(request.auth, department_id)
    selectors.check_can_read_backing(request.auth, department=department)
    return backing_payload(
        selectors.backing_index(organization=request.auth.organization, department=department)
    )


@router.get(
    "/backing/members/{member_id}",
    response={200: BackingOut, **errors(401, 403, 404, 422)},
    summary="A lead's or manager's index",
)
def backing_member(request, member_id: int):
    subject = selectors.get_member_for(request.auth, member_id)
    selectors.check_can_read_backing(request.auth, member=subject)
    return backing_payload(selectors.backing_index(organization=request.auth.organization, member=subject))


# --- The fear pulse


@router.post(
    "/pulses/{pulse_id}/answers",
    response={204: None, **errors(400, 401, 403, 404, 409, 413, 422)},
    summary="Answer a pulse anonymously (once)",
    description=(
        "Scores 1 to 5 for `negative_feedback`, `losing_job`, `paying` and `held_against`. A pulse not sent "
        "to your team is 403 `not_your_pulse`; one that is not open is 409 `pulse_closed`, and a second "
        "answer is 409 `already_answered`."
    ),
)
def pulse_answer(request, pulse_id: int, payload: PulseAnswerIn):
    pulse = selectors.get_pulse_for(request.auth, pulse_id)
    services.pulse_answer(pulse=pulse, member=request.auth, scores=payload.scores, comment=payload.comment)
    return HttpResponse(status=204)


@router.get(
    "/pulses/{pulse_id}/results",
    response={200: PulseResultsOut, **errors(401, 403, 404, 422)},
    summary="A pulse's results, for groups where no fewer than five answers can be read or derived",
)
def pulse_results(request, pulse_id: int):
    member = request.auth
    pulse = selectors.get_pulse_for(member, pulse_id)
    if member.role not in (Role.ADMIN, Role.ANALYST, Role.MANAGER, Role.LEAD):
        raise Forbidden()
    groups = selectors.pulse_groups_visible_to(member, selectors.pulse_results(pulse))
    return {
        "id": pulse.pk,
        "title": pulse.title,
        "opens_at": _iso(pulse.opens_at),
        "closes_at": _iso(pulse.closes_at),
        "closed": pulse.closes_at <= timezone.now(),
        "minimum_answers": selectors.PULSE_MIN_ANSWERS,
        "groups": [
            {
                "kind": group.kind,
                "name": group.name,
                "published": group.published,
                "answers": group.answers if group.published else None,
                "questions": [
                    {"question": q.question, "mean": q.mean, "agree_percent": q.agree_percent}
                    for q in group.questions
                ],
                "comments": group.comments,
            }
            for group in groups
        ],
    }
