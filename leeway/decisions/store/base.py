"""The store interface: everything the decision engine asks of the database, in three calls.

`read_inputs` reads what judging needs (the customer, their cap usage, the budget counters, a stored
answer), `charge` adds an amount to a budget set or refuses it, `write` records a decision with its
outbox event, stored answer and audit entry. The rules (`leeway.decisions.judging.evaluate`) stay
pure functions of what `read_inputs` returned; the services (create, approvals, the overdue sweep)
call only a store. Two implementations: `postgres.PostgresStore` (hand-written statements in
psycopg pipeline batches, the charge guarded inside the write's one statement) and `orm.OrmStore`
(Django's ORM: SQLite and any other database). `leeway.decisions.store.store()` picks one.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from leeway.core import caches
from leeway.core.models import OutboxEvent
from leeway.decisions.judging.rules import CENT, BudgetState, BudgetTarget, CapUsage
from leeway.decisions.models import Decision, IdempotencyRecord
from leeway.policy.budgets import fits
from leeway.policy.snapshot import GestureRule

# What a decision needs of its customer (the console and the API name customers by external id).
CUSTOMER_FIELDS = ("id", "organization_id", "external_id", "name", "language")


@dataclass(frozen=True)
class CustomerKey:
    """A customer named by its organization and external id, not yet looked up."""

    organization_id: int
    external_id: str


@dataclass(frozen=True)
class StoredAnswer:
    """What an Idempotency-Key answered the first time."""

    request_hash: str
    status: int
    body: str


@dataclass(frozen=True)
class AnswerKey:
    """Whose stored answer to read with the inputs: a member's Idempotency-Key."""

    member_id: int
    key: str


@dataclass(frozen=True)
class Inputs:
    """What `read_inputs` read: cap usage (None without caps), the budget set, the customer, an answer."""

    cap_usage: CapUsage | None
    budgets: list[BudgetState]
    customer: Any = None  # the customers.Customer looked up by CustomerKey (None if there is none)
    answer: StoredAnswer | None = None


@dataclass(frozen=True)
class Charge:
    """An amount to add to every counter of a budget set (read by `read_inputs`)."""

    budgets: list[BudgetState]
    amount: Decimal
    # A lead's approval may pass the agent's authority (caps of kind AUTHORITY), never a hard cap.
    past_authority: bool = False

    def must_fit(self, state: BudgetState) -> bool:
        """Whether this charge is refused unless `state`'s counter stays within its cap."""
        return not (self.past_authority and not state.target.is_hard_cap)

    @property
    def counters(self) -> list[BudgetState]:
        return [state for state in self.budgets if state.counter_id is not None]


@dataclass
class DecisionWrite:
    """Everything recording a decision writes: the decision, its outbox event, stored answer, audit entry."""

    decision: Decision
    event: OutboxEvent
    audit: dict  # audit_record's keyword arguments
    answer: IdempotencyRecord | None = None


class BudgetRefused(Exception):
    """A charge that would pass a cap it must keep: nothing was charged.

    `budget` is the first counter that did not fit, as it stood under its lock, when the store
    knows it (a charge refused inside `write` on PostgreSQL aborts the statement before it can say).
    """

    def __init__(self, budget: BudgetState | None = None):
        super().__init__(budget)
        self.budget = budget


class DecisionStore(ABC):
    """The database side of deciding. Call every method inside the caller's transaction."""

    @abstractmethod
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
        """Read a decision's inputs in a constant number of queries, whatever the history.

        `customer` is an id, a Customer, or a CustomerKey (then it is looked up and returned).
        `targets` are the budget set's counters; missing counter rows are created (spent 0).
        With `deciding`, the customer is locked when the rule has per-customer caps (cap checks on
        one customer are serialised), and the budget set's counters are locked in id order unless
        `optimistic` (then `write` refuses a charge that no longer fits). Without it (previews)
        nothing is locked.
        """

    @abstractmethod
    def charge(self, charge: Charge) -> list[BudgetState]:
        """Add the amount to every counter of the set, locking them in id order; the new totals.

        Refused whole (BudgetRefused, nothing charged) unless every counter it must keep
        (`Charge.must_fit`) stays within its cap (`leeway.policy.budgets.fits`). A refusal leaves
        the transaction usable.
        """

    @abstractmethod
    def write(self, record: DecisionWrite, *, charge: Charge | None = None) -> None:
        """Insert the decision, its outbox event and stored answer, append its audit entry; first
        `charge` it (as `charge` does). Refused (BudgetRefused), nothing of it is written, and the
        transaction must roll back (on PostgreSQL the refused statement aborts it).
        """


# Counters this process has seen exist. Only an optimisation: a missing row is detected after
# reading and created then, so a stale entry costs one retry.
_KNOWN_COUNTERS: set[tuple[int, int, date]] = set()
caches.register("decisions.known_counters", _KNOWN_COUNTERS.clear)
_KNOWN_COUNTERS_LIMIT = 50_000


def unknown_counters(targets: list[BudgetTarget]) -> list[BudgetTarget]:
    """The targets whose counter row this process has not seen exist."""
    return [target for target in targets if target.key not in _KNOWN_COUNTERS]


def remember_counters(targets: list[BudgetTarget]) -> None:
    if len(_KNOWN_COUNTERS) > _KNOWN_COUNTERS_LIMIT:
        _KNOWN_COUNTERS.clear()
    _KNOWN_COUNTERS.update(target.key for target in targets)


def forget_counters(targets: list[BudgetTarget]) -> None:
    _KNOWN_COUNTERS.difference_update(target.key for target in targets)


def has_caps(rule: GestureRule | None) -> bool:
    return rule is not None and (rule.customer_cap_count is not None or rule.customer_cap_amount is not None)


def as_amount(value) -> Decimal:
    # PostgreSQL returns Decimal; SQLite keeps numeric columns as REAL/INTEGER.
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(CENT)


def first_refused(charge: Charge, spent: dict[int, Decimal]) -> BudgetState | None:
    """The first counter (by id) that this charge must keep and would pass, at `spent` (id → spent).

    Where the stores decide in Python whether a charge fits (the PostgreSQL store's guard decides
    the same in SQL, `leeway.policy.budgets.FITS_SQL`).
    """
    for state in sorted(charge.counters, key=lambda s: s.counter_id):
        now_spent = spent[state.counter_id]
        if charge.must_fit(state) and not fits(spent=now_spent, amount=charge.amount, cap=state.target.cap):
            return BudgetState(target=state.target, spent=now_spent, counter_id=state.counter_id)
    return None
