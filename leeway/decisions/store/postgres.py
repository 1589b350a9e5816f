"""The PostgreSQL store: hand-written statements in pipeline batches (`leeway.core.batch`), a guarded write.

Recording a decision is two batches and Django's COMMIT, i.e. three round trips:

1. `read_inputs`: the customer looked up and locked (per-customer caps), then, in one statement,
   the stored answer, the cap usage and the budget set. Optimistically the counters are read
   without their locks: every decision charges the organization's counters, so holding them from
   the first read to the commit would serialise everything.
2. `write`: one statement (`with_parts`) charges the budget set (its counters locked in id order),
   guarded by the database (`leeway_budget_guard()`, policy migration 0003: SQLSTATE LW001 unless
   every counter still fits), inserts the decision, its outbox event and stored answer, and
   appends the audit entry. The organization's counters and audit chain head are then held only
   from that statement to the COMMIT right after it.

The ORM's query building cost more than these queries (bench/README.md); the statement texts depend
only on their shape, so each is built once per process.
"""

from datetime import datetime, timedelta

from django.db import DatabaseError, connection

from leeway.core import caches
from leeway.core.audit import audit_append_parts, audit_chain_known, audit_chain_statement
from leeway.core.batch import Batch, insert_statement, inserted, instance_from_row, select_columns, with_parts
from leeway.core.outbox import outbox_statement
from leeway.customers.models import Customer
from leeway.decisions.judging.rules import ZERO, BudgetState, BudgetTarget, CapUsage
from leeway.decisions.models import Decision, DecisionStatus, IdempotencyRecord
from leeway.decisions.store.base import (
    CUSTOMER_FIELDS,
    AnswerKey,
    BudgetRefused,
    Charge,
    CustomerKey,
    DecisionStore,
    DecisionWrite,
    Inputs,
    StoredAnswer,
    as_amount,
    first_refused,
    has_caps,
    remember_counters,
    unknown_counters,
)
from leeway.policy.budgets import FITS_SQL
from leeway.policy.models import BudgetCounter
from leeway.policy.snapshot import GestureRule

# Raised by leeway_budget_guard() (policy migration 0003) when a guarded charge did not fit.
BUDGET_FILLED_UP_SQLSTATE = "LW001"

_COUNTER_COLUMNS = ("id", "budget_id", "subject_id", "period_start", "spent")


class PostgresStore(DecisionStore):
    """Reads and writes as psycopg pipeline batches of prepared, hand-written statements."""

    def read_inputs(
        self,
        *,
        organization_id: int,
        customer,
        gesture_id: int,
        rule: GestureRule | None,
        now: datetime,
        targets: list[BudgetTarget],
        deciding: bool,
        optimistic: bool = False,
        answer: AnswerKey | None = None,
    ) -> Inputs:
        """One batch (one round trip). In lock order: the customer (locked only when deciding and the
        rule has caps), then in one statement (`Batch.add(single=True)`: they share a snapshot, taken
        once the customer's lock is held) the stored answer, the cap usage and, unless they are
        locked, the budget set; the missing counter rows are created first (ON CONFLICT DO NOTHING,
        only the first time this process sees them). The lock must be a statement of its own: a
        statement that waited for it would still read on the snapshot it took before waiting.
        Deciding also creates the organization's audit chain head if this process has not seen it,
        so the write's append always finds it.
        """
        batch = Batch()
        if deciding:
            chain = audit_chain_statement(organization_id)
            if chain is not None:
                batch.add(*chain)
        lock_customer = deciding and has_caps(rule)
        customer_at = caps_at = answer_at = budgets_at = None
        if isinstance(customer, CustomerKey):
            customer_at = batch.add(*_customer_lookup_statement(customer, lock=lock_customer), rows=True)
        elif lock_customer:
            batch.add(_customer_lock_sql(), [_pk(customer)])
        if answer is not None:
            answer_at = batch.add(*_stored_answer_statement(answer), single=True)
        if has_caps(rule):
            caps_at = batch.add(
                *_cap_usage_statement(organization_id, customer, gesture_id, rule, now), single=True
            )
        unknown = unknown_counters(targets) if deciding else []  # a preview creates nothing
        lock_counters = deciding and not optimistic
        if targets:
            if unknown:
                batch.add(*_ensure_counters_statement(organization_id, unknown))
            if lock_counters:
                budgets_at = batch.add(_locked_counters_sql(len(targets)), _set_params(targets), rows=True)
            else:
                budgets_at = batch.add(_counter_arrays_sql(len(targets)), _set_params(targets), single=True)
        results = batch.run()
        if unknown:
            remember_counters(unknown)
        found = None
        if customer_at is not None and results[customer_at]:
            found = instance_from_row(Customer, CUSTOMER_FIELDS, results[customer_at][0])
        budgets = []
        if budgets_at is not None:
            rows = results[budgets_at] if lock_counters else _rows_from_arrays(results[budgets_at])
            budgets = self._budgets(organization_id, targets, rows, lock=lock_counters, create=deciding)
        return Inputs(
            cap_usage=_cap_usage(results[caps_at]) if caps_at is not None else None,
            budgets=budgets,
            customer=found,
            answer=StoredAnswer(*results[answer_at][0])
            if answer_at is not None and results[answer_at]
            else None,
        )

    def _budgets(self, organization_id, targets, rows, *, lock: bool, create: bool) -> list[BudgetState]:
        found = _by_key(rows)
        missing = [target for target in targets if _key(target) not in found]
        if missing and not create:  # nothing spent yet
            return [_state(target, found.get(_key(target))) for target in targets]
        if missing:
            # A remembered counter vanished (e.g. its creating transaction rolled back): create and reread.
            retry = Batch()
            retry.add(*_ensure_counters_statement(organization_id, missing))
            retry.add(_locked_counters_sql(len(targets), lock=lock), _set_params(targets), rows=True)
            found = _by_key(retry.run()[1])
            remember_counters(missing)
        return [_state(target, found[_key(target)]) for target in targets]

    def charge(self, charge: Charge) -> list[BudgetState]:
        """One statement: the counters locked in id order, charged only if every one it must keep
        fits (FITS_SQL), and each counter's spent before and after returned; a refusal leaves the
        transaction usable."""
        states = charge.counters
        if not states or charge.amount <= 0:
            return list(charge.budgets)
        body = (
            "SELECT locked.id, locked.spent, charged.spent FROM locked "
            "LEFT JOIN charged ON charged.id = locked.id ORDER BY locked.id"
        )
        batch = Batch()
        batch.add(*with_parts(_charge_parts(charge), body), rows=True)
        rows = batch.run()[0]
        if any(after is None for _pk, _before, after in rows):
            raise BudgetRefused(first_refused(charge, {pk: as_amount(before) for pk, before, _after in rows}))
        totals = {pk: as_amount(after) for pk, _before, after in rows}
        return [
            BudgetState(target=s.target, spent=totals[s.counter_id], counter_id=s.counter_id)
            if s.counter_id in totals
            else s
            for s in charge.budgets
        ]

    def write(self, record: DecisionWrite, *, charge: Charge | None = None) -> None:
        """One statement: the guarded charge (`guard` raises LW001 unless every counter was charged),
        the decision, its outbox event and stored answer, then the audit entry (its chain head is
        locked after the counters: locks are always taken in that order)."""
        decision = record.decision
        parts = []
        if charge is not None and charge.counters and charge.amount > 0:
            parts += _charge_parts(charge)
            guard = (
                "SELECT leeway_budget_guard(CAST(COUNT(*) AS integer), CAST(%s AS integer)) AS charged "
                "FROM charged"
            )
            parts.append(("guard", guard, [len(charge.counters)]))
        append = audit_append_parts(**record.audit, after="guard" if parts else None)
        parts.append(("decision", *insert_statement(decision)))
        parts.append(("event", *outbox_statement(record.event)))
        if record.answer is not None:
            # The decision's id is not known before the statement runs: the part that inserted it says.
            expressions = {"decision_id": ("(SELECT id FROM decision)", [])}
            parts.append(
                ("answer", *insert_statement(record.answer, returning_pk=False, expressions=expressions))
            )
        parts += append
        writes = Batch()
        writes.add(*with_parts(parts, "SELECT (SELECT id FROM decision), (SELECT seq FROM entry)"), rows=True)
        try:
            decision_id, seq = writes.run()[0][0]
        except DatabaseError as error:
            if is_budget_filled_up(error):
                raise BudgetRefused() from None
            raise
        inserted(decision, decision_id)
        if record.answer is not None:
            record.answer.decision = decision
        if seq is None:  # cannot happen: read_inputs created the head in this transaction if it was missing
            raise RuntimeError(f"organization {decision.organization_id} has no audit chain head")
        audit_chain_known(decision.organization_id)


def is_budget_filled_up(error: BaseException) -> bool:
    """Whether a database error is leeway_budget_guard() refusing a charge."""
    cause = error.__cause__ if error.__cause__ is not None else error
    return getattr(cause, "sqlstate", None) == BUDGET_FILLED_UP_SQLSTATE


def _charge_parts(charge: Charge) -> list[tuple[str, str, list]]:
    """Parts of one statement (`with_parts`): `locked` locks the counters in id order with the cap each
    must keep (NULL: it may be passed), `fits` says whether all of them fit, `charged` charges them
    all if so (RETURNING id, new spent), none otherwise."""
    params = []
    for state in charge.counters:
        params += [state.counter_id, str(state.target.cap) if charge.must_fit(state) else None]
    amount = str(charge.amount)
    locked, fits_all, charged = _charge_sql(len(charge.counters))
    return [("locked", locked, params), ("fits", fits_all, [amount]), ("charged", charged, [amount])]


@caches.memo("decisions.charge_sql", maxsize=16)
def _charge_sql(count: int) -> tuple[str, str, str]:
    counter = _counter_table()
    caps = ", ".join(["(CAST(%s AS bigint), CAST(%s AS numeric))"] * count)
    locked = (
        f"SELECT {counter}.id, {counter}.spent, caps.cap FROM {counter} "
        f"JOIN (VALUES {caps}) AS caps (id, cap) ON caps.id = {counter}.id "
        f"ORDER BY {counter}.id FOR UPDATE OF {counter}"
    )
    condition = FITS_SQL.format(spent="spent", amount="CAST(%s AS numeric)", cap="cap")
    fits_all = f"SELECT COALESCE(bool_and(cap IS NULL OR {condition}), true) AS ok FROM locked"
    charged = (
        f"UPDATE {counter} SET spent = {counter}.spent + CAST(%s AS numeric) FROM locked, fits "
        f"WHERE {counter}.id = locked.id AND fits.ok RETURNING {counter}.id, {counter}.spent"
    )
    return locked, fits_all, charged


def _state(target: BudgetTarget, row: tuple | None) -> BudgetState:
    if row is None:
        return BudgetState(target=target, spent=ZERO)
    return BudgetState(target=target, spent=row[1], counter_id=row[0])


def _pk(customer) -> int:
    return customer if isinstance(customer, int) else customer.pk


def _key(target: BudgetTarget) -> tuple[int, int, str]:
    return (target.budget_id, target.subject_id, str(target.period_start))


def _by_key(rows) -> dict[tuple, tuple]:
    return {
        (budget_id, subject_id, str(start)): (pk, as_amount(spent))
        for pk, budget_id, subject_id, start, spent in rows
    }


def _rows_from_arrays(result) -> list[tuple]:
    arrays = result[0] if result else None
    return list(zip(*arrays, strict=True)) if arrays and arrays[0] is not None else []


def _cap_usage(rows) -> CapUsage:
    count, total = rows[0] if rows else (0, None)
    return CapUsage(count=count or 0, total=ZERO if total is None else as_amount(total))


def _counter_table() -> str:
    return connection.ops.quote_name(BudgetCounter._meta.db_table)


def _set_params(targets: list[BudgetTarget]) -> list:
    return [value for t in targets for value in (t.budget_id, t.subject_id, t.period_start)]


def _set_match(count: int) -> str:
    # OR of equalities (not a VALUES list) so a prepared statement can infer every parameter's type;
    # each is a lookup on the unique (budget, subject, period) index.
    return " OR ".join(["(budget_id = %s AND subject_id = %s AND period_start = %s)"] * count)


@caches.memo("decisions.locked_counters_sql", maxsize=64)
def _locked_counters_sql(count: int, lock: bool = True) -> str:
    """The budget set, locked in id order everywhere (so budget sets never deadlock)."""
    suffix = " FOR UPDATE" if lock else ""
    columns = ", ".join(_COUNTER_COLUMNS)
    return f"SELECT {columns} FROM {_counter_table()} WHERE {_set_match(count)} ORDER BY id{suffix}"


@caches.memo("decisions.counter_arrays_sql", maxsize=64)
def _counter_arrays_sql(count: int) -> str:
    """The budget set unlocked, as one row of arrays, to be read side by side with other one-row reads."""
    columns = ", ".join(f"array_agg({column} ORDER BY id)" for column in _COUNTER_COLUMNS)
    return f"SELECT {columns} FROM {_counter_table()} WHERE {_set_match(count)}"


def _ensure_counters_statement(organization_id: int, targets: list[BudgetTarget]) -> tuple[str, list]:
    """INSERT the missing counter rows (spent 0) of a budget set; existing ones are left alone."""
    params = []
    for target in targets:
        params += [organization_id, target.budget_id, target.subject_id, target.period_start, "0.00"]
    values = ", ".join(["(%s, %s, %s, %s, CAST(%s AS numeric))"] * len(targets))
    sql = (
        f"INSERT INTO {_counter_table()} (organization_id, budget_id, subject_id, period_start, spent) "
        f"VALUES {values} ON CONFLICT DO NOTHING"
    )
    return sql, params


@caches.memo("decisions.customer_lock_sql", maxsize=1)
def _customer_lock_sql() -> str:
    """FOR NO KEY UPDATE: serialises cap checks on the customer without blocking inserts that reference it."""
    table = connection.ops.quote_name(Customer._meta.db_table)
    return f"SELECT id FROM {table} WHERE id = %s FOR NO KEY UPDATE"


def _customer_lookup_statement(key: CustomerKey, *, lock: bool) -> tuple[str, list]:
    """The customer's row (CUSTOMER_FIELDS), locked like `_customer_lock_sql` when `lock`."""
    return _customer_lookup_sql(lock), [key.organization_id, key.external_id]


@caches.memo("decisions.customer_lookup_sql", maxsize=4)
def _customer_lookup_sql(lock: bool) -> str:
    table = connection.ops.quote_name(Customer._meta.db_table)
    columns = select_columns(Customer, CUSTOMER_FIELDS, table_alias=table)
    suffix = " FOR NO KEY UPDATE" if lock else ""
    return (
        f"SELECT {columns} FROM {table} WHERE {table}.organization_id = %s AND {table}.external_id = %s"
        f"{suffix}"
    )


def _customer_id_sql(customer) -> tuple[str, list]:
    """`customer_id = …` for a customer or, inside the same batch as its lookup, a CustomerKey."""
    if isinstance(customer, CustomerKey):
        table = connection.ops.quote_name(Customer._meta.db_table)
        return (
            f"customer_id = (SELECT id FROM {table} WHERE organization_id = %s AND external_id = %s)",
            [customer.organization_id, customer.external_id],
        )
    return "customer_id = %s", [_pk(customer)]


def _cap_usage_statement(
    organization_id: int, customer, gesture_id: int, rule: GestureRule, now: datetime
) -> tuple[str, list]:
    """Count and sum of approved gestures in the window: read off the partial index decision_customer_caps."""
    table = connection.ops.quote_name(Decision._meta.db_table)
    since = now - timedelta(days=rule.customer_cap_window_days)
    customer_sql, customer_params = _customer_id_sql(customer)
    # The status is part of the text, not a parameter: a prepared (generic) plan can then prove the
    # partial index's predicate and read only this customer's approved rows in the window.
    approved = DecisionStatus.APPROVED.value
    sql = (
        f"SELECT COUNT(id), SUM(base_amount) FROM {table} WHERE organization_id = %s AND {customer_sql} "
        f"AND gesture_id = %s AND status = '{approved}' AND created_at >= %s"
    )
    return sql, [organization_id, *customer_params, gesture_id, since]


def _stored_answer_statement(answer: AnswerKey) -> tuple[str, list]:
    quote = connection.ops.quote_name
    table = quote(IdempotencyRecord._meta.db_table)
    return (
        f"SELECT request_hash, response_status, response_body FROM {table} "
        f"WHERE member_id = %s AND {quote('key')} = %s",
        [answer.member_id, answer.key],
    )
