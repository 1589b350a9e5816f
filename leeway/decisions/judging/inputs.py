"""The database side of judging: a decision's inputs read, its budget counters locked and charged.

They are read in a constant number of queries whatever the history: counters for budgets (one row
per budget, subject and period) and one aggregate over an indexed window for caps. Counters are
read here (`read_budgets`, `lock_inputs`), charged here (`charge_statement`, `guarded_charge_parts`,
`charge_budgets`), and whether an amount fits a cap is `leeway.policy.budgets.fits`, used by
`BudgetState.allows` and mirrored by the guarded charge's SQL. When deciding for real, the counters
of the whole budget set are locked in one `SELECT … FOR UPDATE ORDER BY id`.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Q

from leeway.core import caches
from leeway.core.batch import Batch, select_columns
from leeway.decisions.judging.rules import CENT, ZERO, BudgetState, BudgetTarget, CapUsage
from leeway.decisions.models import Decision, DecisionStatus
from leeway.policy.models import BudgetCounter
from leeway.policy.selectors import budget_subjects_for
from leeway.policy.snapshot import GestureRule


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
caches.register("decisions.known_counters", _KNOWN_COUNTERS.clear)
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
@caches.memo("decisions.select_locked_sql", maxsize=64)
def _select_locked_sql(count: int, lock: bool) -> str:
    return (
        f"SELECT {', '.join(_COUNTER_COLUMNS)} FROM {_counter_table()} "
        f"WHERE {_set_match(count)} ORDER BY id{' FOR UPDATE' if lock else ''}"
    )


@caches.memo("decisions.budget_arrays_sql", maxsize=64)
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


@caches.memo("decisions.customer_lookup_sql", maxsize=4)
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
    charge can travel in the same statement as the decision's writes, after a judgement made on
    counters read without their locks: the counters are then held only from that statement to the
    COMMIT right after it, instead of from the charge, back to Python and through another round trip.
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
