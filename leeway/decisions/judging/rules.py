"""Judging a gesture into a zone: limits, per-customer caps and budget counters, as pure functions.

`evaluate` is a pure function of the rule, the amount, the customer's cap usage and the budget
counters; `budget_targets` says which counters a decision would be charged to. What reads and
charges those inputs in the database is the store (`leeway.decisions.store`).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from leeway.decisions.models import Zone
from leeway.policy.budgets import (
    SCOPES,
    BudgetSubjects,
    budget_order,
    fits,
    is_hard_cap,
    period_start,
)
from leeway.policy.snapshot import GestureRule, PolicySnapshot

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class BudgetTarget:
    """One counter a decision would be charged to: a budget, its subject and the current period."""

    budget_id: int
    scope: str
    period: str
    cap: Decimal
    subject_id: int
    period_start: date

    @property
    def key(self) -> tuple[int, int, date]:
        return (self.budget_id, self.subject_id, self.period_start)

    @property
    def is_hard_cap(self) -> bool:
        return is_hard_cap(self.scope)


@dataclass(frozen=True)
class BudgetState:
    """A budget target with what its counter has spent so far."""

    target: BudgetTarget
    spent: Decimal
    counter_id: int | None = None

    def allows(self, amount: Decimal) -> bool:
        return fits(spent=self.spent, amount=amount, cap=self.target.cap)


@dataclass(frozen=True)
class CapUsage:
    """How much of a gesture the customer received inside the rule's window (approved only)."""

    count: int
    total: Decimal


@dataclass
class Judgement:
    """The zone and the reasons (codes and figures, rendered later in the reader's language)."""

    zone: str
    reasons: list[dict] = field(default_factory=list)
    budgets: list[BudgetState] = field(default_factory=list)

    @property
    def needs_justification(self) -> bool:
        return self.zone == Zone.AMBER


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def evaluate(
    *,
    rule: GestureRule | None,
    base_amount: Decimal,
    base_currency: str,
    cap_usage: CapUsage | None,
    budgets: list[BudgetState],
) -> Judgement:
    """The zone, exactly as API.md states it: equal to a limit is inside it."""
    reasons: list[dict] = []
    within_stretch = False
    within_green = False
    if rule is None:
        reasons.append({"code": "no_rule", "ok": False})
    else:
        within_green = base_amount <= rule.green_limit
        within_stretch = base_amount <= rule.stretch_limit
        reasons.append(
            {
                "code": "green_limit",
                "ok": within_green,
                "limit": _money(rule.green_limit),
                "left": _money(max(rule.green_limit - base_amount, ZERO)),
                "over": _money(max(base_amount - rule.green_limit, ZERO)),
                "currency": base_currency,
            }
        )
        if not within_green:
            reasons.append(
                {
                    "code": "stretch_limit",
                    "ok": within_stretch,
                    "limit": _money(rule.stretch_limit),
                    "left": _money(max(rule.stretch_limit - base_amount, ZERO)),
                    "over": _money(max(base_amount - rule.stretch_limit, ZERO)),
                    "currency": base_currency,
                }
            )

    caps_ok = True
    if rule is not None and cap_usage is not None:
        if rule.customer_cap_count is not None:
            ok = cap_usage.count + 1 <= rule.customer_cap_count
            caps_ok &= ok
            reasons.append(
                {
                    "code": "customer_cap_count",
                    "ok": ok,
                    "used": cap_usage.count,
                    "cap": rule.customer_cap_count,
                    "days": rule.customer_cap_window_days,
                }
            )
        if rule.customer_cap_amount is not None:
            ok = cap_usage.total + base_amount <= rule.customer_cap_amount
            caps_ok &= ok
            reasons.append(
                {
                    "code": "customer_cap_amount",
                    "ok": ok,
                    "used": _money(cap_usage.total),
                    "cap": _money(rule.customer_cap_amount),
                    "left": _money(max(rule.customer_cap_amount - cap_usage.total - base_amount, ZERO)),
                    "days": rule.customer_cap_window_days,
                    "currency": base_currency,
                }
            )

    budgets_ok = True
    if base_amount == 0:
        reasons.append({"code": "no_cost", "ok": True})
    else:
        for state in budgets:
            ok = state.allows(base_amount)
            budgets_ok &= ok
            left = state.target.cap - state.spent - (base_amount if ok else ZERO)
            reasons.append(
                {
                    "code": "budget",
                    "ok": ok,
                    "scope": state.target.scope,
                    "period": state.target.period,
                    "cap": _money(state.target.cap),
                    "left": _money(max(left, ZERO)),
                    "currency": base_currency,
                }
            )

    if within_stretch and caps_ok and budgets_ok:
        zone = Zone.GREEN if within_green else Zone.AMBER
    else:
        zone = Zone.RED
    return Judgement(zone=zone, reasons=reasons, budgets=budgets)


# ---------------------------------------------------------------------------
# Reading the inputs


def budget_targets(
    snapshot: PolicySnapshot, *, subjects: BudgetSubjects, now: datetime
) -> list[BudgetTarget]:
    """The counters a decision for these subjects would be charged to, in the current periods.

    Periods follow the organization's local midnight (the time zone frozen in the policy); the
    order is the registry's (agent → site → team → department → organization).
    """
    starts: dict[str, date] = {}
    targets = []
    for budget in sorted(snapshot.budgets, key=lambda b: budget_order(b.scope, b.period)):
        subject_id = subjects.of(budget.scope) if budget.scope in SCOPES else None
        if subject_id is None:
            continue
        if budget.period not in starts:
            starts[budget.period] = period_start(budget.period, time_zone=snapshot.time_zone, now=now)
        targets.append(
            BudgetTarget(
                budget_id=budget.id,
                scope=budget.scope,
                period=budget.period,
                cap=budget.cap,
                subject_id=subject_id,
                period_start=starts[budget.period],
            )
        )
    return targets
