"""Reads of the policy: budget periods and statuses, the caller's gestures, currency conversion.

`period_start` and `convert_to_base` sit on the decision engine's hot path:
no history is summed and exchange rates come from the cache.
"""

from datetime import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leeway.core.errors import InvalidInput
from leeway.core.money import quantize
from leeway.core.nearcache import near_delete, near_get, near_set
from leeway.people.models import Member, Organization
from leeway.policy.budgets import (
    BudgetPeriod,
    BudgetScope,
    BudgetSubjects,
    budget_order,
    is_hard_cap,
    period_start,
)
from leeway.policy.models import BudgetCounter, ExchangeRate, GestureCategory
from leeway.policy.snapshot import PolicySnapshot, current_policy

ZERO = Decimal("0.00")
RATES_KEY = "policy:rates:{organization_id}"
# Rate changes delete the key at once; the TTL only bounds a base-currency change made elsewhere.
RATES_TTL_SECONDS = 600


TEAM_PLACEMENT_KEY = "policy:team-placement:{team_id}"


def team_placement(team_id: int) -> tuple[int | None, int | None]:
    """(site id, department id) of a team, read on every decision; cached because teams rarely move."""
    key = TEAM_PLACEMENT_KEY.format(team_id=team_id)
    placement = near_get(key)
    if placement is None:
        from leeway.people.models import Team

        found = Team.objects.filter(pk=team_id).values_list("site_id", "department_id").first()
        placement = tuple(found) if found else (None, None)
        near_set(key, placement, 300)
    return placement[0], placement[1]


def forget_team_placement(sender=None, instance=None, **kwargs) -> None:
    """Signal receiver: a team moved to another site or department (or went away).

    The process that saved the team sees the change at once, others within a second with a shared
    cache (`REDIS_URL`), else within the 300 s the value is cached for.
    """
    if instance is not None and instance.pk is not None:
        near_delete(TEAM_PLACEMENT_KEY.format(team_id=instance.pk))


def budget_subjects_for(member: Member) -> BudgetSubjects:
    """Whose counters this member's decisions charge: them, their team's site and department, the org."""
    site_id, department_id = (
        team_placement(member.team_id) if member.team_id else (None, member.department_id)
    )
    return BudgetSubjects(
        organization=member.organization_id,
        agent=member.pk,
        site=site_id,
        team=member.team_id,
        department=department_id,
    )


def _budget_order(budget) -> tuple[int, int]:
    return budget_order(budget.scope, budget.period)


def budget_statuses_for(member: Member, *, now: datetime | None = None) -> list[dict]:
    """The member's budgets in the current period: cap, spent and remaining, as decimal strings."""
    if not member.organization_id:
        return []
    snapshot = current_policy(member.organization_id)
    if snapshot is None:
        return []
    applicable = []
    subjects = budget_subjects_for(member)
    for budget in sorted(snapshot.budgets, key=_budget_order):
        subject_id = subjects.of(budget.scope)
        if subject_id is None:
            continue
        start = period_start(budget.period, time_zone=snapshot.time_zone, now=now)
        applicable.append((budget, subject_id, start))
    if not applicable:
        return []
    match = Q()
    for budget, subject_id, start in applicable:
        match |= Q(budget_id=budget.id, subject_id=subject_id, period_start=start)
    spent = {
        (row["budget_id"], row["subject_id"], row["period_start"]): row["spent"]
        for row in BudgetCounter.objects.filter(match, organization_id=member.organization_id).values(
            "budget_id", "subject_id", "period_start", "spent"
        )
    }
    statuses = []
    for budget, subject_id, start in applicable:
        used = spent.get((budget.id, subject_id, start), ZERO)
        statuses.append(
            {
                "scope": budget.scope,
                "period": budget.period,
                "cap": str(quantize(budget.cap)),
                "spent": str(quantize(used)),
                "remaining": str(quantize(max(budget.cap - used, ZERO))),
                "currency": snapshot.base_currency,
            }
        )
    return statuses


def gestures_for(member: Member, language: str, *, snapshot: PolicySnapshot | None = None) -> list[dict]:
    """The published gestures with the caller's tier's limits (null limits: no authority, a lead decides)."""
    if not member.organization_id:
        return []
    snapshot = snapshot or current_policy(member.organization_id)
    if snapshot is None:
        return []
    rows = []
    for gesture in snapshot.gestures.values():
        rule = snapshot.rule_for(member.tier_id, gesture.code)
        rows.append(
            {
                "code": gesture.code,
                "name": gesture.name(language),
                "description": gesture.description(language),
                "category": gesture.category,
                "zero_cost": gesture.zero_cost,
                "shortcut": gesture.shortcut,
                "default_amount": str(quantize(gesture.default_amount)),
                "green_limit": None if rule is None else str(quantize(rule.green_limit)),
                "stretch_limit": None if rule is None else str(quantize(rule.stretch_limit)),
                "currency": snapshot.base_currency,
            }
        )
    return rows


# --- Currencies ---------------------------------------------------------------------------------


def forget_rates(organization_id: int) -> None:
    """Drop the cached rates; the services call it when a rate changes."""
    near_delete(RATES_KEY.format(organization_id=organization_id))


def exchange_rates(organization_id: int) -> tuple[str, dict[str, Decimal]]:
    """(base currency, {currency: rate}) for an organization, from the cache when possible."""
    key = RATES_KEY.format(organization_id=organization_id)
    cached = near_get(key)
    if cached is None:
        base = Organization.objects.filter(pk=organization_id).values_list("base_currency", flat=True).first()
        rates = dict(
            ExchangeRate.objects.filter(organization_id=organization_id).values_list("currency", "rate")
        )
        cached = (base, rates)
        near_set(key, cached, RATES_TTL_SECONDS)
    return cached


def convert_to_base(*, organization_id: int, currency: str, amount: Decimal) -> Decimal:
    """The amount in the organization's base currency, rounded half-even to cents.

    An unknown currency, or one without a rate, is refused (422 `unknown_currency`).
    """
    base, rates = exchange_rates(organization_id)
    code = currency.strip().upper() if isinstance(currency, str) else ""
    if code and code == base:
        return quantize(amount)
    rate = rates.get(code)
    if rate is None:
        raise InvalidInput(
            _("%(currency)s is not a currency this organization accepts. Ask an admin to add its rate.")
            % {"currency": code[:10] or "?"},
            code="unknown_currency",
            field="currency",
        )
    return quantize(amount * rate)


def rates_for(organization: Organization):
    """The organization's exchange rates, for the admin page and the API."""
    return (
        ExchangeRate.objects.filter(organization=organization)
        .select_related("updated_by")
        .order_by("currency")
    )


def version_contents(data: dict, language: str) -> dict:
    """A published snapshot laid out for reading: gestures, rules per tier, budgets, settings."""
    categories = dict(GestureCategory.choices)
    scopes, periods = dict(BudgetScope.choices), dict(BudgetPeriod.choices)

    def name(gesture: dict) -> str:
        names = gesture.get("names", {})
        return names.get(language) or names.get("en") or next(iter(names.values()), gesture["code"])

    gestures = [
        {
            "code": gesture["code"],
            "name": name(gesture),
            "description": gesture.get("descriptions", {}).get(language)
            or gesture.get("descriptions", {}).get("en", ""),
            "category": categories.get(gesture["category"], gesture["category"]),
            "default_amount": gesture["default_amount"],
            "zero_cost": gesture["zero_cost"],
            "shortcut": gesture.get("shortcut", ""),
        }
        for gesture in data["gestures"]
    ]
    names = {gesture["code"]: gesture["name"] for gesture in gestures}
    tiers = []
    for tier in sorted(data["tiers"], key=lambda t: t["rank"]):
        rows = [
            {**rule, "gesture_name": names.get(rule["gesture"], rule["gesture"])}
            for rule in data["rules"]
            if rule["tier"] == tier["id"]
        ]
        order = {gesture["code"]: index for index, gesture in enumerate(gestures)}
        rows.sort(key=lambda row: order.get(row["gesture"], len(order)))
        # Snapshots before tiers were translated hold only the name in the organization's language.
        tier_name = tier.get("names", {}).get(language) or tier["name"]
        tiers.append({**tier, "name": tier_name, "rules": rows})
    budgets = [
        {
            "scope": scopes.get(budget["scope"], budget["scope"]),
            "period": periods.get(budget["period"], budget["period"]),
            "cap": budget["cap"],
            "hard": is_hard_cap(budget["scope"]),
        }
        for budget in sorted(
            data["budgets"],
            key=lambda b: budget_order(b["scope"], b["period"]),
        )
    ]
    return {
        "base_currency": data["base_currency"],
        "time_zone": data["time_zone"],
        "gestures": gestures,
        "tiers": tiers,
        "budgets": budgets,
        "settings": data["settings"],
    }
