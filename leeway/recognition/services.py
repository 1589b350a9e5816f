"""Writes of recognition: company values, settings, kudos, celebrations, awards.

Each is one transaction with an audit entry and, where the outside world cares, an outbox event
(`kudos.given`, `decision.celebrated`, `award.confirmed`) whose payload carries `celebration` as
shared-interfaces.md describes: never customer personal data beyond a first name.
"""

import re
import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from leeway.core.audit import audit_record
from leeway.core.errors import Conflict, Forbidden, InvalidInput
from leeway.core.outbox import outbox_emit
from leeway.customers.models import Outcome, OutcomeKind
from leeway.decisions.models import Decision, DecisionStatus
from leeway.people.models import Member, Organization, Role
from leeway.people.services.members import check_actor
from leeway.recognition.models import (
    MAX_MONTHLY_ALLOWANCE,
    MESSAGE_MAX_LENGTH,
    VALUE_DESCRIPTION_MAX,
    VALUE_NAME_MAX,
    WORDS_MAX_LENGTH,
    Allowance,
    Award,
    AwardPeriod,
    AwardStatus,
    Celebration,
    CompanyValue,
    Kudos,
    RecognitionSettings,
)

GIVING_ROLES = (Role.AGENT, Role.LEAD)  # peers and leads give kudos and celebrate
NOMINATING_ROLES = (Role.LEAD,)
CONFIRMING_ROLES = (Role.MANAGER, Role.ADMIN)
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# Words the customer said, quoted in the decision's note: "…", “…” or «…».
QUOTE_RE = re.compile(r"\"([^\"]{3,})\"|“([^”]{3,})”|«([^»]{3,})»")
EMAIL_RE = re.compile(r"\S+@\S+")
DIGITS_RE = re.compile(r"\d[\d\s().-]{4,}\d")  # phone, account or card numbers
KEPT_KINDS = (OutcomeKind.RETAINED, OutcomeKind.RENEWED)
# An outcome a CRM records without naming the decision still counts when it follows the gesture closely.
KEPT_WINDOW = timedelta(days=90)


# --- Small shared pieces ------------------------------------------------------------------------


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def month_start(organization: Organization, moment: datetime | None = None) -> date:
    """The first day of the month `moment` falls in, in the organization's time."""
    local = timezone.localtime(moment or timezone.now(), _zone(organization.time_zone))
    return local.date().replace(day=1)


def period_start(period: str, moment: datetime, time_zone: str) -> date:
    """The Monday of the week, or the first of the month, that `moment` falls in at that place."""
    local = timezone.localtime(moment, _zone(time_zone)).date()
    if period == AwardPeriod.WEEK:
        return local - timedelta(days=local.weekday())
    return local.replace(day=1)


def first_name(member: Member | None) -> str:
    """How recognition names a person: the first name (the username when there is none)."""
    if member is None:
        return ""
    return (member.first_name or member.username).strip()


def customer_first_name(customer) -> str:
    """The customer's first name only: recognition never shows more of a customer."""
    return (customer.name or "").strip().split(" ")[0] if customer is not None else ""


def customer_words_from(decision: Decision) -> str:
    """What the customer said, when the decision's note quotes them; scrubbed of contact details.

    Only quoted words are taken (the rest of a note is the agent's own account); e-mail addresses,
    long digit runs and the customer's other names are removed, so no personal data beyond the first
    name reaches the feed, the digest or a webhook.
    """
    match = QUOTE_RE.search(decision.note or "")
    if not match:
        return ""
    words = next(group for group in match.groups() if group)
    words = EMAIL_RE.sub("…", words)
    words = DIGITS_RE.sub("…", words)
    for part in (decision.customer.name or "").split()[1:]:
        if len(part) > 1:
            words = re.sub(rf"\b{re.escape(part)}\b", "…", words, flags=re.IGNORECASE)
    words = " ".join(words.split())
    return words[:WORDS_MAX_LENGTH]


def value_kept(decision: Decision) -> Decimal | None:
    """The customer's predicted value when an outcome says they stayed after the gesture, else None.

    The outcome is linked to the decision, or (unlinked, as imports often are) is the same customer's
    retention or renewal within 90 days after it.
    """
    if decision.customer.predicted_clv is None:
        return None
    after = Q(
        decision__isnull=True,
        occurred_at__gte=decision.created_at,
        occurred_at__lte=decision.created_at + KEPT_WINDOW,
    )
    kept = Outcome.objects.filter(customer_id=decision.customer_id, kind__in=KEPT_KINDS).filter(
        Q(decision=decision) | after
    )
    return decision.customer.predicted_clv if kept.exists() else None


def gesture_name(gesture, language: str) -> str:
    return gesture.safe_translation_getter("name", language_code=language, any_language=True) or gesture.code


def value_name(company_value: CompanyValue | None, language: str) -> str | None:
    if company_value is None:
        return None
    return (
        company_value.safe_translation_getter("name", language_code=language, any_language=True)
        or company_value.code
    )


def celebration_payload(
    *,
    kind: str,
    decision: Decision,
    by: Member,
    path: str,
    company_value: CompanyValue | None = None,
    award_period: str | None = None,
    customer_words: str | None = None,
) -> dict:
    """The outbox payload shared-interfaces.md fixes, in the organization's language."""
    organization = decision.organization
    language = organization.default_language
    kept = value_kept(decision)
    with translation.override(language):
        return {
            "decision": str(decision.public_id),
            "celebration": {
                "kind": kind,
                "agent": first_name(decision.agent),
                "by": first_name(by),
                "gesture": gesture_name(decision.gesture, language),
                "amount": f"{decision.amount:.2f}",
                "currency": decision.currency,
                "value_kept": f"{kept:.2f}" if kept is not None else None,
                "company_value": value_name(company_value, language),
                "award_period": award_period,
                "customer_words": customer_words or None,
                "customer_first_name": customer_first_name(decision.customer) or None,
                "path": path,
            },
        }


def decision_path(decision: Decision) -> str:
    return f"/recognition/decisions/{decision.public_id}/"


def _audit(organization_id: int, actor_id, action: str, obj, data: dict) -> None:
    audit_record(
        organization_id=organization_id,
        actor_id=actor_id,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        data=data,
    )


def _require_role(member: Member, roles) -> None:
    if member is None or not member.organization_id or member.role not in roles:
        raise Forbidden()


def _plain_text(value, *, field: str, limit: int, required: bool = False) -> str:
    """One line of plain text within `limit` characters; markup in a name is refused, not stored."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("Enter text."), code="invalid", field=field)
    text = " ".join(value.split())
    if required and not text:
        raise InvalidInput(_("This field is required."), code="required", field=field)
    if len(text) > limit:
        raise InvalidInput(
            _("Keep it under %(limit)s characters.") % {"limit": limit}, code="too_long", field=field
        )
    return text


def _no_markup(text: str, *, field: str) -> str:
    if "<" in text or ">" in text:
        raise InvalidInput(_("Use plain text, without < or >."), code="no_markup", field=field)
    return text


# --- Company values -----------------------------------------------------------------------------


def _value_names(organization: Organization, names: dict | None, *, field: str, limit: int) -> dict:
    cleaned = {}
    for language, text in (names or {}).items():
        if language not in _languages():
            raise InvalidInput(_("Unknown language."), code="unknown_language", field=f"{field}_{language}")
        cleaned[language] = _no_markup(
            _plain_text(text, field=f"{field}_{language}", limit=limit), field=f"{field}_{language}"
        )
    return cleaned


def _save_value_texts(company_value: CompanyValue, names: dict, descriptions: dict) -> dict:
    changes = {}
    for language in _languages():
        if language not in names and language not in descriptions:
            continue
        has = company_value.has_translation(language)
        old_name = company_value.safe_translation_getter("name", language_code=language) if has else ""
        old_description = (
            company_value.safe_translation_getter("description", language_code=language) if has else ""
        )
        name = names.get(language, old_name or "")
        description = descriptions.get(language, old_description or "")
        if not name:
            if has:
                company_value.delete_translation(language)
                changes[f"name_{language}"] = [old_name, ""]
            continue
        if name != old_name or description != old_description:
            company_value.set_current_language(language)
            company_value.name = name
            company_value.description = description
            company_value.save_translations()
            changes[f"name_{language}"] = [old_name or "", name]
    company_value.set_current_language(translation.get_language() or settings.LANGUAGE_CODE)
    return changes


def company_value_create(
    *,
    organization: Organization,
    actor: Member | None,
    code: str,
    names: dict[str, str],
    descriptions: dict[str, str] | None = None,
    active: bool = True,
) -> CompanyValue:
    """Add a company value, named in the organization's language (others optional)."""
    actor_id = check_actor(actor, organization)
    if actor is not None:
        _require_role(actor, (Role.ADMIN,))
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise InvalidInput(
            _("Use lower-case letters, digits, - and _ (up to 40)."), code="invalid_code", field="code"
        )
    names = _value_names(organization, names, field="name", limit=VALUE_NAME_MAX)
    descriptions = _value_names(organization, descriptions, field="description", limit=VALUE_DESCRIPTION_MAX)
    default = organization.default_language
    if not names.get(default):
        raise InvalidInput(_("This field is required."), code="required", field=f"name_{default}")
    with transaction.atomic():
        if CompanyValue.objects.filter(organization=organization, code=code).exists():
            raise Conflict(
                _("A company value with this code already exists."), code="duplicate", field="code"
            )
        position = CompanyValue.objects.filter(organization=organization).count()
        company_value = CompanyValue(
            organization=organization, code=code, active=bool(active), position=position
        )
        company_value.set_current_language(default)
        company_value.name = names[default]
        company_value.description = descriptions.get(default, "")
        company_value.save()
        _save_value_texts(
            company_value,
            {k: v for k, v in names.items() if k != default},
            {k: v for k, v in descriptions.items() if k != default},
        )
        _audit(
            organization.pk,
            actor_id,
            "company_value.created",
            company_value,
            {"code": code, "names": names, "active": bool(active)},
        )
    return company_value


def company_value_update(
    *,
    company_value: CompanyValue,
    actor: Member | None,
    names: dict[str, str] | None = None,
    descriptions: dict[str, str] | None = None,
    active: bool | None = None,
) -> CompanyValue:
    """Rename a value in any language or switch it on or off; its code stays (kudos refer to it)."""
    organization = company_value.organization
    actor_id = check_actor(actor, organization)
    if actor is not None:
        _require_role(actor, (Role.ADMIN,))
    names = _value_names(organization, names, field="name", limit=VALUE_NAME_MAX)
    descriptions = _value_names(organization, descriptions, field="description", limit=VALUE_DESCRIPTION_MAX)
    if organization.default_language in names and not names[organization.default_language]:
        raise InvalidInput(
            _("This field is required."), code="required", field=f"name_{organization.default_language}"
        )
    with transaction.atomic():
        company_value = CompanyValue.objects.select_for_update().get(pk=company_value.pk)
        changes = {}
        if active is not None and bool(active) != company_value.active:
            changes["active"] = [company_value.active, bool(active)]
            company_value.active = bool(active)
            company_value.save(update_fields=["active"])
        changes.update(_save_value_texts(company_value, names, descriptions))
        if changes:
            _audit(
                organization.pk,
                actor_id,
                "company_value.updated",
                company_value,
                {"code": company_value.code, **changes},
            )
    return company_value


def recognition_settings_for(organization: Organization) -> RecognitionSettings:
    found = RecognitionSettings.objects.filter(organization=organization).first()
    if found is None:
        RecognitionSettings.objects.bulk_create(
            [RecognitionSettings(organization=organization)], ignore_conflicts=True
        )
        found = RecognitionSettings.objects.get(organization=organization)
    return found


def _parse_count(value, *, field: str, maximum: int) -> int:
    """A whole number from 0 to `maximum` (a JSON number or plain ASCII digits)."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise InvalidInput(_("Enter a whole number."), code="invalid", field=field)
    if value < 0 or value > maximum:
        raise InvalidInput(
            _("Enter a whole number from 0 to %(maximum)s.") % {"maximum": maximum},
            code="out_of_range",
            field=field,
        )
    return value


def recognition_settings_update(
    *, organization: Organization, actor: Member | None, monthly_allowance
) -> RecognitionSettings:
    """Set the points each member may give per month (from the next month's first kudos on)."""
    actor_id = check_actor(actor, organization)
    if actor is not None:
        _require_role(actor, (Role.ADMIN,))
    allowance = _parse_count(monthly_allowance, field="monthly_allowance", maximum=MAX_MONTHLY_ALLOWANCE)
    with transaction.atomic():
        found = recognition_settings_for(organization)
        found = RecognitionSettings.objects.select_for_update().get(pk=found.pk)
        if found.monthly_allowance != allowance:
            old = found.monthly_allowance
            found.monthly_allowance = allowance
            found.save(update_fields=["monthly_allowance"])
            _audit(
                organization.pk,
                actor_id,
                "recognition_settings.updated",
                found,
                {"monthly_allowance": [old, allowance]},
            )
    return found


# --- Allowances and kudos -----------------------------------------------------------------------


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


# --- Celebrations -------------------------------------------------------------------------------


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


# --- Awards -------------------------------------------------------------------------------------


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
