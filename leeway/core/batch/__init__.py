"""Hand-written statements sent in as few round trips as the database allows.

The decision hot path runs a handful of small statements per request; sent one at a time through
the ORM, the round trips and the query compiler cost more than the work they do. A `Batch`
collects statements and runs them in order inside the caller's transaction:

- on PostgreSQL, through psycopg's documented pipeline mode (`Connection.pipeline()`): the whole
  batch is one round trip, parameters travel apart from the SQL (`psycopg.RawCursor`, PostgreSQL's
  own `$1` placeholders) and each statement is prepared on the connection (`prepare=True`), so
  PostgreSQL parses and plans it once;
- elsewhere (SQLite), one by one through Django's cursor.

Either way the first failure raises Django's database exception and leaves the transaction to roll
back as a whole. `statements` builds the SQL (parts of one statement, reads side by side);
`rows` turns model instances into INSERTs and rows back into instances as the ORM would.
"""

from leeway.core.batch.rows import (
    concrete_attnames,
    insert_statement,
    inserted,
    instance_from_row,
    select_columns,
)
from leeway.core.batch.runner import Batch
from leeway.core.batch.statements import native_placeholders, side_by_side, with_parts

__all__ = [
    "Batch",
    "concrete_attnames",
    "insert_statement",
    "inserted",
    "instance_from_row",
    "native_placeholders",
    "select_columns",
    "side_by_side",
    "with_parts",
]
