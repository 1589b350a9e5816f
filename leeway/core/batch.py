"""Hand-written statements sent in as few round trips as the database allows.

The decision hot path runs a dozen small statements per request; building them
with the ORM and sending them one at a time cost more than the work they do.
A `Batch` collects statements and runs them in order inside the caller's
transaction. On PostgreSQL they go through psycopg with server-side binding
in pipeline mode: the whole batch is one round trip (the transaction's BEGIN
travels with the first one), parameters are sent apart from the SQL instead of
being quoted into it, and psycopg prepares each statement the first time it runs
on a connection, so PostgreSQL stops parsing and planning it. Elsewhere
(SQLite) the statements run one by one through Django's cursor. Either way the
first failure raises Django's database exception, leaving the transaction to
roll back as a whole.

`insert_statement(obj)` builds the INSERT that `obj.save(force_insert=True)`
would send, with the same value preparation (`pre_save`, `get_db_prep_save`),
without the ORM's query compiler; `instance_from_row()` turns a hand-selected
row into a model instance with the same converters the ORM applies.
"""

import re
import time

from django.conf import settings
from django.db import connections, models

try:  # psycopg 3 is the project's driver
    import psycopg
except ImportError:  # pragma: no cover - psycopg is a dependency
    psycopg = None

_PIPELINE = psycopg is not None and psycopg.Pipeline.is_supported()


class Batch:
    """Statements that run together, in order: `add()` each, then `run()` once.

    `LEEWAY_DB_PREPARE=false` leaves them unprepared (e.g. behind a transaction-pooling proxy without
    prepared-statement support, where sessions are shared).
    """

    def __init__(self, using: str = "default"):
        self.using = using
        self.statements: list[tuple[str, list, bool]] = []

    def __len__(self) -> int:
        return len(self.statements)

    def add(self, sql: str, params=(), *, rows: bool = False) -> int:
        """Queue one statement (`%s` placeholders); with `rows`, `run()` returns its rows."""
        self.statements.append((sql, list(params), rows))
        return len(self.statements) - 1

    def run(self, *, commit: bool = False) -> list[list[tuple] | None]:
        """Execute everything; the result has one entry per statement: its rows, or None.

        With `commit`, the transaction's COMMIT goes in the same round trip on PostgreSQL, when this
        runs in an outermost `transaction.atomic()` that is about to end (the block's own commit then
        has nothing left to do; a failed COMMIT raises here, inside the block, which rolls back). In
        a nested block (a savepoint, or a test's transaction) the block commits as usual.
        """
        connection = connections[self.using]
        if not self.statements:
            return []
        # Django's cursor opens (or health-checks) the connection and refuses a broken transaction.
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql" or psycopg is None:
                results = []
                for sql, params, rows in self.statements:
                    cursor.execute(sql, params)
                    results.append(cursor.fetchall() if rows else None)
                return results
            raw = cursor.cursor.connection
        if raw.prepare_threshold is None and getattr(settings, "LEEWAY_DB_PREPARE", True):
            # Django leaves psycopg's prepared statements off; its own (client-side binding) cursors
            # never prepare, so this only lets these statements be prepared on their first run.
            raw.prepare_threshold = 0
        started = time.monotonic()
        with connection.wrap_database_errors:
            cursors = [psycopg.RawCursor(raw) for _statement in self.statements]
            commit = commit and _outermost_atomic(connection)
            if _PIPELINE and (len(self.statements) > 1 or commit):
                with raw.pipeline():
                    for each, (sql, params, _rows) in zip(cursors, self.statements, strict=True):
                        each.execute(native_placeholders(sql), params)
                    if commit:
                        raw.commit()  # queued behind the statements; Django's commit then finds nothing to do
            else:
                for each, (sql, params, _rows) in zip(cursors, self.statements, strict=True):
                    each.execute(native_placeholders(sql), params)
            results = [
                each.fetchall() if rows else None
                for each, (_sql, _params, rows) in zip(cursors, self.statements, strict=True)
            ]
        if connection.queries_logged:  # one round trip, one entry (assertNumQueries, debug toolbar)
            connection.queries_log.append(
                {
                    "sql": ";\n".join(sql for sql, _params, _rows in self.statements),
                    "time": f"{time.monotonic() - started:.3f}",
                }
            )
        return results


_PLACEHOLDER = re.compile(r"%(.)", re.DOTALL)
_NATIVE: dict[str, str] = {}
_NATIVE_LIMIT = 2000  # distinct statements; the hot path has a few dozen


def native_placeholders(sql: str) -> str:
    """`sql` with PostgreSQL's own `$1, $2, …` for Django's `%s` (and `%` for `%%`), converted once.

    psycopg's ordinary cursor parses every query for its `%s`, and caches the result only for
    queries under 4,096 characters and 50 parameters: a statement made of several parts is longer,
    and parsing it again on each request was about a tenth of a decision's CPU. `Batch` therefore
    sends the converted text through psycopg's raw cursor, which passes it as it is.
    """
    native = _NATIVE.get(sql)
    if native is None:
        number = 0

        def replace(match: re.Match) -> str:
            nonlocal number
            if match.group(1) == "%":
                return "%"
            if match.group(1) != "s":
                raise ValueError(f"only %s placeholders are supported: {sql[:200]}")
            number += 1
            return f"${number}"

        native = _PLACEHOLDER.sub(replace, sql)
        if len(_NATIVE) >= _NATIVE_LIMIT:
            _NATIVE.clear()
        _NATIVE[sql] = native
    return native


def with_parts(parts: list[tuple[str, str, list]], body: str, params=()) -> tuple[str, list]:
    """One statement from named parts: `WITH name AS (sql), … body` (PostgreSQL).

    Several writes then cost one statement instead of one each: one parse, bind and execute in the
    database, one result for the driver. PostgreSQL runs every data-modifying part exactly once,
    whether or not the body reads it, all on one snapshot; a part sees what another wrote only
    through what it RETURNs (`(SELECT id FROM name)`), and a part that must come after another
    reads from it (a part referenced by the body or another part runs when first read).
    """
    names = [name for name, _sql, _params in parts]
    if len(set(names)) != len(names):
        raise ValueError(f"parts must have distinct names: {names}")
    sql = "WITH " + ", ".join(f"{name} AS ({part})" for name, part, _params in parts) + " " + body
    values: list = []
    for _name, _sql, part_params in parts:
        values.extend(part_params)
    values.extend(params)
    return sql, values


def _outermost_atomic(connection) -> bool:
    """Inside exactly one atomic block, which is a real transaction (not a savepoint or a test's)."""
    blocks = connection.atomic_blocks
    return (
        connection.in_atomic_block
        and len(blocks) == 1
        and not getattr(blocks[0], "_from_testcase", False)
        and not connection.savepoint_ids
        and not connection.needs_rollback
    )


_INSERT_COLUMNS: dict[tuple[str, type], tuple[str, list]] = {}


# Field types whose value, when it is exactly an int, str, bool or None, is the database value as is
# (Django's get_db_prep_save would hand it back unchanged): saving them skips the field machinery.
_PLAIN_FIELDS = frozenset(
    {
        models.AutoField,
        models.BigAutoField,
        models.SmallAutoField,
        models.IntegerField,
        models.BigIntegerField,
        models.SmallIntegerField,
        models.PositiveIntegerField,
        models.PositiveBigIntegerField,
        models.PositiveSmallIntegerField,
        models.CharField,
        models.TextField,
        models.BooleanField,
    }
)
_PLAIN_VALUES = frozenset({int, str, bool, type(None)})


def _insert_columns(connection, model) -> tuple[str, list]:
    key = (connection.alias, model)
    cached = _INSERT_COLUMNS.get(key)
    if cached is None:
        quote = connection.ops.quote_name
        fields = [
            (field, quote(field.column), _is_plain(field)) for field in model._meta.local_concrete_fields
        ]
        cached = (quote(model._meta.db_table), fields)
        _INSERT_COLUMNS[key] = cached
    return cached


def _is_plain(field) -> bool:
    if isinstance(field, models.ForeignKey):
        return _is_plain(field.target_field)
    # Subclasses may convert (e.g. a CharField storing something else); only Django's own types qualify.
    return type(field) in _PLAIN_FIELDS and field.pre_save.__func__ is models.Field.pre_save


def insert_statement(
    obj, *, returning_pk: bool = True, expressions: dict | None = None, using: str = "default"
) -> tuple[str, list]:
    """The INSERT that saving `obj` would run (auto primary key left to the database; `RETURNING id`).

    `expressions` maps an attname to `(sql, params)` computed by the database instead, e.g. the id of
    a row inserted earlier in the same batch. Call `inserted(obj, pk)` with the returned id.
    """
    connection = connections[using]
    table, fields = _insert_columns(connection, type(obj))
    columns, values, params = [], [], []
    for field, column, plain in fields:
        if field.primary_key and getattr(obj, field.attname) is None:
            continue
        columns.append(column)
        if expressions and field.attname in expressions:
            sql, extra = expressions[field.attname]
            values.append(sql)
            params.extend(extra)
            continue
        values.append("%s")
        if plain:
            value = getattr(obj, field.attname)
            if type(value) in _PLAIN_VALUES:
                params.append(value)
                continue
        params.append(field.get_db_prep_save(field.pre_save(obj, True), connection=connection))
    pk_column = connection.ops.quote_name(obj._meta.pk.column)
    returning = f" RETURNING {pk_column}" if returning_pk else ""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(values)}){returning}", params


def inserted(obj, pk, *, using: str = "default"):
    """Mark `obj` as saved with primary key `pk` (what `save()` would have done)."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = using
    return obj


# --- Reading rows into model instances without the query compiler.

_COLUMNS: dict[tuple, tuple[str, list]] = {}


def select_columns(model, attnames, *, table_alias: str, using: str = "default") -> str:
    """`alias."col", …` for these fields (by attname), to write a SELECT by hand."""
    connection = connections[using]
    quote = connection.ops.quote_name
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    return ", ".join(f"{table_alias}.{quote(by_attname[name].column)}" for name in attnames)


def concrete_attnames(model) -> list[str]:
    """Every concrete field's attname, in model order (what `from_db` takes on its fast path)."""
    return [field.attname for field in model._meta.concrete_fields]


def _converters(connection, model, attnames: tuple) -> list:
    key = (connection.alias, model, attnames)
    cached = _COLUMNS.get(key)
    if cached is None:
        by_attname = {field.attname: field for field in model._meta.concrete_fields}
        cached = []
        for index, name in enumerate(attnames):
            field = by_attname[name]
            column = field.get_col(model._meta.db_table)
            functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if functions:
                cached.append((index, functions, column))
        _COLUMNS[key] = cached
    return cached


def instance_from_row(model, attnames, values, *, using: str = "default"):
    """A model instance from a hand-selected row, converted exactly as the ORM would (e.g. SQLite dates).

    Fields not in `attnames` are deferred, as with `only()`.
    """
    connection = connections[using]
    attnames = tuple(attnames)
    converters = _converters(connection, model, attnames)
    if converters:
        values = list(values)
        for index, functions, column in converters:
            value = values[index]
            for function in functions:
                value = function(value, column, connection)
            values[index] = value
    return model.from_db(using, list(attnames), values)
