"""Where the decision engine meets the database: one interface (`base.DecisionStore`), two stores.

`store()` is the one place that picks: `PostgresStore` on PostgreSQL, `OrmStore` on any other
database (SQLite by default). Services call only the store they are given here.
"""

from django.db import connections

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
)
from leeway.decisions.store.orm import OrmStore
from leeway.decisions.store.postgres import PostgresStore

_STORES = {"postgresql": PostgresStore()}
_ORM = OrmStore()


def store(using: str = "default") -> DecisionStore:
    """The store for this database connection's vendor."""
    return _STORES.get(connections[using].vendor, _ORM)


__all__ = [
    "CUSTOMER_FIELDS",
    "AnswerKey",
    "BudgetRefused",
    "Charge",
    "CustomerKey",
    "DecisionStore",
    "DecisionWrite",
    "Inputs",
    "OrmStore",
    "PostgresStore",
    "StoredAnswer",
    "store",
]
