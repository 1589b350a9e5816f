"""Replaying past decisions under a policy: what the engine would have said to each, in time order.

Every zone comes from the decision engine's own `evaluate` (`leeway.decisions.judging`); nothing here
restates a rule. What makes a million decisions a matter of seconds is that most of `evaluate`'s
inputs repeat or cannot change the answer:

1. **Limits are judged once per distinct input.** Without caps and budgets, `evaluate` is a function
   of (tier, gesture, amount) alone. A million decisions carry a few thousand distinct triples
   (amounts cluster on default amounts and round figures): `numpy.unique` groups them and each
   group is judged once.
2. **A counter that cannot fill is left out.** Budgets and per-customer caps are state: a decision
   fits only if what was approved before it leaves room. But approved spend never exceeds what was
   asked, so a counter (budget, subject, period) whose *every* candidate charge together fits its cap
   allows each of them, whatever else happens; likewise a (customer, gesture) pair whose candidates
   all fit the rule's caps. One `bincount` per budget proves it for most counters.
3. **Only decisions that touch a tight counter are replayed one by one**, oldest first, with the
   tight counters' running totals: where each has room (`policy.budgets.fits`, the engine's own test)
   and no cap is tight, the group's zone stands, as `evaluate` would say; otherwise the decision goes
   through `evaluate` with those counters and the tight pair's rolling usage (slack ones allow, so
   leaving them out does not change the zone). Everything else takes its group's zone.

The figure that defends it (`bench/whatif.py` on PostgreSQL, 2 cores, `bench/README.md`): 983,300
decisions over 30 days carry 4,190 distinct (tier, gesture, amount) triples, so step 1 judges 4,190
inputs instead of 983,300; step 2 leaves out every counter that cannot fill; step 3 walks 103,931
decisions of the counters that do and calls `evaluate` 38,706 times. Reading and both replays (draft
and live) take 5.0 s (median of 3); with the agent budget cut to 60.00, so that two thirds of the
decisions meet a full counter, 8.6 s. `evaluate` alone costs ~6 µs with one budget, so judging every
decision with all its counters, twice, would pass 10 s before any reading.

Replay assumptions, said on the page: the agent's *current* tier judges each decision (decisions do not
record the tier); amounts in the base currency are the ones recorded (the rates of the day); a red
request is counted and not charged (whether a lead would approve is unknown); counters start at zero
at each local midnight or first of the month inside the window, and a month that began before the
window starts from the spend recorded earlier that month; per-customer caps remember the approvals
recorded before the window.
"""

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np

from leeway.decisions.judging import BudgetState, BudgetTarget, CapUsage, evaluate
from leeway.decisions.models import Zone
from leeway.policy.budgets import SCOPES, BudgetPeriod, budget_order, fits
from leeway.policy.snapshot import PolicySnapshot
from leeway.reports.whatif.rows import Columns

ZONES = (Zone.GREEN.value, Zone.AMBER.value, Zone.RED.value)
GREEN, AMBER, RED = range(3)
ZONE_INDEX = {zone: index for index, zone in enumerate(ZONES)}
NO_LIMIT = np.iinfo(np.int64).max
CENT = Decimal("0.01")


@dataclass
class BudgetOutcome:
    """One budget of the replayed policy: what it would have charged and the requests it would have caused."""

    budget_id: int
    scope: str
    period: str
    cap: Decimal
    spent: Decimal
    counters: int
    requests: int

    @property
    def capacity(self) -> Decimal:
        return self.cap * self.counters


@dataclass
class Outcome:
    """A policy's answers to the same decisions: zones, approved spend, budgets and the requests to leads."""

    zones: dict[str, int]
    approved_spend: Decimal
    request_amount: Decimal
    budgets: list[BudgetOutcome] = field(default_factory=list)
    requests_by_team: dict[int, int] = field(default_factory=dict)
    requests_by_cause: dict[str, int] = field(default_factory=dict)
    replayed_one_by_one: int = 0
    evaluate_calls: int = 0

    @property
    def requests(self) -> int:
        return self.zones[Zone.RED.value]


def cents_to_money(cents: int) -> Decimal:
    return (Decimal(int(cents)) * CENT).quantize(CENT)


class Calendar:
    """Local days and months of the organization's time zone, as indices over Unix seconds."""

    def __init__(self, *, time_zone: str, first: date, last: date):
        zone = ZoneInfo(time_zone)
        self.days = [first + timedelta(days=offset) for offset in range((last - first).days + 2)]
        self.midnights = np.array(
            [datetime.combine(day, time(), tzinfo=zone).timestamp() for day in self.days]
        )
        months = sorted({day.replace(day=1) for day in self.days})
        self.months = months
        month_index = {month: index for index, month in enumerate(months)}
        self.day_month = np.array([month_index[day.replace(day=1)] for day in self.days], dtype=np.int64)

    def day_of(self, seconds: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.midnights, seconds, side="right") - 1

    def buckets(self, period: str, day_index: np.ndarray) -> tuple[np.ndarray, list[date]]:
        """The period each decision falls in (an index) and the start date of each index."""
        if period == BudgetPeriod.DAY:
            return day_index, self.days
        if period == BudgetPeriod.MONTH:
            return self.day_month[day_index], self.months
        raise ValueError(f"Unknown budget period: {period!r}")


@dataclass
class Limits:
    """Step 1: each distinct (tier, gesture, amount) judged once, without caps or budgets."""

    group: np.ndarray  # per decision: its group
    zone: np.ndarray  # per decision: the zone by limits alone
    rules: list  # per group: the rule (or None)
    amounts: list[Decimal]  # per group: the amount
    cap_count: np.ndarray  # per group: the rule's cap on gestures per customer (NO_LIMIT: none)
    cap_cents: np.ndarray  # per group: the rule's cap on amount per customer, in cents
    calls: int


def judge_limits(snapshot: PolicySnapshot, columns: Columns, gesture_codes: dict[int, str]) -> Limits:
    tiers, tier_index = columns.dense("tier")
    gestures, gesture_index = columns.dense("gesture")
    cents = columns.cents
    top = int(cents.max()) + 1 if len(cents) else 1
    if "limit_groups" not in columns.memo:
        key = (tier_index.astype(np.int64) * len(gestures) + gesture_index) * top + cents
        columns.memo["limit_groups"] = np.unique(key, return_inverse=True)
    keys, group = columns.memo["limit_groups"]
    zones = np.empty(len(keys), dtype=np.int64)
    cap_count = np.full(len(keys), NO_LIMIT, dtype=np.int64)
    cap_cents = np.full(len(keys), NO_LIMIT, dtype=np.int64)
    rules, amounts = [], []
    for index, value in enumerate(keys.tolist()):
        combination, amount_cents = divmod(value, top)
        tier_position, gesture_position = divmod(combination, len(gestures))
        tier_id = int(tiers[tier_position]) or None
        code = gesture_codes.get(int(gestures[gesture_position]), "")
        rule = snapshot.rule_for(tier_id, code)
        amount = cents_to_money(amount_cents)
        judgement = evaluate(
            rule=rule, base_amount=amount, base_currency=snapshot.base_currency, cap_usage=None, budgets=[]
        )
        zones[index] = ZONE_INDEX[judgement.zone]
        rules.append(rule)
        amounts.append(amount)
        if rule is not None and rule.customer_cap_count is not None:
            cap_count[index] = rule.customer_cap_count
        if rule is not None and rule.customer_cap_amount is not None:
            cap_cents[index] = int(rule.customer_cap_amount * 100)
    return Limits(
        group=group,
        zone=zones[group],
        rules=rules,
        amounts=amounts,
        cap_count=cap_count,
        cap_cents=cap_cents,
        calls=len(keys),
    )


@dataclass
class Counters:
    """Step 2 for one budget: each decision's counter and whether that counter can fill."""

    budget: object
    key: np.ndarray  # per decision: dense subject * periods + period (-1: the budget does not apply)
    tight: np.ndarray  # per decision: its counter can fill
    starts: list[date]
    periods: int
    seed: dict[int, int]  # counter key → cents spent before the window
    subjects: np.ndarray  # dense subject → the subject's id
    size: int  # how many counter keys there can be


def budget_counters(
    snapshot: PolicySnapshot,
    columns: Columns,
    calendar: Calendar,
    day_index: np.ndarray,
    charged: np.ndarray,
    seeds: dict[int, dict[int, int]],
) -> list[Counters]:
    """Which counters could refuse something: their candidates' total (and earlier spend) passes the cap."""
    found = []
    for budget in sorted(snapshot.budgets, key=lambda b: budget_order(b.scope, b.period)):
        kind = SCOPES.get(budget.scope)
        if kind is None:
            continue
        subjects, subject_index = columns.dense(kind.subject)
        bucket, starts = calendar.buckets(budget.period, day_index)
        periods = len(starts)
        size = max(len(subjects) * periods, 1)
        key = np.where(columns[kind.subject] > 0, subject_index * periods + bucket, -1)
        applies = charged & (key >= 0)
        cap = int(budget.cap * 100)
        seed = {}
        for subject, cents in seeds.get(budget.id, {}).items():
            position = int(np.searchsorted(subjects, subject))
            if position < len(subjects) and subjects[position] == subject:
                seed[position * periods] = cents  # spend before the window falls in its first period
        totals = np.bincount(key[applies], weights=columns.cents[applies], minlength=size)
        for counter, cents in seed.items():
            totals[counter] += cents
        tight = applies & (totals > cap)[np.maximum(key, 0)]
        found.append(
            Counters(
                budget=budget,
                key=key,
                tight=tight,
                starts=starts,
                periods=periods,
                seed=seed,
                subjects=subjects,
                size=size,
            )
        )
    return found


def tight_pairs(columns: Columns, limits: Limits, allowed: np.ndarray, history: Columns):
    """Which (customer, gesture) pairs could pass a per-customer cap; their keys per decision."""
    customers, customer_index = columns.dense("customer")
    gestures, gesture_index = columns.dense("gesture")
    width = max(len(gestures), 1)
    size = max(len(customers) * width, 1)
    pair = customer_index * width + gesture_index

    def position_in(values: np.ndarray, found: np.ndarray) -> np.ndarray:
        where = np.minimum(np.searchsorted(values, found), max(len(values) - 1, 0))
        return np.where((len(values) > 0) & (values[where] == found), where, -1) if len(values) else where - 1

    history_customer = position_in(customers, history["customer"])
    history_gesture = position_in(gestures, history["gesture"])
    known = (history_customer >= 0) & (history_gesture >= 0)
    history_pair = np.where(known, history_customer * width + history_gesture, -1)
    capped = allowed & (
        (limits.cap_count[limits.group] != NO_LIMIT) | (limits.cap_cents[limits.group] != NO_LIMIT)
    )
    if not capped.any():
        return pair, history_pair, np.zeros(len(columns), dtype=bool)
    count = np.bincount(pair[capped], minlength=size) + np.bincount(history_pair[known], minlength=size)
    total = np.bincount(pair[capped], weights=columns.cents[capped], minlength=size) + np.bincount(
        history_pair[known], weights=history.cents[known], minlength=size
    )
    min_count = np.full(size, NO_LIMIT, dtype=np.int64)
    min_cents = np.full(size, NO_LIMIT, dtype=np.int64)
    np.minimum.at(min_count, pair[capped], limits.cap_count[limits.group][capped])
    np.minimum.at(min_cents, pair[capped], limits.cap_cents[limits.group][capped])
    tight = (count > min_count) | (total > min_cents)
    return pair, history_pair, capped & tight[pair]


def replay(
    *,
    snapshot: PolicySnapshot,
    columns: Columns,
    gesture_codes: dict[int, str],
    first_day: date,
    last_day: date,
    budget_seeds: dict[int, dict[int, int]],
    cap_history: Columns,
) -> Outcome:
    """The zones, spend and requests `snapshot` would have given `columns`, budgets replayed in time order."""
    count = len(columns)
    limits = judge_limits(snapshot, columns, gesture_codes)
    zone = limits.zone.copy()
    allowed = zone != RED
    calendar = Calendar(time_zone=snapshot.time_zone, first=first_day, last=last_day)
    day_index = calendar.day_of(columns.time)
    charged = allowed & (columns.cents > 0)
    counters = budget_counters(snapshot, columns, calendar, day_index, charged, budget_seeds)
    pair, history_pair, pair_tight = tight_pairs(columns, limits, allowed, cap_history)

    touches = pair_tight.copy()
    for budget_counters_ in counters:
        touches |= budget_counters_.tight
    sequence = np.flatnonzero(touches)
    cause = np.full(count, -1, dtype=np.int64)  # per red decision: the budget (index) or -2: a cap
    calls = limits.calls
    if len(sequence):
        calls += _replay_one_by_one(
            snapshot=snapshot,
            columns=columns,
            limits=limits,
            counters=counters,
            sequence=sequence,
            zone=zone,
            cause=cause,
            pair=pair,
            pair_tight=pair_tight,
            history_pair=history_pair,
            cap_history=cap_history,
        )

    approved = zone != RED
    budgets = []
    for position, item in enumerate(counters):
        charged_here = approved & (columns.cents > 0) & (item.key >= 0)
        used = np.count_nonzero(np.bincount(item.key[charged_here], minlength=item.size))
        budgets.append(
            BudgetOutcome(
                budget_id=item.budget.id,
                scope=item.budget.scope,
                period=item.budget.period,
                cap=item.budget.cap,
                spent=cents_to_money(int(columns.cents[charged_here].sum())),
                counters=used,
                requests=int((cause == position).sum()),
            )
        )
    red = zone == RED
    teams = np.bincount(columns["team"][red]) if red.any() else np.zeros(0, dtype=np.int64)
    by_limit = int((red & (limits.zone == RED)).sum())
    return Outcome(
        zones={name: int((zone == index).sum()) for index, name in enumerate(ZONES)},
        approved_spend=cents_to_money(int(columns.cents[approved].sum())),
        request_amount=cents_to_money(int(columns.cents[red].sum())),
        budgets=budgets,
        requests_by_team={team: int(n) for team, n in enumerate(teams.tolist()) if n},
        requests_by_cause={
            "limit": by_limit,
            "customer_cap": int((cause == -2).sum()),
            "budget": int((cause >= 0).sum()),
        },
        replayed_one_by_one=len(sequence),
        evaluate_calls=calls,
    )


def _replay_one_by_one(
    *,
    snapshot,
    columns,
    limits,
    counters,
    sequence,
    zone,
    cause,
    pair,
    pair_tight,
    history_pair,
    cap_history,
) -> int:
    """Step 3: the decisions that touch a tight counter or pair, oldest first; returns the `evaluate` calls.

    A decision whose tight counters all have room (`policy.budgets.fits`, the one function the engine's
    judging and charging ask too) and that touches no tight pair takes its group's zone from step 1,
    which is what `evaluate` would say: nothing else in it changed. Any other goes through `evaluate`
    with the tight counters' running totals and the pair's rolling usage.
    """
    spent: dict[tuple[int, int], int] = {}  # counter → cents approved so far
    per_budget = []
    for position, item in enumerate(counters):
        per_budget.append(
            (
                position,
                item,
                int(item.budget.cap * 100),
                item.key[sequence].tolist(),
                item.tight[sequence].tolist(),
            )
        )
    # Per tight pair: the times and amounts approved so far (recorded before the window, then replayed).
    approvals: dict[int, tuple[list[float], list[Decimal]]] = {}
    tight_pair_keys = set(pair[pair_tight].tolist())
    for moment, cents, key in zip(
        cap_history.time.tolist(), cap_history.cents.tolist(), history_pair.tolist(), strict=True
    ):
        if key >= 0 and key in tight_pair_keys:
            times, amounts = approvals.setdefault(key, ([], []))
            times.append(moment)
            amounts.append(cents_to_money(cents))
    groups = limits.group[sequence].tolist()
    moments = columns.time[sequence].tolist()
    amounts_cents = columns.cents[sequence].tolist()
    pairs = pair[sequence].tolist()
    pairs_tight = pair_tight[sequence].tolist()
    calls = 0
    for row, decision in enumerate(sequence.tolist()):
        group = groups[row]
        rule, amount, cents = limits.rules[group], limits.amounts[group], amounts_cents[row]
        touched = []
        room = True
        if cents:
            for position, item, cap, keys, tight in per_budget:
                if not tight[row]:
                    continue
                counter = (position, keys[row])
                if counter not in spent:
                    spent[counter] = item.seed.get(keys[row], 0)
                touched.append((counter, item, keys[row]))
                room = room and fits(spent=spent[counter], amount=cents, cap=cap)
        tight_pair = pairs_tight[row] and rule is not None
        if room and not tight_pair:
            for counter, _item, _key in touched:
                spent[counter] += cents
            continue
        calls += 1
        states = [
            (counter, BudgetState(target=_target(item, key), spent=cents_to_money(spent[counter])))
            for counter, item, key in touched
        ]
        usage = None
        if tight_pair:
            times, approved_amounts = approvals.setdefault(pairs[row], ([], []))
            since = bisect_left(times, moments[row] - rule.customer_cap_window_days * 86400)
            window = approved_amounts[since:]
            usage = CapUsage(count=len(window), total=sum(window, Decimal("0.00")))
        judgement = evaluate(
            rule=rule,
            base_amount=amount,
            base_currency=snapshot.base_currency,
            cap_usage=usage,
            budgets=[state for _, state in states],
        )
        if judgement.zone == Zone.RED:
            zone[decision] = RED
            refusing = [counter for counter, state in states if not state.allows(amount)]
            cause[decision] = refusing[0][0] if refusing else -2
            continue
        for counter, _state in states:
            spent[counter] += cents
        if tight_pair:
            times, approved_amounts = approvals[pairs[row]]
            times.append(moments[row])
            approved_amounts.append(amount)
    return calls


def _target(item: Counters, key: int) -> BudgetTarget:
    """The counter a decision of this budget is charged to, as `evaluate` reads it."""
    subject, period = divmod(key, item.periods)
    return BudgetTarget(
        budget_id=item.budget.id,
        scope=item.budget.scope,
        period=item.budget.period,
        cap=item.budget.cap,
        subject_id=int(item.subjects[subject]),
        period_start=item.starts[period],
    )
