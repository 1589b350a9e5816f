"""Model instances to hand-written INSERTs and hand-selected rows back to instances, as the ORM would.

`insert_statement(obj)` builds the INSERT that `obj.save(force_insert=True)` would send, with the
same value preparation (`pre_save`, `get_db_prep_save`), so it can ride in a batch or be a part of
one statement; `instance_from_row()` builds an instance with `Model.from_db`, after the converters
the ORM applies to each column (SQLite's dates, JSON text).
"""

from django.db import connections

from leeway.core import caches


@caches.memo("batch.insert_columns", maxsize=256)
def _insert_columns(alias: str, model) -> tuple[str, list]:
    quote = connections[alias].ops.quote_name
    fields = [(field, quote(field.column)) for field in model._meta.local_concrete_fields]
    return quote(model._meta.db_table), fields


def insert_statement(
    obj, *, returning_pk: bool = True, expressions: dict | None = None, using: str = "default"
) -> tuple[str, list]:
    """The INSERT that saving `obj` would run (auto primary key left to the database; `RETURNING id`).

    `expressions` maps an attname to `(sql, params)` computed by the database instead, e.g. the id of
    a row inserted earlier in the same statement. Call `inserted(obj, pk)` with the returned id.
    """
    connection = connections[using]
    table, fields = _insert_columns(using, type(obj))
    columns, values, params = [], [], []
    for field, column in fields:
        if field.primary_key and getattr(obj, field.attname) is None:
            continue
        columns.append(column)
        if expressions and field.attname in expressions:
            sql, extra = expressions[field.attname]
            values.append(sql)
            params.extend(extra)
            continue
        values.append("%s")
        params.append(field.get_db_prep_save(field.pre_save(obj, True), connection=connection))
    pk_column = connection.ops.quote_name(obj._meta.pk.column)
    returning = f" RETURNING {pk_column}" if returning_pk else ""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(values)}){returning}", params


def inserted(obj, pk, *, using: str = "default"):
    """Mark `obj` as saved with primary key `pk`: what `save()` would have done (`Model._state`)."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = using
    return obj


def select_columns(model, attnames, *, table_alias: str, using: str = "default") -> str:
    """`alias."col", …` for these fields (by attname), to write a SELECT by hand."""
    quote = connections[using].ops.quote_name
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    return ", ".join(f"{table_alias}.{quote(by_attname[name].column)}" for name in attnames)


def concrete_attnames(model) -> list[str]:
    """Every concrete field's attname, in model order."""
    return [field.attname for field in model._meta.concrete_fields]


@caches.memo("batch.converters", maxsize=256)
def _converters(alias: str, model, attnames: tuple) -> list:
    """(index, converter functions, column) for the columns the ORM would convert after reading."""
    connection = connections[alias]
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    found = []
    for index, name in enumerate(attnames):
        field = by_attname[name]
        column = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if functions:
            found.append((index, functions, column))
    return found


def instance_from_row(model, attnames, values, *, using: str = "default"):
    """A model instance from a hand-selected row, converted and built as the ORM would (`from_db`).

    Fields not in `attnames` are deferred, as with `only()`.
    """
    connection = connections[using]
    attnames = tuple(attnames)
    converters = _converters(using, model, attnames)
    if converters:
        values = list(values)
        for index, functions, column in converters:
            value = values[index]
            for function in functions:
                value = function(value, column, connection)
            values[index] = value
    return model.from_db(using, list(attnames), list(values))
