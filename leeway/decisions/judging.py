"""Judging a gesture into a zone: limits, per-customer caps and budget counters.

The evaluation itself (`evaluate`) is a pure function of the rule, the amount,
the customer's cap usage and the budget counters. The database side reads
those inputs in a constant number of queries whatever the history: counters
for budgets (one row per budget, subject and period) and one aggregate over an
indexed window for caps. When deciding for real, the counters of the whole
budget set are locked in one `SELECT … FOR UPDATE ORDER BY id`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django.db import connection
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from leeway.core.batch import Batch, select_columns
from leeway.decisions.models import Decision, DecisionStatus, Zone
from leeway.policy.budgets import (
    AGENT_VOICE,
    REVIEWER_VOICE,
    SCOPES,
    VOICES,
    BudgetSubjects,
    budget_label,
    budget_order,
    fits,
    is_hard_cap,
    period_start,
)
from leeway.policy.models import BudgetCounter
from leeway.policy.selectors import budget_subjects_for
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


def _targets_filter(targets: list[BudgetTarget]) -> Q:
    condition = Q()
    for target in targets:
        condition |= Q(
            budget_id=target.budget_id, subject_id=target.subject_id, period_start=target.period_start
        )
    return condition


def read_budgets(targets: list[BudgetTarget]) -> list[BudgetState]:
    """Counters as they are now, without locking (previews and pages)."""
    if not targets:
        return []
    rows = {
        (budget_id, subject_id, start): (pk, spent)
        for pk, budget_id, subject_id, start, spent in BudgetCounter.objects.filter(
            _targets_filter(targets)
        ).values_list("id", "budget_id", "subject_id", "period_start", "spent")
    }
    states = []
    for target in targets:
        pk, spent = rows.get(target.key, (None, ZERO))
        states.append(BudgetState(target=target, spent=spent, counter_id=pk))
    return states


# Counters this process has seen exist. Only an optimisation: a missing row is
# detected after locking and created then, so a stale entry costs one retry.
_KNOWN_COUNTERS: set[tuple[int, int, date]] = set()
_KNOWN_COUNTERS_LIMIT = 50_000

# Judging for real reads its inputs with hand-written statements sent as one batch (one round trip on
# PostgreSQL, see leeway.core.batch): the ORM's query building cost more than the queries.


def _counter_table() -> str:
    return connection.ops.quote_name(BudgetCounter._meta.db_table)


def _ensure_counters_statement(organization_id: int, targets: list[BudgetTarget]) -> tuple[str, list]:
    """INSERT the missing counter rows (spent 0) of a budget set; existing ones are left alone."""
    spent_field = BudgetCounter._meta.get_field("spent")
    start_field = BudgetCounter._meta.get_field("period_start")
    zero = spent_field.get_db_prep_save(ZERO, connection=connection)
    params = []
    for target in targets:
        start = start_field.get_db_prep_save(target.period_start, connection=connection)
        params += [organization_id, target.budget_id, target.subject_id, start, zero]
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(targets))
    sql = (
        f"INSERT INTO {_counter_table()} (organization_id, budget_id, subject_id, period_start, spent) "
        f"VALUES {values} ON CONFLICT DO NOTHING"
    )
    return sql, params


def _remember_counters(targets: list[BudgetTarget]) -> None:
    if len(_KNOWN_COUNTERS) > _KNOWN_COUNTERS_LIMIT:
        _KNOWN_COUNTERS.clear()
    _KNOWN_COUNTERS.update(target.key for target in targets)


def _spent(value) -> Decimal:
    # PostgreSQL returns Decimal; SQLite keeps numeric columns as REAL/INTEGER.
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(CENT)


def _select_locked_statement(targets: list[BudgetTarget], *, lock: bool = True) -> tuple[str, list]:
    """One statement locks the whole budget set, in id order everywhere (so budget sets never deadlock)."""
    lock = lock and connection.features.has_select_for_update
    return _select_locked_sql(len(targets), lock), _set_params(targets)


def _budget_arrays_statement(targets: list[BudgetTarget]) -> tuple[str, list]:
    """The budget set unlocked, as one row of arrays (PostgreSQL), to be read side by side with others."""
    return _budget_arrays_sql(len(targets)), _set_params(targets)


_COUNTER_COLUMNS = ("id", "budget_id", "subject_id", "period_start", "spent")


def _set_params(targets: list[BudgetTarget]) -> list:
    return [value for t in targets for value in (t.budget_id, t.subject_id, t.period_start)]


def _set_match(count: int) -> str:
    # OR of equalities (not a VALUES list) so a prepared statement can infer every parameter's type;
    # each is a lookup on the unique (budget, subject, period) index.
    return " OR ".join(["(budget_id = %s AND subject_id = %s AND period_start = %s)"] * count)


# The hot path's statement texts depend only on their shape: each is built once per process.
@lru_cache(maxsize=64)
def _select_locked_sql(count: int, lock: bool) -> str:
    return (
        f"SELECT {', '.join(_COUNTER_COLUMNS)} FROM {_counter_table()} "
        f"WHERE {_set_match(count)} ORDER BY id{' FOR UPDATE' if lock else ''}"
    )


@lru_cache(maxsize=64)
def _budget_arrays_sql(count: int) -> str:
    columns = ", ".join(f"array_agg({column} ORDER BY id)" for column in _COUNTER_COLUMNS)
    return f"SELECT {columns} FROM {_counter_table()} WHERE {_set_match(count)}"


def _rows_from_arrays(result) -> list[tuple]:
    arrays = result[0] if result else None
    return list(zip(*arrays, strict=True)) if arrays and arrays[0] is not None else []


def _locked_rows(rows) -> dict[tuple, tuple[int, Decimal]]:
    return {
        (budget_id, subject_id, str(start)): (pk, _spent(spent))
        for pk, budget_id, subject_id, start, spent in rows
    }


def _customer_lock_statement(customer_id: int) -> tuple[str, list]:
    """FOR NO KEY UPDATE: serialises cap checks on the customer without blocking inserts that reference it."""
    from leeway.customers.models import Customer

    table = connection.ops.quote_name(Customer._meta.db_table)
    return f"SELECT id FROM {table} WHERE id = %s FOR NO KEY UPDATE", [customer_id]


# What a decision needs of its customer (the console and the API name customers by external id).
CUSTOMER_FIELDS = ("id", "organization_id", "external_id", "name", "language")


@dataclass(frozen=True)
class CustomerKey:
    """A customer named by its organization and external id, not yet looked up."""

    organization_id: int
    external_id: str


def _customer_lookup_statement(key: CustomerKey, *, lock: bool) -> tuple[str, list]:
    """The customer's row (CUSTOMER_FIELDS), locked like `_customer_lock_statement` when `lock`."""
    lock = lock and connection.features.has_select_for_update
    return _customer_lookup_sql(lock), [key.organization_id, key.external_id]


@lru_cache(maxsize=4)
def _customer_lookup_sql(lock: bool) -> str:
    from leeway.customers.models import Customer

    table = connection.ops.quote_name(Customer._meta.db_table)
    columns = select_columns(Customer, CUSTOMER_FIELDS, table_alias=table)
    suffix = " FOR NO KEY UPDATE" if lock else ""
    return (
        f"SELECT {columns} FROM {table} WHERE {table}.organization_id = %s AND {table}.external_id = %s"
        f"{suffix}"
    )


def _customer_id_sql(customer) -> tuple[str, list]:
    """`customer_id = …` for an id or, inside the same batch as its lookup, a CustomerKey."""
    if isinstance(customer, CustomerKey):
        from leeway.customers.models import Customer

        table = connection.ops.quote_name(Customer._meta.db_table)
        return (
            f"customer_id = (SELECT id FROM {table} WHERE organization_id = %s AND external_id = %s)",
            [customer.organization_id, customer.external_id],
        )
    return "customer_id = %s", [customer]


def _has_caps(rule: GestureRule | None) -> bool:
    return rule is not None and (rule.customer_cap_count is not None or rule.customer_cap_amount is not None)


def _cap_usage_statement(
    *, organization_id: int, customer_id, gesture_id: int, rule: GestureRule, now: datetime
) -> tuple[str, list]:
    """Count and sum of approved gestures in the window: read off the partial index decision_customer_caps."""
    table = connection.ops.quote_name(Decision._meta.db_table)
    since = connection.ops.adapt_datetimefield_value(now - timedelta(days=rule.customer_cap_window_days))
    customer_sql, customer_params = _customer_id_sql(customer_id)
    # The status is part of the text, not a parameter: a prepared (generic) plan can then prove the
    # partial index's predicate and read only this customer's approved rows in the window.
    approved = DecisionStatus.APPROVED.value
    sql = (
        f"SELECT COUNT(id), SUM(base_amount) FROM {table} WHERE organization_id = %s AND {customer_sql} "
        f"AND gesture_id = %s AND status = '{approved}' AND created_at >= %s"
    )
    return sql, [organization_id, *customer_params, gesture_id, since]


def _cap_usage(rows) -> CapUsage:
    count, total = rows[0] if rows else (0, None)
    return CapUsage(count=count or 0, total=ZERO if total is None else _spent(total))


class LockedInputs(NamedTuple):
    """What `lock_inputs` read: cap usage, budget set, customer row, the rows of each `after_lock` read."""

    cap_usage: CapUsage | None
    budgets: list[BudgetState]
    customer_row: tuple | None
    reads: list[list[tuple]]


def lock_inputs(
    *,
    organization_id: int,
    customer_id,
    gesture_id: int,
    rule: GestureRule | None,
    now: datetime,
    targets: list[BudgetTarget],
    lock_counters: bool = True,
    batch: Batch | None = None,
    after_lock: tuple[tuple[str, list], ...] = (),
) -> LockedInputs:
    """Everything judging for real needs, read in one batch; call inside a transaction.

    In lock order: the customer row (locked only when the rule has per-customer caps) and its cap
    usage, then the missing counter rows (ON CONFLICT DO NOTHING, only the first time this process
    sees them) and the whole budget set, locked by id unless `lock_counters` is false: then the
    caller charges them with `charge_statement` (which locks them) and re-judges on the totals it
    returns. `customer_id` is an id, or a CustomerKey: then the customer is looked up in the same
    batch and its row comes back (None if there is no such customer). Statements the caller queued
    in `batch` run first. `after_lock` are the caller's SELECTs of at most one row, read after the
    customer's lock; their rows are in `reads`.

    On PostgreSQL the reads after the lock (the caller's, the cap usage, and the budget set when
    its counters are not locked) are one statement (`Batch.add(single=True)`): they may share a
    snapshot, taken once the customer's lock is held. The lock itself must be a statement of its
    own: a statement that waited for it would still read on the snapshot it took before waiting.
    """
    batch = batch if batch is not None else Batch()
    caps_at = locked_at = customer_at = None
    if isinstance(customer_id, CustomerKey):
        customer_at = batch.add(*_customer_lookup_statement(customer_id, lock=_has_caps(rule)), rows=True)
    elif _has_caps(rule) and connection.features.has_select_for_update:
        batch.add(*_customer_lock_statement(customer_id))
    reads_at = [batch.add(*statement, single=True) for statement in after_lock]
    if _has_caps(rule):
        caps_at = batch.add(
            *_cap_usage_statement(
                organization_id=organization_id,
                customer_id=customer_id,
                gesture_id=gesture_id,
                rule=rule,
                now=now,
            ),
            single=True,
        )
    unknown = [target for target in targets if target.key not in _KNOWN_COUNTERS]
    arrays = not lock_counters and connection.vendor == "postgresql"
    if targets:
        if unknown:
            batch.add(*_ensure_counters_statement(organization_id, unknown))
        if arrays:
            locked_at = batch.add(*_budget_arrays_statement(targets), single=True)
        else:
            locked_at = batch.add(*_select_locked_statement(targets, lock=lock_counters), rows=True)
    results = batch.run()
    if unknown:
        _remember_counters(unknown)
    cap_usage = _cap_usage(results[caps_at]) if caps_at is not None else None
    customer_row = None
    if customer_at is not None and results[customer_at]:
        customer_row = results[customer_at][0]
    reads = [results[index] for index in reads_at]
    if locked_at is None:
        return LockedInputs(cap_usage, [], customer_row, reads)
    rows = _locked_rows(_rows_from_arrays(results[locked_at]) if arrays else results[locked_at])
    if len(rows) < len(targets):
        # A remembered counter vanished (e.g. its creating transaction rolled back): create and relock.
        missing = [t for t in targets if _row_key(t) not in rows]
        retry = Batch()
        retry.add(*_ensure_counters_statement(organization_id, missing))
        retry.add(*_select_locked_statement(targets, lock=lock_counters), rows=True)
        rows = _locked_rows(retry.run()[1])
        _remember_counters(missing)
    budgets = [
        BudgetState(target=t, spent=rows[_row_key(t)][1], counter_id=rows[_row_key(t)][0]) for t in targets
    ]
    return LockedInputs(cap_usage, budgets, customer_row, reads)


def lock_budgets(organization_id: int, targets: list[BudgetTarget]) -> list[BudgetState]:
    """Lock every counter of the budget set in one round trip; call inside a transaction.

    Missing counter rows are inserted first (ON CONFLICT DO NOTHING), before the lock.
    """
    if not targets:
        return []
    return lock_inputs(
        organization_id=organization_id, customer_id=0, gesture_id=0, rule=None, now=None, targets=targets
    )[1]


def _row_key(target: BudgetTarget) -> tuple[int, int, str]:
    return (target.budget_id, target.subject_id, str(target.period_start))


def charge_statement(states: list[BudgetState], amount: Decimal) -> tuple[str, list] | None:
    """The UPDATE adding the amount to every counter of the set and returning (id, new spent).

    It locks the rows in id order (like every other lock of a budget set, so sets never deadlock),
    whether or not the caller locked them already. None if there is nothing to add.
    """
    ids = [state.counter_id for state in states if state.counter_id is not None]
    if not ids or amount <= 0:
        return None
    table = _counter_table()
    placeholders = ", ".join(["%s"] * len(ids))
    if connection.features.has_select_for_update:
        sql = (
            f"UPDATE {table} SET spent = {table}.spent + CAST(%s AS NUMERIC) FROM (SELECT id FROM {table} "
            f"WHERE id IN ({placeholders}) ORDER BY id FOR UPDATE) AS locked WHERE {table}.id = locked.id "
            f"RETURNING {table}.id, {table}.spent"
        )
    else:
        sql = (
            f"UPDATE {table} SET spent = spent + CAST(%s AS NUMERIC) WHERE id IN ({placeholders}) "
            "RETURNING id, spent"
        )
    return sql, [str(amount), *ids]


# Raised by leeway_budget_guard() (policy migration 0003) when a guarded charge did not fit.
BUDGET_FILLED_UP_SQLSTATE = "LW001"


def guarded_charge_parts(states: list[BudgetState], amount: Decimal) -> list[tuple[str, str, list]] | None:
    """PostgreSQL: the charge of `charge_statement`, refused in the database unless every counter fits.

    Each counter is charged only if its new total stays within its cap; if any does not, the part
    named `guard` raises (SQLSTATE BUDGET_FILLED_UP_SQLSTATE), which aborts the transaction. So the
    charge can travel in the same round trip as the decision's writes and COMMIT, after a judgement
    made on counters read without their locks: the counters are then held only while that one batch
    runs, instead of from the charge, back to Python and through another round trip to the commit.
    Parts of one statement (`with_parts`): `charged` locks the counters in id order and charges
    them, `guard` (one row: how many were charged) checks that all of them were. A part that must
    run after the charge reads from `guard`.
    """
    ids = [state.counter_id for state in states if state.counter_id is not None]
    if not ids or amount <= 0:
        return None
    table = _counter_table()
    caps = ", ".join(["(CAST(%s AS bigint), CAST(%s AS numeric))"] * len(ids))
    charged = (
        f"UPDATE {table} SET spent = {table}.spent + CAST(%s AS NUMERIC) "
        f"FROM (SELECT {table}.id, caps.cap FROM {table} JOIN (VALUES {caps}) AS caps (id, cap) "
        f"ON caps.id = {table}.id ORDER BY {table}.id FOR UPDATE OF {table}) AS locked "
        f"WHERE {table}.id = locked.id AND {table}.spent + CAST(%s AS NUMERIC) <= locked.cap "
        f"RETURNING {table}.id"
    )
    params = [str(amount)]
    for state in states:
        if state.counter_id is not None:
            params += [state.counter_id, str(state.target.cap)]
    params.append(str(amount))
    guard = (
        "SELECT leeway_budget_guard(CAST(COUNT(*) AS integer), CAST(%s AS integer)) AS charged FROM charged"
    )
    return [("charged", charged, params), ("guard", guard, [len(ids)])]


def is_budget_filled_up(error: BaseException) -> bool:
    """Whether a database error is leeway_budget_guard() refusing a charge."""
    cause = error.__cause__ if error.__cause__ is not None else error
    return getattr(cause, "sqlstate", None) == BUDGET_FILLED_UP_SQLSTATE


def charged_states(states: list[BudgetState], rows, amount: Decimal) -> list[BudgetState]:
    """The budget set as it stood just before this charge, from the totals the charge returned.

    Judging again on these is exact: the charge holds every counter's lock until commit.
    """
    totals = {pk: _spent(spent) for pk, spent in rows}
    return [
        BudgetState(target=state.target, spent=totals[state.counter_id] - amount, counter_id=state.counter_id)
        if state.counter_id in totals
        else state
        for state in states
    ]


def charge_budgets(states: list[BudgetState], amount: Decimal) -> None:
    """Add the amount to every locked counter of the set in one statement."""
    statement = charge_statement(states, amount)
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)


def cap_usage_for(
    *,
    organization_id: int,
    customer_id: int,
    gesture_id: int,
    rule: GestureRule | None,
    now: datetime,
    lock: bool,
) -> CapUsage | None:
    """Approved gestures of this kind for this customer in the rule's window, across all agents.

    With `lock`, the customer row is locked first (FOR NO KEY UPDATE, so inserting
    decisions that reference the customer is not blocked) to serialise cap checks.
    """
    if not _has_caps(rule):
        return None
    if lock:
        return lock_inputs(
            organization_id=organization_id,
            customer_id=customer_id,
            gesture_id=gesture_id,
            rule=rule,
            now=now,
            targets=[],
        )[0]
    sql, params = _cap_usage_statement(
        organization_id=organization_id, customer_id=customer_id, gesture_id=gesture_id, rule=rule, now=now
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _cap_usage(cursor.fetchall())


def department_id_for(member) -> int | None:
    """The department whose budget and managers apply to the member (their team's, else their own)."""
    return budget_subjects_for(member).department


# ---------------------------------------------------------------------------
# Reasons, in the reader's language


@lru_cache(maxsize=64)
def _number_symbols(language: str) -> tuple[str, str]:
    """(group, decimal) separators of the language, as the pages' `money` filter uses them (Babel)."""
    from babel import Locale
    from django.utils.translation import to_locale

    symbols = Locale.parse(to_locale(language)).number_symbols["latn"]
    return symbols["group"], symbols["decimal"]


@lru_cache(maxsize=8192)
def _formatted(value: str, language: str) -> str:
    """The pages' `money` filter without a currency ("1,975.00" in English, "1.975,00" in Spanish).

    Python's own grouping with the language's separators: Babel's "#,##0.00" pattern gives the same
    text (tests compare them) at a fraction of the cost, and every reason of every decision
    formats a few amounts.
    """
    try:
        number = Decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite():  # never in reasons; the filter says what it says
        from django.utils.translation import override

        from leeway.core.templatetags.leeway import money

        with override(language):
            return money(value)
    group, decimal = _number_symbols(language)
    plain = f"{number:,.2f}"
    return plain.replace(",", "\0").replace(".", decimal).replace("\0", group)


def _reviewer_template(code: str, ok: bool) -> str | None:
    """The sentences that say "your", told to someone other than the agent; None where both voices agree."""
    if code == "no_rule":
        return _("The agent's authority tier has no rule for this gesture: a lead decides.")
    if code == "green_limit":
        if ok:
            return _("Inside the agent's green limit of %(limit)s %(currency)s (%(left)s left)")
        return _("Above the agent's green limit of %(limit)s %(currency)s by %(over)s")
    if code == "stretch_limit":
        if ok:
            return _(
                "Inside the agent's stretch limit of %(limit)s %(currency)s (%(left)s left): "
                "needs one line of why"
            )
        return _("Beyond the agent's stretch limit of %(limit)s %(currency)s by %(over)s: a lead decides")
    return None


@lru_cache(maxsize=1024)
def _message_template(language: str, voice: str, code: str, ok: bool, scope: str, period: str) -> str | None:
    """The sentence for one kind of reason in the active language, figures still to fill in.

    Memoised by language: every decision's answer renders several reasons, and looking each one
    up in the catalogue again cost more than the rest of the rendering.
    """
    if voice == REVIEWER_VOICE:
        template = _reviewer_template(code, ok)
        if template is not None:
            return template
    if code == "no_rule":
        return _("Your authority tier has no rule for this gesture: a lead decides.")
    if code == "no_cost":
        return _("Costs nothing: no budget is used.")
    if code == "green_limit":
        if ok:
            return _("Inside your green limit of %(limit)s %(currency)s (%(left)s left)")
        return _("Above your green limit of %(limit)s %(currency)s by %(over)s")
    if code == "stretch_limit":
        if ok:
            return _(
                "Inside your stretch limit of %(limit)s %(currency)s (%(left)s left): add one line of why"
            )
        return _("Beyond your stretch limit of %(limit)s %(currency)s by %(over)s: a lead decides")
    if code == "customer_cap_count":
        if ok:
            return _("This customer had %(used)s of %(cap)s of these in the last %(days)s days")
        return _("This customer already had %(used)s of %(cap)s of these in the last %(days)s days")
    if code == "customer_cap_amount":
        if ok:
            return _("This customer's cap: %(left)s of %(cap)s %(currency)s left for the last %(days)s days")
        return _("This customer already received %(used)s of %(cap)s %(currency)s in the last %(days)s days")
    if code == "budget":
        if ok:
            template = _("%(label)s: %(left)s of %(cap)s %(currency)s left")
        else:
            template = _("%(label)s: only %(left)s of %(cap)s %(currency)s left: a lead decides")
        label = budget_label(scope, period, voice=voice).replace("%", "%%")
        return template.replace("%(label)s", label)
    return None


# Sentences without figures: used as they are (a translation may contain a literal %).
_WITHOUT_FIGURES = {"no_rule", "no_cost"}


def reason_message(reason: dict, *, voice: str = AGENT_VOICE, language: str | None = None) -> str:
    """One checked limit as a sentence, e.g. "Inside your green limit of 50.00 USD (25.00 left)".

    `voice=REVIEWER_VOICE` says the same for someone other than the agent ("Inside the agent's
    green limit …"); sentences about the customer, the team and the company read the same in both.
    `language` is the active one unless given (`render_reasons` looks it up once for all reasons).
    """
    if voice not in VOICES:
        raise ValueError(f"Unknown voice: {voice!r}")
    code, ok = reason.get("code"), bool(reason.get("ok"))
    language = language or get_language() or "en"
    template = _message_template(
        language, voice, str(code), ok, str(reason.get("scope", "")), str(reason.get("period", ""))
    )
    if template is None:
        return str(code)
    if code in _WITHOUT_FIGURES:
        return template
    if code == "customer_cap_count":
        return template % {"used": reason["used"], "cap": reason["cap"], "days": reason["days"]}
    figures = {
        key: _formatted(reason[key], language)
        for key in ("limit", "left", "over", "cap", "used")
        if key in reason
    }
    figures.update({"currency": reason.get("currency", ""), "days": reason.get("days", "")})
    return template % figures


def render_reasons(reasons: list[dict], *, voice: str = AGENT_VOICE) -> list[dict]:
    """Stored reason codes as the API shows them: code, whether it passed, and the sentence (in `voice`)."""
    language = get_language() or "en"
    return [
        {
            "code": r.get("code"),
            "ok": bool(r.get("ok")),
            "message": reason_message(r, voice=voice, language=language),
        }
        for r in reasons
    ]
