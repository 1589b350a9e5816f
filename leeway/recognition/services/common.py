"""What recognition's writes share: roles, periods, names, the celebration payload, checks of input."""

import re
import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from leeway.core.audit import audit_record
from leeway.core.errors import Forbidden, InvalidInput
from leeway.customers.models import Outcome, OutcomeKind
from leeway.decisions.models import Decision
from leeway.people.models import Member, Organization, Role
from leeway.recognition.models import (
    WORDS_MAX_LENGTH,
    AwardPeriod,
    CompanyValue,
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
