"""Hand-written statements sent in as few round trips as the database allows.

The decision hot path runs a dozen small statements per request; building them
with the ORM and sending them one at a time cost more than the work they do.
A `Batch` collects statements and runs them in order inside the caller's
transaction. On PostgreSQL with psycopg 3 and Django's default client-side
binding, the statements are joined and sent as one simple-protocol query: the
whole batch is one round trip, and each statement's rows are read in turn. On
other databases (SQLite) they run one by one. Either way the first failure
raises, leaving the transaction to roll back as a whole.

`insert_statement(obj)` builds the INSERT that `obj.save(force_insert=True)`
would send, with the same value preparation (`pre_save`, `get_db_prep_save`),
without the ORM's query compiler; `instance_from_row()` turns a hand-selected
row into a model instance with the same converters the ORM applies.
"""

from django.db import connections

try:  # psycopg 3 is the project's driver; psycopg2 cannot read a batch's results one by one.
    from psycopg import ClientCursor
except ImportError:  # pragma: no cover - psycopg is a dependency
    ClientCursor = None


def _one_round_trip(connection, cursor) -> bool:
    return (
        connection.vendor == "postgresql"
        and ClientCursor is not None
        and isinstance(getattr(cursor, "cursor", None), ClientCursor)
    )


class Batch:
    """Statements that run together, in order: `add()` each, then `run()` once."""

    def __init__(self, using: str = "default"):
        self.using = using
        self.statements: list[tuple[str, list, bool]] = []

    def __len__(self) -> int:
        return len(self.statements)

    def add(self, sql: str, params=(), *, rows: bool = False) -> int:
        """Queue one statement (`%s` placeholders); with `rows`, `run()` returns its rows."""
        self.statements.append((sql, list(params), rows))
        return len(self.statements) - 1

    def extend(self, statements) -> None:
        for sql, params in statements:
            self.add(sql, params)

    def run(self) -> list[list[tuple] | None]:
        """Execute everything; the result has one entry per statement: its rows, or None."""
        connection = connections[self.using]
        results: list[list[tuple] | None] = []
        if not self.statements:
            return results
        with connection.cursor() as cursor:
            if len(self.statements) > 1 and _one_round_trip(connection, cursor):
                cursor.execute(
                    ";\n".join(sql for sql, _params, _rows in self.statements),
                    [value for _sql, params, _rows in self.statements for value in params],
                )
                for index, (_sql, _params, rows) in enumerate(self.statements):
                    if index:
                        cursor.nextset()
                    results.append(cursor.fetchall() if rows else None)
            else:
                for sql, params, rows in self.statements:
                    cursor.execute(sql, params)
                    results.append(cursor.fetchall() if rows else None)
        return results


_INSERT_COLUMNS: dict[tuple[str, type], tuple[str, list]] = {}


def _insert_columns(connection, model) -> tuple[str, list]:
    key = (connection.alias, model)
    cached = _INSERT_COLUMNS.get(key)
    if cached is None:
        quote = connection.ops.quote_name
        fields = [(field, quote(field.column)) for field in model._meta.local_concrete_fields]
        cached = (quote(model._meta.db_table), fields)
        _INSERT_COLUMNS[key] = cached
    return cached


def insert_statement(obj, *, returning_pk: bool = True, using: str = "default") -> tuple[str, list]:
    """The INSERT that saving `obj` would run (auto primary key left to the database; `RETURNING id`).

    Call `inserted(obj, pk)` with the returned id once it has run.
    """
    connection = connections[using]
    table, fields = _insert_columns(connection, type(obj))
    columns, params = [], []
    for field, column in fields:
        if field.primary_key and getattr(obj, field.attname) is None:
            continue
        columns.append(column)
        params.append(field.get_db_prep_save(field.pre_save(obj, True), connection=connection))
    pk_column = connection.ops.quote_name(obj._meta.pk.column)
    returning = f" RETURNING {pk_column}" if returning_pk else ""
    placeholders = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}){returning}", params


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
