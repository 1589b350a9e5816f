"""Monthly allowances, kudos and celebrations of protected decisions."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.core.errors import Conflict, Forbidden, InvalidInput
from leeway.core.outbox import outbox_emit
from leeway.decisions.models import Decision, DecisionStatus
from leeway.people.models import Member
from leeway.recognition.models import (
    MAX_MONTHLY_ALLOWANCE,
    MESSAGE_MAX_LENGTH,
    Allowance,
    Celebration,
    CompanyValue,
    Kudos,
)
from leeway.recognition.services.common import (
    GIVING_ROLES,
    _audit,
    _plain_text,
    _require_role,
    celebration_payload,
    customer_words_from,
    decision_path,
    month_start,
)
from leeway.recognition.services.values import _parse_count, recognition_settings_for


def allowance_for(member: Member, *, now: datetime | None = None) -> Allowance:
    """This month's allowance of the member (unsaved, all points left, until their first kudos)."""
    organization = member.organization
    month = month_start(organization, now)
    found = Allowance.objects.filter(member=member, month=month).first()
    if found is not None:
        return found
    granted = recognition_settings_for(organization).monthly_allowance
    return Allowance(organization=organization, member=member, month=month, granted=granted)


def _allowance_spend(*, member: Member, points: int, now: datetime) -> Allowance:
    """Take `points` from this month's allowance, or refuse; safe against concurrent kudos.

    The row is created once per member and month (a new month starts afresh: no rollover), then one
    guarded UPDATE spends only while enough is left. On PostgreSQL a concurrent kudos waits for the
    row lock and then re-checks the condition against the committed row, so two kudos at once can
    never spend more than the allowance (and the check constraint refuses it anyway).
    """
    allowance = allowance_for(member, now=now)
    if allowance.pk is None:
        Allowance.objects.bulk_create([allowance], ignore_conflicts=True)
    if points:
        spent = Allowance.objects.filter(
            member=member, month=allowance.month, spent__lte=F("granted") - points
        ).update(spent=F("spent") + points)
        if not spent:
            left = Allowance.objects.get(member=member, month=allowance.month).remaining
            raise InvalidInput(
                _("You have %(left)s points left this month.") % {"left": left},
                code="allowance_exceeded",
                field="points",
            )
    return Allowance.objects.get(member=member, month=allowance.month)


def _check_giver(member: Member, decision: Decision) -> None:
    _require_role(member, GIVING_ROLES)
    if decision.organization_id != member.organization_id:
        raise Forbidden()
    if decision.agent_id == member.pk:
        raise InvalidInput(
            _("Recognition comes from someone else: you cannot praise your own decision."),
            code="own_decision",
        )


def kudos_give(
    *,
    member: Member,
    decision: Decision,
    company_value: str,
    points=0,
    message: str = "",
) -> Kudos:
    """Praise a peer's approved decision with a company value and points from this month's allowance."""
    _check_giver(member, decision)
    if decision.status != DecisionStatus.APPROVED:
        raise Conflict(_("Only approved decisions can receive kudos."), code="not_approved")
    message = _plain_text(message, field="message", limit=MESSAGE_MAX_LENGTH)
    points = _parse_count(points, field="points", maximum=MAX_MONTHLY_ALLOWANCE)
    value = CompanyValue.objects.filter(
        organization_id=member.organization_id, code=str(company_value or ""), active=True
    ).first()
    if value is None:
        raise InvalidInput(_("Choose one of the company values."), code="unknown_value", field="value")
    now = timezone.now()
    try:
        with transaction.atomic():
            kudos = Kudos.objects.create(
                organization_id=member.organization_id,
                decision=decision,
                giver=member,
                agent_id=decision.agent_id,
                company_value=value,
                points=points,
                message=message,
                created_at=now,
            )
            allowance = _allowance_spend(member=member, points=points, now=now)
            _audit(
                member.organization_id,
                member.pk,
                "kudos.given",
                kudos,
                {
                    "decision": str(decision.public_id),
                    "agent": decision.agent_id,
                    "value": value.code,
                    "points": points,
                    "remaining": allowance.remaining,
                },
            )
            outbox_emit(
                organization_id=member.organization_id,
                topic="kudos.given",
                payload=celebration_payload(
                    kind="kudos",
                    decision=decision,
                    by=member,
                    path=decision_path(decision),
                    company_value=value,
                    customer_words=customer_words_from(decision),
                ),
            )
    except IntegrityError:
        raise Conflict(_("You already gave kudos for this decision."), code="already_given") from None
    return kudos


def decision_celebrate(*, member: Member, decision: Decision) -> Celebration:
    """A lead or peer celebrates a protected decision: it enters the celebration feed."""
    _check_giver(member, decision)
    if not (decision.protected and decision.status == DecisionStatus.APPROVED):
        raise Conflict(_("Only protected, approved decisions can be celebrated."), code="not_protected")
    words = customer_words_from(decision)
    try:
        with transaction.atomic():
            celebration = Celebration.objects.create(
                organization_id=member.organization_id,
                decision=decision,
                by=member,
                agent_id=decision.agent_id,
                customer_words=words,
                created_at=timezone.now(),
            )
            _audit(
                member.organization_id,
                member.pk,
                "decision.celebrated",
                celebration,
                {"decision": str(decision.public_id), "agent": decision.agent_id},
            )
            outbox_emit(
                organization_id=member.organization_id,
                topic="decision.celebrated",
                payload=celebration_payload(
                    kind="celebrated",
                    decision=decision,
                    by=member,
                    path=decision_path(decision),
                    customer_words=words,
                ),
            )
    except IntegrityError:
        raise Conflict(_("This decision is already celebrated."), code="already_celebrated") from None
    return celebration
