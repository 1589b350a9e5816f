"""Training endpoints: modules, attempts and their answers, certifications, tier proposals, xAPI export.

Handlers only parse, call one service or selector, and answer.
"""

from typing import Any

from django.utils import timezone, translation
from ninja import Field as SchemaField
from ninja import Router, Schema, Status

from leeway.core.api_schemas import errors
from leeway.core.errors import Forbidden
from leeway.people.models import Role
from leeway.policy.snapshot import current_policy
from leeway.training import selectors, services, xapi
from leeway.training.models import Attempt, Certification, Module, TierProposal

router = Router(tags=["training"])
READ_ALL_ROLES = (Role.TRAINER, Role.ADMIN, Role.LEAD, Role.MANAGER)


# --- Shapes


class ModuleTextIn(Schema):
    title: str = ""
    summary: str = ""
    lesson_meaning: str = ""
    lesson_practice: str = ""
    lesson_celebration: str = ""


class ModuleIn(Schema):
    code: str = ""
    tier: str = SchemaField(description="The code of the tier the module certifies for")
    gestures: list[str] = SchemaField([], description="Gesture codes covered; empty: all of the tier's")
    pass_mark: int = SchemaField(80, ge=1, le=100)
    validity_months: int = SchemaField(12, ge=1, le=60)
    policy_questions: int = SchemaField(5, ge=0, le=20)
    published: bool = False
    texts: dict[str, ModuleTextIn]


class ModulePatch(Schema):
    tier: str | None = None
    gestures: list[str] | None = None
    pass_mark: int | None = SchemaField(None, ge=1, le=100)
    validity_months: int | None = SchemaField(None, ge=1, le=60)
    policy_questions: int | None = SchemaField(None, ge=0, le=20)
    published: bool | None = None
    texts: dict[str, ModuleTextIn] | None = None


class LessonOut(Schema):
    title: str
    summary: str
    lesson_meaning: str
    lesson_practice: str
    lesson_celebration: str


class ModuleOut(Schema):
    id: int
    code: str
    tier: str
    gestures: list[str]
    pass_mark: int
    validity_months: int
    policy_questions: int
    published: bool
    texts: dict[str, LessonOut]


class AttemptQuestionOut(Schema):
    question: int
    situation: str
    amount: str
    currency: str
    answer: dict[str, Any] | None = SchemaField(None, description="Once submitted: what was answered")
    result: dict[str, Any] | None = SchemaField(
        None, description="Once submitted: the engine's zone and each part"
    )


class AttemptOut(Schema):
    id: str
    module: str
    member: str
    policy_version: int
    started_at: str
    submitted_at: str | None
    correct: int | None
    total: int
    score: float | None = SchemaField(None, description="0 to 1 (xAPI result.score.scaled)")
    passed: bool | None
    questions: list[AttemptQuestionOut]


class AnswerIn(Schema):
    question: int
    gesture: str
    zone: str = SchemaField(description="green, amber or red")
    justification: str = ""


class AnswersIn(Schema):
    answers: list[AnswerIn]


class CertificationOut(Schema):
    member: str
    module: str
    certified_at: str
    expires_at: str
    policy_version: int
    waived: bool
    state: str = SchemaField(
        description="valid, expiring, expired, or stale (the policy changed what it covers)"
    )


class WaiverIn(Schema):
    member: str = SchemaField(description="The agent's username")


class TierProposalOut(Schema):
    id: int
    member: str
    from_tier: str | None
    to_tier: str
    source: str = SchemaField(description="certification or track_record")
    evidence: dict[str, Any]
    status: str
    created_at: str


# --- Payloads


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def module_payload(module: Module) -> dict:
    return {
        "id": module.pk,
        "code": module.code,
        "tier": module.tier.code,
        "gestures": module.gesture_codes,
        "pass_mark": module.pass_mark,
        "validity_months": module.validity_months,
        "policy_questions": module.policy_questions,
        "published": module.published,
        "texts": {
            t.language_code: {
                "title": t.title,
                "summary": t.summary,
                "lesson_meaning": t.lesson_meaning,
                "lesson_practice": t.lesson_practice,
                "lesson_celebration": t.lesson_celebration,
            }
            for t in module.translations.all()
        },
    }


def attempt_payload(attempt: Attempt) -> dict:
    currency = attempt.member.organization.base_currency
    questions = []
    for question in attempt.questions.all():
        row = {
            "question": question.position,
            "situation": question.situation,
            "amount": f"{question.amount:.2f}",
            "currency": currency,
            "answer": None,
            "result": None,
        }
        if attempt.is_submitted:
            row["answer"] = {
                "gesture": question.answer_gesture,
                "zone": question.answer_zone,
                "justification": question.answer_justification,
            }
            row["result"] = {
                "correct": question.correct,
                "engine_zone": question.engine_zone,
                "gesture_ok": question.gesture_ok,
                "zone_ok": question.zone_ok,
                "justification_ok": question.justification_ok,
                "accepted_gestures": question.accepted_gestures,
            }
        questions.append(row)
    return {
        "id": str(attempt.public_id),
        "module": attempt.module.code,
        "member": attempt.member.username,
        "policy_version": attempt.policy_version.number,
        "started_at": _iso(attempt.started_at),
        "submitted_at": _iso(attempt.submitted_at),
        "correct": attempt.correct if attempt.is_submitted else None,
        "total": attempt.total,
        "score": attempt.score,
        "passed": attempt.passed,
        "questions": questions,
    }


def certification_payload(certification: Certification, *, state: str) -> dict:
    return {
        "member": certification.member.username,
        "module": certification.module.code,
        "certified_at": _iso(certification.certified_at),
        "expires_at": _iso(certification.expires_at),
        "policy_version": certification.policy_number,
        "waived": certification.waived,
        "state": state,
    }


def proposal_payload(proposal: TierProposal) -> dict:
    return {
        "id": proposal.pk,
        "member": proposal.member.username,
        "from_tier": proposal.from_tier.code if proposal.from_tier else None,
        "to_tier": proposal.to_tier.code,
        "source": proposal.source,
        "evidence": proposal.evidence,
        "status": proposal.status,
        "created_at": _iso(proposal.created_at),
    }


def _texts(texts) -> dict:
    return {language: values.dict() for language, values in (texts or {}).items()}


# --- Modules


@router.get(
    "/training/modules", response={200: list[ModuleOut], **errors(401, 422)}, summary="Training modules"
)
def module_list(request):
    """Agents read the published modules; trainers and admins every module."""
    return [module_payload(module) for module in selectors.modules_for(request.auth)]


@router.post(
    "/training/modules",
    response={201: ModuleOut, **errors(400, 401, 403, 413, 422)},
    summary="Add a module (trainers, admins)",
    description='Lessons per language: `{"en": {"title", "summary", "lesson_meaning", "lesson_practice", '
    '"lesson_celebration"}}`; the organization\'s language is required.',
)
def module_create(request, payload: ModuleIn):
    module = services.module_create(
        actor=request.auth,
        code=payload.code,
        texts=_texts(payload.texts),
        tier=payload.tier,
        gesture_codes=payload.gestures,
        pass_mark=payload.pass_mark,
        validity_months=payload.validity_months,
        policy_questions=payload.policy_questions,
        published=payload.published,
    )
    return Status(201, module_payload(module))


@router.get(
    "/training/modules/{module_id}", response={200: ModuleOut, **errors(401, 404, 422)}, summary="One module"
)
def module_detail(request, module_id: int):
    return module_payload(selectors.get_module_for(request.auth, module_id))


@router.patch(
    "/training/modules/{module_id}",
    response={200: ModuleOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Change a module (trainers, admins)",
)
def module_update(request, module_id: int, payload: ModulePatch):
    module = selectors.get_module_for(request.auth, module_id)
    values = {
        "tier": payload.tier,
        "gesture_codes": payload.gestures,
        "pass_mark": payload.pass_mark,
        "validity_months": payload.validity_months,
        "policy_questions": payload.policy_questions,
        "published": payload.published,
    }
    values = {name: value for name, value in values.items() if value is not None}
    texts = _texts(payload.texts) if payload.texts is not None else None
    module = services.module_update(module=module, actor=request.auth, texts=texts, **values)
    return module_payload(module)


# --- Attempts


@router.post(
    "/training/modules/{module_id}/attempts",
    response={201: AttemptOut, **errors(401, 403, 404, 409, 422)},
    summary="Start the module's quiz (agents)",
    description="Questions are drawn from the published policy now. 409 `no_policy` before any policy is "
    "published; 409 `no_questions` when the tier has no rules for the module's gestures.",
)
def attempt_start(request, module_id: int):
    module = selectors.get_module_for(request.auth, module_id)
    attempt = services.attempt_start(module=module, member=request.auth, language=translation.get_language())
    return Status(201, attempt_payload(attempt))


@router.get(
    "/training/attempts/{attempt_id}",
    response={200: AttemptOut, **errors(401, 404, 422)},
    summary="One attempt",
)
def attempt_detail(request, attempt_id: str):
    return attempt_payload(selectors.get_attempt_for(request.auth, attempt_id))


@router.post(
    "/training/attempts/{attempt_id}/answers",
    response={200: AttemptOut, **errors(400, 401, 403, 404, 409, 413, 422)},
    summary="Answer every question (the agent who started it)",
    description="Graded by the decision engine under the attempt's policy version. A pass certifies. "
    "409 `already_submitted` on a second submission.",
)
def attempt_submit(request, attempt_id: str, payload: AnswersIn):
    attempt = selectors.get_attempt_for(request.auth, attempt_id)
    answers = [answer.dict() for answer in payload.answers]
    attempt = services.attempt_submit(attempt=attempt, member=request.auth, answers=answers)
    return attempt_payload(attempt)


# --- Certifications


@router.get(
    "/training/certifications",
    response={200: list[CertificationOut], **errors(401, 422)},
    summary="Certifications (agents: their own)",
)
def certification_list(request):
    member = request.auth
    now = timezone.now()
    if member.role in READ_ALL_ROLES:
        rows = selectors.certifications_overview(member, now=now)
        return [certification_payload(row.certification, state=row.state) for row in rows]
    snapshot = current_policy(member.organization_id)
    return [
        certification_payload(c, state=services.certification_state(c, snapshot=snapshot, now=now))
        for c in services.latest_certifications(member).values()
    ]


@router.post(
    "/training/modules/{module_id}/waivers",
    response={201: CertificationOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Certify an agent without the quiz (trainers, admins)",
)
def certification_waive(request, module_id: int, payload: WaiverIn):
    module = selectors.get_module_for(request.auth, module_id)
    services.check_trainer(request.auth, module.organization_id)
    agent = selectors.get_member_by_username(request.auth, payload.member)
    certification = services.certification_waive(module=module, member=agent, actor=request.auth)
    return Status(201, certification_payload(certification, state="valid"))


# --- Tier proposals


@router.get(
    "/training/tier-proposals",
    response={200: list[TierProposalOut], **errors(401, 403, 422)},
    summary="Agents proposed for the next tier (leads: their team)",
)
def proposal_list(request):
    if request.auth.role not in services.CONFIRMING_ROLES:
        raise Forbidden()
    return [proposal_payload(proposal) for proposal in selectors.eligible_proposals(request.auth)]


@router.post(
    "/training/tier-proposals/{tier_proposal_id}/confirm",
    response={200: TierProposalOut, **errors(401, 403, 404, 409, 422)},
    summary="Give the agent the proposed tier (their lead, manager, or an admin)",
    description="The tier changes through the members service (audited) and applies from the next decision. "
    "409 `already_answered`; 409 `tier_held` when the agent already holds it.",
)
def proposal_confirm(request, tier_proposal_id: int):
    proposal = selectors.get_proposal_for(request.auth, tier_proposal_id)
    return proposal_payload(services.tier_proposal_confirm(proposal=proposal, actor=request.auth))


@router.post(
    "/training/tier-proposals/{tier_proposal_id}/dismiss",
    response={200: TierProposalOut, **errors(401, 403, 404, 409, 422)},
    summary="Not now: the tier stays",
    description="409 `already_answered`.",
)
def proposal_dismiss(request, tier_proposal_id: int):
    proposal = selectors.get_proposal_for(request.auth, tier_proposal_id)
    return proposal_payload(services.tier_proposal_dismiss(proposal=proposal, actor=request.auth))


# --- xAPI


@router.get(
    "/training/xapi/statements",
    response={200: list[dict[str, Any]], **errors(401, 403, 422)},
    summary="Attempts and waivers as cmi5-shaped xAPI statements (trainers, admins)",
    description="Verbs launched, completed, passed, failed, waived (ADL and cmi5 IRIs), with "
    "`result.score.scaled`, `success`, `completion` and `duration`; stable statement ids.",
)
def xapi_statements(request):
    if request.auth.role not in services.TRAINING_ROLES:
        raise Forbidden()
    return xapi.statements_for(request.auth)
