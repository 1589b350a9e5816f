"""The one registry of budget scopes, periods and cap kinds: everything else asks here.

A scope says whose counter a budget uses (the agent's own, their site's, team's, department's, or the
organization's), where it sorts, whether it is the agent's authority (a lead's approval may pass it)
or a hard cap (nothing ever passes it), and how it is named on the policy pages and in the reasons
an agent or a lead reads. Adding a scope is one entry here, its choice in `BudgetScope`, and the
subject it reads from `BudgetSubjects` (NetBox keeps its choices the same way: one class per set,
labels beside the values).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BudgetScope(models.TextChoices):
    """Whose envelope a budget is (API.md's `scope` values)."""

    AGENT = "agent", _("Agent")
    SITE = "site", _("Site")
    TEAM = "team", _("Team")
    DEPARTMENT = "department", _("Department")
    ORGANIZATION = "organization", _("Organization")


class BudgetPeriod(models.TextChoices):
    """How often a budget starts again, at the organization's local midnight."""

    DAY = "day", _("Day")
    MONTH = "month", _("Month")


class CapKind(models.TextChoices):
    """What a budget's cap means when a lead approves a request past it."""

    AUTHORITY = "authority", _("authority")
    HARD = "hard", _("hard cap")


@dataclass(frozen=True)
class BudgetSubjects:
    """Whose counters a decision is charged to: the agent and where they worked when they decided.

    A decision stores these (agent, site, team, department, organization), so approving it later
    charges the same counters even if the agent has moved since.
    """

    organization: int
    agent: int
    site: int | None = None
    team: int | None = None
    department: int | None = None

    def of(self, scope: str) -> int | None:
        """The subject of a budget of `scope` (None: the scope does not apply, e.g. no team)."""
        return getattr(self, SCOPES[scope].subject)


@dataclass(frozen=True)
class ScopeKind:
    """Everything that differs between budget scopes."""

    scope: BudgetScope
    subject: str  # the BudgetSubjects attribute holding its subject's id
    cap_kind: CapKind
    # Per period: the policy pages' name, the agent's reason label, and (where it differs) the
    # label for anyone else reading an agent's reasons, such as the lead answering the request.
    names: dict[str, Promise]
    labels: dict[str, Promise]
    reviewer_labels: dict[str, Promise] | None = None

    @property
    def is_hard_cap(self) -> bool:
        return self.cap_kind == CapKind.HARD


# In the order reasons, pages and the API list them: the agent's own first, the company's last.
SCOPES: dict[str, ScopeKind] = {
    kind.scope.value: kind
    for kind in (
        ScopeKind(
            scope=BudgetScope.AGENT,
            subject="agent",
            cap_kind=CapKind.AUTHORITY,
            names={"day": _("Agent budget per day"), "month": _("Agent budget per month")},
            labels={"day": _("Your budget today"), "month": _("Your budget this month")},
            reviewer_labels={
                "day": _("The agent's budget today"),
                "month": _("The agent's budget this month"),
            },
        ),
        ScopeKind(
            scope=BudgetScope.SITE,
            subject="site",
            cap_kind=CapKind.HARD,
            names={"day": _("Site budget per day"), "month": _("Site budget per month")},
            labels={"day": _("Site budget today"), "month": _("Site budget this month")},
        ),
        ScopeKind(
            scope=BudgetScope.TEAM,
            subject="team",
            cap_kind=CapKind.HARD,
            names={"day": _("Team budget per day"), "month": _("Team budget per month")},
            labels={"day": _("Team budget today"), "month": _("Team budget this month")},
        ),
        ScopeKind(
            scope=BudgetScope.DEPARTMENT,
            subject="department",
            cap_kind=CapKind.HARD,
            names={"day": _("Department budget per day"), "month": _("Department budget per month")},
            labels={"day": _("Department budget today"), "month": _("Department budget this month")},
        ),
        ScopeKind(
            scope=BudgetScope.ORGANIZATION,
            subject="organization",
            cap_kind=CapKind.HARD,
            names={"day": _("Organization budget per day"), "month": _("Organization budget per month")},
            labels={"day": _("Company budget today"), "month": _("Company budget this month")},
        ),
    )
}
PERIODS = (BudgetPeriod.DAY.value, BudgetPeriod.MONTH.value)

_UNKNOWN_ORDER = len(SCOPES)
_SCOPE_ORDER = {code: index for index, code in enumerate(SCOPES)}
_PERIOD_ORDER = {code: index for index, code in enumerate(PERIODS)}

AGENT_VOICE = "agent"
REVIEWER_VOICE = "reviewer"
VOICES = (AGENT_VOICE, REVIEWER_VOICE)


def budget_order(scope: str, period: str) -> tuple[int, int]:
    """Sort key: agent → site → team → department → organization, days before months."""
    return _SCOPE_ORDER.get(scope, _UNKNOWN_ORDER), _PERIOD_ORDER.get(period, len(PERIODS))


def is_hard_cap(scope: str) -> bool:
    """Whether no approval may pass a budget of this scope (every scope but the agent's own)."""
    kind = SCOPES.get(scope)
    return kind is None or kind.is_hard_cap


def cap_kind(scope: str) -> CapKind:
    return CapKind.HARD if is_hard_cap(scope) else CapKind.AUTHORITY


def budget_name(scope: str, period: str) -> str:
    """The policy pages' name for a budget, e.g. "Site budget per day"."""
    kind = SCOPES.get(scope)
    name = kind.names.get(period) if kind else None
    return str(name) if name is not None else f"{scope} / {period}"


def budget_label(scope: str, period: str, *, voice: str = AGENT_VOICE) -> str:
    """How a reason names a budget, e.g. "Your budget today" (agent) or "The agent's budget today"."""
    kind = SCOPES.get(scope)
    if kind is None:
        return str(pgettext_lazy("budget", "Budget"))
    labels = kind.reviewer_labels if voice == REVIEWER_VOICE and kind.reviewer_labels else kind.labels
    label = labels.get(period)
    return str(label) if label is not None else str(pgettext_lazy("budget", "Budget"))


def fits(*, spent: Decimal, amount: Decimal, cap: Decimal) -> bool:
    """Whether charging `amount` keeps a counter within its cap; equal to the cap is inside it.

    The one place this is decided: judging and every store's charge ask here (or read FITS_SQL).
    """
    return spent + amount <= cap


# `fits` in SQL, for a charge the database refuses itself (the PostgreSQL store's guarded charge):
# the same comparison, with SQL expressions for spent, amount and cap.
FITS_SQL = "{spent} + {amount} <= {cap}"


def period_start(period: str, *, time_zone: str, now: datetime | None = None) -> date:
    """The local date the current day or month began, at midnight in `time_zone`."""
    moment = now or timezone.now()
    local = timezone.localtime(moment, ZoneInfo(time_zone)) if timezone.is_aware(moment) else moment
    today = local.date()
    if period == BudgetPeriod.DAY:
        return today
    if period == BudgetPeriod.MONTH:
        return today.replace(day=1)
    raise ValueError(f"Unknown budget period: {period!r}")
