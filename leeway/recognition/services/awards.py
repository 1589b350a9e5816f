"""Empowered decision of the week or month: a lead nominates, another manager confirms."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.core.errors import Conflict, Forbidden, InvalidInput
from leeway.core.outbox import outbox_emit
from leeway.decisions.models import Decision, DecisionStatus
from leeway.people.models import Member
from leeway.recognition.models import (
    MESSAGE_MAX_LENGTH,
    Award,
    AwardPeriod,
    AwardStatus,
)
from leeway.recognition.services.common import (
    CONFIRMING_ROLES,
    NOMINATING_ROLES,
    _audit,
    _plain_text,
    _require_role,
    celebration_payload,
    customer_words_from,
    decision_path,
    period_start,
)


def award_nominate(*, member: Member, decision: Decision, period: str, reason: str = "") -> Award:
    """A lead nominates a protected decision of their site as its empowered decision of the week or month."""
    _require_role(member, NOMINATING_ROLES)
    if decision.organization_id != member.organization_id:
        raise Forbidden()
    if period not in AwardPeriod.values:
        raise InvalidInput(_("Choose week or month."), code="invalid_period", field="period")
    if not (decision.protected and decision.status == DecisionStatus.APPROVED):
        raise Conflict(_("Only protected, approved decisions can be nominated."), code="not_protected")
    if decision.site_id is None or member.team is None or member.team.site_id != decision.site_id:
        raise Forbidden(_("Leads nominate decisions of their own site."), code="other_site")
    reason = _plain_text(reason, field="reason", limit=MESSAGE_MAX_LENGTH)
    site = decision.site
    try:
        with transaction.atomic():
            award = Award.objects.create(
                organization_id=member.organization_id,
                decision=decision,
                agent_id=decision.agent_id,
                site=site,
                period=period,
                period_start=period_start(period, decision.created_at, site.time_zone),
                reason=reason,
                nominated_by=member,
                nominated_at=timezone.now(),
            )
            _audit(
                member.organization_id,
                member.pk,
                "award.nominated",
                award,
                {
                    "decision": str(decision.public_id),
                    "site": site.pk,
                    "period": period,
                    "period_start": award.period_start.isoformat(),
                },
            )
    except IntegrityError:
        raise Conflict(
            _("This decision is already nominated for that period."), code="already_nominated"
        ) from None
    return award


def award_confirm(*, member: Member, award: Award) -> Award:
    """A manager (not the nominator) confirms a nomination: the award reaches the feed and the webhooks."""
    _require_role(member, CONFIRMING_ROLES)
    if award.organization_id != member.organization_id:
        raise Forbidden()
    if award.nominated_by_id == member.pk:
        raise Forbidden(_("Someone other than the nominator confirms an award."), code="own_nomination")
    try:
        with transaction.atomic():
            award = Award.objects.select_for_update().select_related("decision", "site").get(pk=award.pk)
            if award.status != AwardStatus.NOMINATED:
                raise Conflict(_("This award is already confirmed."), code="already_confirmed")
            award.status = AwardStatus.CONFIRMED
            award.confirmed_by = member
            award.confirmed_at = timezone.now()
            with transaction.atomic():  # a savepoint: the unique award per site and period may refuse it
                award.save(update_fields=["status", "confirmed_by", "confirmed_at"])
            decision = Decision.objects.select_related("agent", "customer", "gesture", "organization").get(
                pk=award.decision_id
            )
            _audit(
                member.organization_id,
                member.pk,
                "award.confirmed",
                award,
                {
                    "decision": str(decision.public_id),
                    "site": award.site_id,
                    "period": award.period,
                    "period_start": award.period_start.isoformat(),
                    "nominated_by": award.nominated_by_id,
                },
            )
            outbox_emit(
                organization_id=member.organization_id,
                topic="award.confirmed",
                payload=celebration_payload(
                    kind="award",
                    decision=decision,
                    by=member,
                    path=decision_path(decision),
                    award_period=award.period,
                    customer_words=customer_words_from(decision),
                ),
            )
    except IntegrityError:
        raise Conflict(
            _("This site already has a confirmed award for that period."), code="period_taken"
        ) from None
    return award
