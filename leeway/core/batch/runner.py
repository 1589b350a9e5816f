"""`Batch`: statements that run together, in order, in one round trip on PostgreSQL."""

import time

import psycopg
from django.conf import settings
from django.db import connections

from leeway.core import caches
from leeway.core.batch.statements import native_placeholders, side_by_side, split_side_by_side


class Batch:
    """Statements that run together, in order: `add()` each, then `run()` once.

    `LEEWAY_DB_PREPARE=false` leaves them unprepared (e.g. behind a transaction-pooling proxy without
    prepared-statement support, where sessions are shared).
    """

    def __init__(self, using: str = "default"):
        self.using = using
        self.statements: list[tuple[str, list, bool, bool]] = []

    def __len__(self) -> int:
        return len(self.statements)

    def add(self, sql: str, params=(), *, rows: bool = False, single: bool = False) -> int:
        """Queue one statement (`%s` placeholders); with `rows`, `run()` returns its rows.

        `single` marks a SELECT of at most one row (its rows are returned): on PostgreSQL, consecutive
        single SELECTs are sent as one statement (`side_by_side`), each still getting its own result.
        """
        self.statements.append((sql, list(params), rows or single, single))
        return len(self.statements) - 1

    def run(self) -> list[list[tuple] | None]:
        """Execute everything; the result has one entry per statement: its rows, or None."""
        if not self.statements:
            return []
        connection = connections[self.using]
        if connection.vendor != "postgresql":
            with connection.cursor() as cursor:
                results = []
                for sql, params, rows, _single in self.statements:
                    cursor.execute(sql, params)
                    results.append(cursor.fetchall() if rows else None)
                return results
        sent = _side_by_side_groups(self.statements)
        started = time.monotonic()
        # Django's cursor opens (or health-checks) the connection and checks the thread, as for any
        # query; the statements themselves go through psycopg's own connection.
        with connection.cursor() as cursor:
            connection.validate_no_broken_transaction()
            with connection.wrap_database_errors:
                results = _pipelined(cursor.connection, sent)
        if connection.queries_logged:  # one round trip, one entry (assertNumQueries, debug toolbar)
            connection.queries_log.append(
                {"sql": ";\n".join(sql for sql, *_rest in sent), "time": f"{time.monotonic() - started:.3f}"}
            )
        return results


def _pipelined(raw: psycopg.Connection, sent: list[tuple[str, list, bool, int | None]]) -> list:
    """Run `sent` in psycopg's pipeline mode: one round trip, results read once the pipeline synced.

    Inside a transaction psycopg opens it with the first statement (its BEGIN travels with them);
    the first failure is raised when the pipeline syncs, after which the transaction has failed and
    the connection is still usable.
    """
    prepare = bool(getattr(settings, "LEEWAY_DB_PREPARE", True))
    kept = _kept_cursors(raw)
    # A cursor holds the result of its last statement: each statement whose rows are read gets its
    # own; the others share the first (their errors still raise when the pipeline syncs).
    wanted = sum(1 for _sql, _params, rows, _parts in sent if rows)
    while len(kept) < wanted + 1:
        kept.append(psycopg.RawCursor(raw))
    readers = iter(kept[1:])
    cursors = []
    with raw.pipeline():
        for sql, params, rows, _parts in sent:
            cursor = next(readers) if rows else kept[0]
            cursor.execute(native_placeholders(sql), params, prepare=prepare)
            cursors.append(cursor)
    results: list = []
    for cursor, (_sql, _params, rows, parts) in zip(cursors, sent, strict=True):
        if parts is not None:
            names = [column.name for column in cursor.description]
            results.extend(split_side_by_side(names, cursor.fetchall(), parts))
        else:
            results.append(cursor.fetchall() if rows else None)
    return results


# The cursors each psycopg connection's batches run on, reused batch after batch, as a driver keeps
# its statement handles: a new cursor starts a new Transformer, which looks up every parameter type's
# dumper and every column type's loader again (bench/README.md, "Public APIs only": 6.13 → 5.93 M
# instructions per decision with the cursors kept). A connection
# belongs to one thread. A cursor refers to its connection, so the entries of closed connections are
# dropped when a new connection's are added (a weak mapping would never let them go).
_CURSORS: dict[psycopg.Connection, list[psycopg.RawCursor]] = {}
caches.register("batch.cursors", _CURSORS.clear)


def _kept_cursors(raw: psycopg.Connection) -> list[psycopg.RawCursor]:
    kept = _CURSORS.get(raw)
    if kept is None:
        for closed in [connection for connection in _CURSORS if connection.closed]:
            del _CURSORS[closed]
        kept = _CURSORS[raw] = []
    return kept


def _side_by_side_groups(statements) -> list[tuple[str, list, bool, int | None]]:
    """The statements to send: runs of two or more consecutive `single` SELECTs become one.

    Each entry is (sql, params, rows wanted, parts): `parts` is how many SELECTs a side-by-side
    statement holds, None for a statement sent as it was added.
    """
    sent, run = [], []

    def flush():
        if len(run) == 1:
            sql, params, rows, _single = run[0]
            sent.append((sql, params, rows, None))
        elif run:
            joined = side_by_side([(sql, params) for sql, params, _rows, _single in run])
            sent.append((*joined, True, len(run)))
        run.clear()

    for statement in statements:
        if statement[3]:
            run.append(statement)
            continue
        flush()
        sent.append((*statement[:3], None))
    flush()
    return sent
