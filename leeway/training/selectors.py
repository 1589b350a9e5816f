"""Training's reads: modules, an agent's training, who is certified, question difficulty, review."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone, translation

from leeway.core.errors import NotFound
from leeway.core.forms import format_amount
from leeway.core.tenancy import get_for, scoped
from leeway.decisions.models import Zone
from leeway.people.models import Member, Role
from leeway.policy.snapshot import current_policy
from leeway.training import quiz
from leeway.training.models import (
    Attempt,
    Certification,
    Module,
    ProposalStatus,
    Question,
    ReviewCard,
    Scenario,
    TierProposal,
)
from leeway.training.services import TRAINING_ROLES, certification_state, latest_certifications, may_confirm
from leeway.training.services.modules import training_settings_for

STATE_ORDER = {"expired": 0, "stale": 1, "expiring": 2, "valid": 3, "none": 4}


def modules_for(member: Member):
    """Trainers and admins see every module; everyone else the published ones."""
    modules = scoped(Module, member).select_related("tier").prefetch_related("translations")
    return modules if member.role in TRAINING_ROLES else modules.filter(published=True)


def get_module_for(member: Member, module_id) -> Module:
    return get_for(member, modules_for(member), pk=module_id)


def get_scenario_for(member: Member, scenario_id) -> Scenario:
    return get_for(member, Scenario, pk=scenario_id)


def get_attempt_for(member: Member, attempt_id) -> Attempt:
    """The agent's own attempt; trainers and admins read any of the organization's."""
    try:
        attempt_id = uuid.UUID(str(attempt_id))
    except ValueError:
        raise NotFound() from None
    attempts = scoped(Attempt, member).select_related("module", "member", "tier", "policy_version")
    if member.role not in TRAINING_ROLES:
        attempts = attempts.filter(member=member)
    return get_for(member, attempts, public_id=attempt_id)


def get_proposal_for(member: Member, proposal_id) -> TierProposal:
    return get_for(
        member, TierProposal.objects.select_related("member", "to_tier", "from_tier"), pk=proposal_id
    )


def get_member_for(member: Member, member_id) -> Member:
    return get_for(member, Member, pk=member_id)


def get_member_by_username(member: Member, username) -> Member:
    return get_for(member, Member, username=username)


def get_card_for(member: Member, card_id) -> ReviewCard:
    return get_for(member, ReviewCard.objects.filter(member=member).select_related("module"), pk=card_id)


@dataclass
class ModuleStatus:
    module: Module
    state: str
    certification: Certification | None
    last_attempt: Attempt | None


def my_training(member: Member, *, now: datetime | None = None) -> list[ModuleStatus]:
    """Each published module with where the agent stands: none, valid, expiring, expired or stale."""
    now = now or timezone.now()
    snapshot = current_policy(member.organization_id)
    latest = latest_certifications(member)
    attempts: dict[int, Attempt] = {}
    for attempt in (
        scoped(Attempt, member).filter(member=member, submitted_at__isnull=False).order_by("started_at")
    ):
        attempts[attempt.module_id] = attempt
    return [
        ModuleStatus(
            module=module,
            state=certification_state(latest.get(module.pk), snapshot=snapshot, now=now),
            certification=latest.get(module.pk),
            last_attempt=attempts.get(module.pk),
        )
        for module in modules_for(member).filter(published=True)
    ]


@dataclass
class CertifiedRow:
    member: Member
    module: Module
    certification: Certification
    state: str


def certifications_overview(reader: Member, *, now: datetime | None = None) -> list[CertifiedRow]:
    """Who is certified in what, expired, expiring or due again after a policy change (most urgent first)."""
    now = now or timezone.now()
    snapshot = current_policy(reader.organization_id)
    latest: dict[tuple[int, int], Certification] = {}
    for certification in scoped(Certification, reader).select_related("member", "module", "module__tier"):
        key = (certification.member_id, certification.module_id)
        if key not in latest or certification.certified_at > latest[key].certified_at:
            latest[key] = certification
    rows = [
        CertifiedRow(
            member=c.member,
            module=c.module,
            certification=c,
            state=certification_state(c, snapshot=snapshot, now=now),
        )
        for c in latest.values()
    ]
    rows.sort(key=lambda row: (STATE_ORDER[row.state], row.certification.expires_at, row.member.username))
    return rows


@dataclass
class Difficulty:
    key: str
    label: str
    asked: int
    correct: int

    @property
    def share(self) -> float:
        return self.correct / self.asked if self.asked else 0.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)


def question_difficulty(reader: Member, module: Module) -> list[Difficulty]:
    """Per question (stable key across attempts and policy versions): how often it was answered right."""
    snapshot = current_policy(reader.organization_id)
    language = translation.get_language() or "en"
    rows = (
        scoped(Question, reader)
        .filter(attempt__module=module, correct__isnull=False)
        .values("key")
        .annotate(asked=Count("pk"), right=Count("pk", filter=Q(correct=True)))
    )
    scenarios = {f"scenario:{s.pk}": s for s in module.scenarios.all()}
    result = []
    for row in rows:
        result.append(
            Difficulty(
                key=row["key"],
                label=question_label(row["key"], snapshot, scenarios, language),
                asked=row["asked"],
                correct=row["right"],
            )
        )
    result.sort(key=lambda d: (d.share, -d.asked, d.key))
    return result


def question_label(key: str, snapshot, scenarios: dict, language: str) -> str:
    """A question's key in words: "Refund · amber" or the start of the trainer's situation."""
    if key.startswith("policy:") and snapshot is not None:
        _kind, gesture, band = key.split(":", 2)
        entry = snapshot.gestures.get(gesture)
        name = entry.name(language) if entry else gesture
        return f"{name} · {Zone(band).label if band in Zone.values else band}"
    scenario = scenarios.get(key)
    if scenario is not None:
        text = scenario.safe_translation_getter("situation", any_language=True) or key
        return text if len(text) <= 80 else text[:79] + "…"
    return key


def gesture_choices(member: Member, language: str) -> list[tuple[str, str]]:
    snapshot = current_policy(member.organization_id)
    if snapshot is None:
        return []
    return [(code, entry.name(language)) for code, entry in snapshot.gestures.items()]


def eligible_proposals(reader: Member):
    """Open tier proposals for agents the reader may confirm (their team, department, or all for admins)."""
    proposals = (
        scoped(TierProposal, reader)
        .filter(status=ProposalStatus.OPEN)
        .select_related("member", "member__team", "to_tier", "from_tier")
        .prefetch_related("to_tier__translations", "from_tier__translations")
        .order_by("created_at")
    )
    return [proposal for proposal in proposals if may_confirm(reader, proposal.member)]


# --- Spaced review in the console


def _shift_start(member: Member, now: datetime) -> datetime:
    local = timezone.localtime(now, timezone=_zone(member))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _zone(member: Member):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(member.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def review_question(card: ReviewCard, *, language: str) -> dict | None:
    """The card's question as today's policy asks it (gesture, amount, engine's zone); None if retired."""
    module = card.module
    snapshot = current_policy(card.organization_id)
    if snapshot is None:
        return None
    tier = module.tier
    if card.key.startswith("policy:"):
        _kind, gesture, band = card.key.split(":", 2)
        if gesture not in snapshot.gestures:
            return None
        draft = quiz.policy_question(snapshot, tier=tier, gesture=gesture, band=band, language=language)
        if draft is None:
            return None
        # The console names the gesture and the amount itself: the situation alone sets the scene.
        with translation.override(language):
            amount, situation = draft.amount, str(quiz.situation_for(snapshot, gesture)[1])
    else:
        scenario = Scenario.objects.filter(pk=card.key.removeprefix("scenario:"), module=module).first()
        if (
            scenario is None
            or not scenario.gesture_codes
            or scenario.gesture_codes[0] not in snapshot.gestures
        ):
            return None
        gesture, amount = scenario.gesture_codes[0], scenario.amount
        situation = scenario.safe_translation_getter("situation", language_code=language, any_language=True)
    entry = snapshot.gestures[gesture]
    return {
        "situation": situation,
        "gesture": gesture,
        "gesture_name": entry.name(language),
        "amount": amount,
        "amount_text": format_amount(amount, language=language),
        "currency": snapshot.base_currency,
        "zone": quiz.engine_zone(snapshot, tier_id=tier.pk, gesture=gesture, amount=amount),
    }


def due_review(member: Member, *, now: datetime | None = None, language: str | None = None):
    """(card, question, due count) for the agent's next due review question this shift, or None.

    A shift gets a few (the organization's `reviews_per_shift`); the earliest due comes first.
    """
    if member.role != Role.AGENT or not member.organization_id:
        return None
    now = now or timezone.now()
    limit = training_settings_for(member.organization).reviews_per_shift
    done = scoped(ReviewCard, member).filter(
        member=member, console_reviewed_at__gte=_shift_start(member, now)
    )
    if limit == 0 or done.count() >= limit:
        return None
    due = list(
        scoped(ReviewCard, member)
        .filter(member=member, due__lte=now, module__published=True)
        .select_related("module", "module__tier")
        .order_by("due")[:10]
    )
    for card in due:
        question = review_question(card, language=language or member.language)
        if question is not None:
            return card, question, len(due)
    return None


def model_answers(attempt: Attempt, *, justification: str = "") -> list[dict]:
    """The answers the engine agrees with, under the attempt's own policy (the demo takes quizzes with them).

    A trainer's scenario is answered with its first key term, so its rubric is met too.
    """
    from leeway.policy.snapshot import snapshot_for_version

    snapshot = snapshot_for_version(attempt.policy_version)
    answers = []
    for question in attempt.questions.select_related("scenario"):
        gesture = question.accepted_gestures[0]
        why = justification
        if question.scenario is not None:
            terms = quiz.key_terms(
                question.scenario.safe_translation_getter(
                    "key_terms", language_code=attempt.language, any_language=True
                )
            )
            why = " ".join(filter(None, [justification, terms[0] if terms else ""])) or "—"
        zone = quiz.engine_zone(snapshot, tier_id=attempt.tier_id, gesture=gesture, amount=question.amount)
        answers.append(
            {
                "question": question.position,
                "gesture": gesture,
                "zone": zone,
                "justification": why or _why(zone),
            }
        )
    return answers


def _why(zone: str) -> str:
    return "" if zone == Zone.GREEN else "Our error: the customer should not pay for it."
