"""Policy snapshots: the frozen rules a decision is judged by.

A snapshot is built from the draft rows when an admin publishes and stored as
JSON in `PolicyVersion.snapshot`. Judging reads it through `current_policy()`,
which keeps parsed snapshots in memory per version (versions never change), so
the hot path costs one cached lookup, not a dozen queries.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from leeway.core import caches
from leeway.core.nearcache import near_delete, near_get, near_set
from leeway.people.models import AuthorityTier, Organization
from leeway.policy.budgets import is_hard_cap


@dataclass(frozen=True)
class GestureRule:
    """One tier's authority for one gesture."""

    green_limit: Decimal
    stretch_limit: Decimal
    customer_cap_count: int | None
    customer_cap_amount: Decimal | None
    customer_cap_window_days: int


@dataclass(frozen=True)
class GestureEntry:
    id: int
    code: str
    category: str
    default_amount: Decimal
    zero_cost: bool
    shortcut: str
    names: dict[str, str]
    descriptions: dict[str, str]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or next(iter(self.names.values()), self.code)

    def description(self, language: str) -> str:
        return self.descriptions.get(language) or self.descriptions.get("en") or ""


@dataclass(frozen=True)
class BudgetEntry:
    id: int
    scope: str
    period: str
    cap: Decimal

    @property
    def is_hard_cap(self) -> bool:
        return is_hard_cap(self.scope)


@dataclass(frozen=True)
class PolicySnapshot:
    """Everything needed to judge a decision, frozen at publication."""

    version_id: int
    number: int
    organization_id: int
    base_currency: str
    time_zone: str
    gestures: dict[str, GestureEntry]
    rules: dict[tuple[int, str], GestureRule]
    tiers: dict[int, str]
    budgets: tuple[BudgetEntry, ...]
    red_response_minutes: int
    auto_approve_ceiling: Decimal
    panel_allowed_origins: tuple[str, ...] = field(default=())

    def rule_for(self, tier_id: int | None, gesture_code: str) -> GestureRule | None:
        if tier_id is None:
            return None
        return self.rules.get((tier_id, gesture_code))


def build_snapshot_data(organization: Organization) -> dict:
    """Freeze the draft rows of an organization into plain JSON."""
    from leeway.policy.models import AuthorityRule, Budget, Gesture, PolicySettings

    settings_row, _ = PolicySettings.objects.get_or_create(organization=organization)
    gestures = []
    for gesture in Gesture.objects.filter(organization=organization, active=True).prefetch_related(
        "translations"
    ):
        gestures.append(
            {
                "id": gesture.pk,
                "code": gesture.code,
                "category": gesture.category,
                "default_amount": str(gesture.default_amount),
                "zero_cost": gesture.zero_cost,
                "shortcut": gesture.shortcut,
                "position": gesture.position,
                "names": {t.language_code: t.name for t in gesture.translations.all()},
                "descriptions": {t.language_code: t.description for t in gesture.translations.all()},
            }
        )
    gestures.sort(key=lambda g: (g["position"], g["code"]))
    rules = [
        {
            "tier": rule.tier_id,
            "gesture": rule.gesture.code,
            "green_limit": str(rule.green_limit),
            "stretch_limit": str(rule.stretch_limit),
            "customer_cap_count": rule.customer_cap_count,
            "customer_cap_amount": None
            if rule.customer_cap_amount is None
            else str(rule.customer_cap_amount),
            "customer_cap_window_days": rule.customer_cap_window_days,
        }
        for rule in AuthorityRule.objects.filter(
            organization=organization, gesture__active=True
        ).select_related("gesture")
    ]
    rules.sort(key=lambda r: (r["tier"], r["gesture"]))
    return {
        "base_currency": organization.base_currency,
        "time_zone": organization.time_zone,
        "tiers": [
            {
                "id": tier.pk,
                "code": tier.code,
                "name": tier.safe_translation_getter(
                    "name", language_code=organization.default_language, any_language=True
                ),
                "names": {t.language_code: t.name for t in tier.translations.all()},
                "rank": tier.rank,
            }
            for tier in AuthorityTier.objects.filter(organization=organization)
            .prefetch_related("translations")
            .order_by("rank")
        ],
        "gestures": gestures,
        "rules": rules,
        "budgets": [
            {"id": budget.pk, "scope": budget.scope, "period": budget.period, "cap": str(budget.cap)}
            for budget in Budget.objects.filter(organization=organization, retired_at__isnull=True).order_by(
                "scope", "period"
            )
        ],
        "settings": {
            "red_response_minutes": settings_row.red_response_minutes,
            "auto_approve_ceiling": str(settings_row.auto_approve_ceiling),
            "panel_allowed_origins": [
                line.strip() for line in settings_row.panel_allowed_origins.splitlines() if line.strip()
            ],
        },
    }


def parse_snapshot(*, version_id: int, number: int, organization_id: int, data: dict) -> PolicySnapshot:
    """Turn stored JSON back into typed, immutable objects."""
    settings_data = data["settings"]
    return PolicySnapshot(
        version_id=version_id,
        number=number,
        organization_id=organization_id,
        base_currency=data["base_currency"],
        time_zone=data["time_zone"],
        gestures={
            g["code"]: GestureEntry(
                id=g["id"],
                code=g["code"],
                category=g["category"],
                default_amount=Decimal(g["default_amount"]),
                zero_cost=g["zero_cost"],
                shortcut=g.get("shortcut", ""),
                names=g["names"],
                descriptions=g.get("descriptions", {}),
            )
            for g in data["gestures"]
        },
        rules={
            (r["tier"], r["gesture"]): GestureRule(
                green_limit=Decimal(r["green_limit"]),
                stretch_limit=Decimal(r["stretch_limit"]),
                customer_cap_count=r["customer_cap_count"],
                customer_cap_amount=None
                if r["customer_cap_amount"] is None
                else Decimal(r["customer_cap_amount"]),
                customer_cap_window_days=r["customer_cap_window_days"],
            )
            for r in data["rules"]
        },
        tiers={t["id"]: t["code"] for t in data["tiers"]},
        budgets=tuple(
            BudgetEntry(id=b["id"], scope=b["scope"], period=b["period"], cap=Decimal(b["cap"]))
            for b in data["budgets"]
        ),
        red_response_minutes=settings_data["red_response_minutes"],
        auto_approve_ceiling=Decimal(settings_data["auto_approve_ceiling"]),
        panel_allowed_origins=tuple(settings_data.get("panel_allowed_origins", [])),
    )


# Parsed snapshots by version id. Versions are immutable, so this never goes stale.
_PARSED: dict[int, PolicySnapshot] = {}
caches.register("policy.snapshot.parsed", _PARSED.clear)
CURRENT_KEY = "policy:current:{organization_id}"
CURRENT_TTL_SECONDS = 30


def snapshot_for_version(version) -> PolicySnapshot:
    """The parsed snapshot of one version (memoised: a version never changes)."""
    parsed = _PARSED.get(version.pk)
    if parsed is None:
        parsed = parse_snapshot(
            version_id=version.pk,
            number=version.number,
            organization_id=version.organization_id,
            data=version.snapshot,
        )
        _PARSED[version.pk] = parsed
    return parsed


def current_policy(organization_id: int) -> PolicySnapshot | None:
    """The organization's latest published policy, or None if it never published one."""
    from leeway.policy.models import PolicyVersion

    key = CURRENT_KEY.format(organization_id=organization_id)
    version_id = near_get(key)
    if version_id is not None and version_id in _PARSED:
        return _PARSED[version_id]
    version = PolicyVersion.objects.filter(organization_id=organization_id).order_by("-number").first()
    if version is None:
        return None
    # Publishing deletes the key; the TTL bounds staleness across processes using a local cache.
    near_set(key, version.pk, CURRENT_TTL_SECONDS)
    return snapshot_for_version(version)


def forget_current_policy(organization_id: int) -> None:
    """Call after publishing so the next decision sees the new version."""
    near_delete(CURRENT_KEY.format(organization_id=organization_id))
