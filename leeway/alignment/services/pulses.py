"""The anonymous fear pulse: scheduled per team, answered without a trace of who answered what."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.alignment.models import (
    SCORES,
    TITLE_MAX_LENGTH,
    Pulse,
    PulseComment,
    PulseQuestion,
    PulseRespondent,
    PulseTally,
    PulseTeam,
)
from leeway.alignment.services.common import _same_organization, clean_text
from leeway.core.audit import audit_record
from leeway.core.errors import Conflict, Forbidden, InvalidInput
from leeway.core.outbox import outbox_emit
from leeway.people.models import Member, Role, Team


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
