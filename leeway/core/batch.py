"""Hand-written statements sent in as few round trips as the database allows.

The decision hot path runs a dozen small statements per request; building them
with the ORM and sending them one at a time cost more than the work they do.
A `Batch` collects statements and runs them in order inside the caller's
transaction. On PostgreSQL they go straight through libpq's pipeline mode
(`_pipeline`, with psycopg's C parts for values and rows): the whole batch is
one round trip (the transaction's BEGIN travels with the first one),
parameters are sent apart from the SQL instead of being quoted into it, and
each statement is prepared the first time it runs on a connection, so
PostgreSQL stops parsing and planning it. Elsewhere
(SQLite) the statements run one by one through Django's cursor. Either way the
first failure raises Django's database exception, leaving the transaction to
roll back as a whole.

`insert_statement(obj)` builds the INSERT that `obj.save(force_insert=True)`
would send, with the same value preparation (`pre_save`, `get_db_prep_save`),
without the ORM's query compiler; `instance_from_row()` turns a hand-selected
row into a model instance with the same converters the ORM applies.
"""

import itertools
import re
import time
import uuid
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import connections, models
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute

try:  # psycopg 3 is the project's driver
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg import generators, pq
    from psycopg.adapt import PyFormat, Transformer
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
        if connection.vendor != "postgresql" or not _PIPELINE:
            with connection.cursor() as cursor:
                results = []
                for sql, params, rows, _single in self.statements:
                    cursor.execute(sql, params)
                    results.append(cursor.fetchall() if rows else None)
                return results
        # What Django does before its cursor runs a statement: health-check (or open) the connection,
        # check the thread, refuse a transaction that already failed. Its cursor itself is not needed.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        connection.validate_thread_sharing()
        connection.validate_no_broken_transaction()
        raw = connection.connection
        started = time.monotonic()
        sent = _side_by_side_groups(self.statements)
        commit = commit and _outermost_atomic(connection)
        with connection.wrap_database_errors:
            outcomes = _pipeline(raw, sent, commit=commit)
        results = []
        for (sql, _params, rows, members), (result, values) in zip(sent, outcomes, strict=True):
            if members is not None:
                results.extend(_split_side_by_side(result, values, sql, members))
            else:
                results.append(values if rows else None)
        if connection.queries_logged:  # one round trip, one entry (assertNumQueries, debug toolbar)
            connection.queries_log.append(
                {
                    "sql": ";\n".join(sql for sql, _params, _rows, _members in sent),
                    "time": f"{time.monotonic() - started:.3f}",
                }
            )
        return results


class _Session:
    """What `_pipeline` keeps per psycopg connection: the statements it prepared there ((text,
    parameter types) → name), and one `Transformer`, which, like a psycopg cursor's, remembers the
    dumper it found for each type (looking them up again on every batch cost more than the dumping).
    It lives on the connection object itself (the transformer refers to the connection, so a weak
    mapping keyed by the connection would keep it alive): a closed connection's session goes with
    it, and a new connection starts a new one."""

    __slots__ = ("prepared", "transformer")

    def __init__(self, raw):
        self.prepared: dict[tuple, bytes] = {}
        self.transformer = Transformer(raw)


_SESSION_ATTRIBUTE = "_leeway_batch_session"
_PREPARED_LIMIT = 500  # distinct statements per connection; the hot path has a few dozen
_NAMES = itertools.count()
_OK = frozenset({pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK}) if psycopg else frozenset()


def _pipeline(raw, sent, *, commit: bool) -> list[tuple]:
    """Send `sent` in one round trip straight through libpq's pipeline mode; (result, rows) for each.

    psycopg's own pipeline gives every statement a cursor, a queue entry and a pass through its
    prepared-statement bookkeeping; for these few statements that machinery cost more of a decision's
    CPU than the work it drives. This does what the batches need of it, with psycopg's own C parts:
    its `Transformer` dumps the parameters and loads the rows with the connection's adapters (Django's
    included), its generators flush and fetch. What it takes over from psycopg:

    - the transaction's BEGIN, sent first when psycopg would send it (not in autocommit, no
      transaction open); psycopg reads the transaction's state from libpq, so its commit and
      rollback (Django's) then work as on its own statements;
    - prepared statements: each statement text with its parameter types is prepared the first time
      it runs on a connection (as psycopg's `prepare_threshold=0` would), under a name of its own;
    - errors: the first failure is raised as psycopg would raise it, after every result up to the
      pipeline's sync has been read, so the connection stays usable (the transaction has failed).
    """
    pgconn = raw.pgconn
    session = getattr(raw, _SESSION_ATTRIBUTE, None)
    if session is None:
        session = _Session(raw)
        setattr(raw, _SESSION_ATTRIBUTE, session)
    transformer = session.transformer
    # Dumped before anything is sent: a value psycopg cannot adapt raises with nothing in flight.
    dumped = []
    for _sql, params, _rows, _members in sent:
        if params:
            values = transformer.dump_sequence(params, [PyFormat.AUTO] * len(params))
            dumped.append((values, transformer.types, transformer.formats))
        else:
            dumped.append((None, (), None))
    prepared = session.prepared if getattr(settings, "LEEWAY_DB_PREPARE", True) else None
    # What each command sent answers: None (BEGIN, COMMIT), a prepare (its key), a statement (its index).
    expected: list = []
    pgconn.enter_pipeline_mode()
    try:
        if not raw.autocommit and pgconn.transaction_status == pq.TransactionStatus.IDLE:
            pgconn.send_query_params(_begin_command(raw), None)
            expected.append(None)
        for index, ((sql, *_rest), (values, types, formats)) in enumerate(zip(sent, dumped, strict=True)):
            query = _native_bytes(sql)
            if prepared is None or (len(prepared) >= _PREPARED_LIMIT and (query, types) not in prepared):
                pgconn.send_query_params(query, values, param_types=types, param_formats=formats)
            else:
                name = prepared.get((query, types))
                if name is None:
                    name = prepared[(query, types)] = b"_leeway_%d" % next(_NAMES)
                    pgconn.send_prepare(name, query, param_types=types)
                    expected.append((query, types))
                pgconn.send_query_prepared(name, values, param_formats=formats)
            expected.append(index)
        if commit:
            pgconn.send_query_params(b"COMMIT", None)
            expected.append(None)
        pgconn.pipeline_sync()
        raw.wait(generators.send(pgconn))
        outcomes, error = [], None
        for what in expected:
            result = raw.wait(generators.fetch_many(pgconn))[-1]
            if result.status not in _OK:
                if error is None:
                    error = _error_from(result, raw)
                if isinstance(what, tuple):  # not prepared after all
                    prepared.pop(what, None)
            elif type(what) is int:
                if not sent[what][2]:  # its rows are not wanted
                    outcomes.append((result, None))
                    continue
                try:
                    transformer.set_pgresult(result)
                    outcomes.append((result, transformer.load_rows(0, result.ntuples, tuple)))
                except Exception as failure:  # a value that does not load: raised once all is read
                    error = error or failure
        raw.wait(generators.fetch_many(pgconn))  # the sync
        pgconn.exit_pipeline_mode()
    except BaseException:
        # A broken connection, an interrupt: psycopg would leave it unusable too; leave pipeline mode
        # if libpq lets us, and let Django close it (its errors_occurred).
        if pgconn.pipeline_status:
            try:
                pgconn.exit_pipeline_mode()
            except psycopg.Error:
                pass
        raise
    if error is not None:
        raise error
    return outcomes


def _error_from(result, raw):
    if result.status == pq.ExecStatus.PIPELINE_ABORTED:
        return pg_errors.PipelineAborted("pipeline aborted")
    return pg_errors.error_from_result(result, encoding=raw.info.encoding)


def _begin_command(raw) -> bytes:
    """The BEGIN psycopg would send on this connection (its isolation level and access mode)."""
    parts = ["BEGIN"]
    if raw.isolation_level is not None:
        parts.append("ISOLATION LEVEL " + psycopg.IsolationLevel(raw.isolation_level).name.replace("_", " "))
    if raw.read_only is not None:
        parts.append("READ ONLY" if raw.read_only else "READ WRITE")
    if raw.deferrable is not None:
        parts.append("DEFERRABLE" if raw.deferrable else "NOT DEFERRABLE")
    return " ".join(parts).encode()


# The column that starts each part of a side-by-side statement: true where the part found its row.
_PART_MARK = "leeway_part"


def side_by_side(parts: list[tuple[str, list]]) -> tuple[str, list]:
    """One statement returning one row: the columns of several SELECTs of at most one row each (PostgreSQL).

    Each part's columns come after a marker column, true if that part found a row (NULL if not), so
    the row splits back into one result per part. The parts run on one snapshot, in one parse, bind
    and execute: reads that may share a snapshot cost one statement instead of one each.
    """
    joins = " ".join(
        f"LEFT JOIN (SELECT true AS {_PART_MARK}, * FROM ({sql}) AS part) AS part{index} ON true"
        for index, (sql, _params) in enumerate(parts)
    )
    params = [value for _sql, part_params in parts for value in part_params]
    return f"SELECT * FROM (SELECT) AS leeway_one {joins}", params


def _side_by_side_groups(statements) -> list[tuple[str, list, bool, int | None]]:
    """The statements to send: runs of two or more consecutive `single` SELECTs become one."""
    sent, run = [], []

    def flush():
        if len(run) == 1:
            sql, params, rows, _single = run[0]
            sent.append((sql, params, rows, None))
        elif run:
            sent.append(
                (*side_by_side([(sql, params) for sql, params, _rows, _single in run]), True, len(run))
            )
        run.clear()

    for statement in statements:
        if statement[3]:
            run.append(statement)
            continue
        flush()
        sent.append((*statement[:3], None))
    flush()
    return sent


# Side-by-side statement text → where each part's marker column is (describing the result costs
# more than reading it, and a statement's columns never move).
_PART_STARTS: dict[str, list[int]] = {}


def _split_side_by_side(result, rows: list[tuple], sql: str, parts: int) -> list[list[tuple]]:
    """A side-by-side row back as `parts` results: a list holding the part's row, or an empty list."""
    row = rows[0]
    starts = _PART_STARTS.get(sql)
    if starts is None:
        mark = _PART_MARK.encode()
        starts = [index for index in range(result.nfields) if result.fname(index) == mark]
        if len(_PART_STARTS) >= _NATIVE_LIMIT:
            _PART_STARTS.clear()
        _PART_STARTS[sql] = starts
    if len(starts) != parts:
        raise RuntimeError(f"a side-by-side statement returned {len(starts)} parts, not {parts}")
    results = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(row)
        results.append([tuple(row[start + 1 : end])] if row[start] else [])
    return results


_PLACEHOLDER = re.compile(r"%(.)", re.DOTALL)
# Statement text → (its text with native placeholders, that text encoded for libpq).
_NATIVE: dict[str, tuple[str, bytes]] = {}
_NATIVE_LIMIT = 2000  # distinct statements; the hot path has a few dozen


def native_placeholders(sql: str) -> str:
    """`sql` with PostgreSQL's own `$1, $2, …` for Django's `%s` (and `%` for `%%`), converted once.

    psycopg's ordinary cursor parses every query for its `%s`, and caches the result only for
    queries under 4,096 characters and 50 parameters: a statement made of several parts is longer,
    and parsing it again on each request was about a tenth of a decision's CPU. `Batch` therefore
    converts each text once and sends the converted text to libpq as it is.
    """
    return _native(sql)[0]


def _native_bytes(sql: str) -> bytes:
    """`native_placeholders(sql)`, encoded for libpq (statement texts are ASCII or UTF-8)."""
    return _native(sql)[1]


def _native(sql: str) -> tuple[str, bytes]:
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

        text = _PLACEHOLDER.sub(replace, sql)
        native = (text, text.encode())
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
# pre_save methods that only read the attribute (DateField's does more with auto_now/auto_now_add only).
_PLAIN_PRE_SAVE = frozenset({models.Field.pre_save, models.DateField.pre_save, models.DateTimeField.pre_save})


def _insert_columns(connection, model) -> tuple[str, list]:
    key = (connection.alias, model)
    cached = _INSERT_COLUMNS.get(key)
    if cached is None:
        quote = connection.ops.quote_name
        fields = [
            (field, quote(field.column), _bound_as_is(field, connection))
            for field in model._meta.local_concrete_fields
        ]
        cached = (quote(model._meta.db_table), fields)
        _INSERT_COLUMNS[key] = cached
    return cached


def _plain_value(value) -> bool:
    return type(value) in _PLAIN_VALUES


def _aware_or_none(value) -> bool:
    return value is None or (type(value) is datetime and value.tzinfo is not None)


def _finite_decimal(value) -> bool:
    return type(value) is Decimal and value.is_finite()


def _uuid_or_none(value) -> bool:
    return value is None or type(value) is uuid.UUID


def _bound_as_is(field, connection):
    """A test for the values `field` would bind unchanged on `connection` (so saving them skips the field
    machinery), or None. PostgreSQL's driver takes aware datetimes, Decimals and UUIDs as they are."""
    if _is_plain(field):
        return _plain_value
    if connection.vendor != "postgresql" or field.pre_save.__func__ not in _PLAIN_PRE_SAVE:
        return None
    kind = type(field)
    if kind is models.DateTimeField and settings.USE_TZ and not (field.auto_now or field.auto_now_add):
        return _aware_or_none
    if kind is models.DecimalField:
        return _finite_decimal
    if kind is models.UUIDField and connection.features.has_native_uuid_field:
        return _uuid_or_none
    return None


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
    for field, column, as_is in fields:
        if field.primary_key and getattr(obj, field.attname) is None:
            continue
        columns.append(column)
        if expressions and field.attname in expressions:
            sql, extra = expressions[field.attname]
            values.append(sql)
            params.extend(extra)
            continue
        values.append("%s")
        if as_is is not None:
            value = getattr(obj, field.attname)
            if as_is(value):
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
    if not _plain_construction(model, attnames):
        return model.from_db(using, list(attnames), values)
    # What from_db does for such a model, without Model.__init__'s pass over every field.
    instance = model.__new__(model)
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = using
    instance.__dict__.update(zip(attnames, values, strict=True))
    return instance


def new_instance(model, related: dict | None = None, **values):
    """`model(**values)`, unsaved, without `Model.__init__`'s pass over every field where it may be skipped.

    `values` are by attname (`customer_id`); fields not given take their default. `related` maps a
    foreign key's name to the object it points to: its id is stored and the object cached, as
    `model(customer=obj)` would. Models that `_plain_construction` refuses go through `__init__`.
    """
    related = related or {}
    fields, attnames = _concrete(model)
    if not _plain_construction(model, attnames):
        return model(**values, **related)
    instance = model.__new__(model)
    instance._state = ModelState()
    attributes = instance.__dict__
    for field in fields:
        name = field.attname
        attributes[name] = values.pop(name) if name in values else field.get_default()
    for name, target in related.items():
        field = model._meta.get_field(name)
        attributes[field.attname] = getattr(target, field.target_field.attname)
        field.set_cached_value(instance, target)
    if values:
        raise TypeError(f"{model.__name__} got unexpected fields: {', '.join(values)}")
    return instance


_CONCRETE: dict[type, tuple[tuple, tuple[str, ...]]] = {}


def _concrete(model) -> tuple[tuple, tuple[str, ...]]:
    cached = _CONCRETE.get(model)
    if cached is None:
        fields = tuple(model._meta.concrete_fields)
        cached = _CONCRETE[model] = (fields, tuple(field.attname for field in fields))
    return cached


_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)
_PLAIN_CONSTRUCTION: dict[tuple, bool] = {}


def _plain_construction(model, attnames: tuple) -> bool:
    """Whether an instance of `model` may be built without `__init__`: Django's own `__init__`, no
    pre_init/post_init receivers, and each field a plain attribute (which `__init__` would only store)."""
    key = (model, attnames)
    plain = _PLAIN_CONSTRUCTION.get(key)
    if plain is None:
        plain = model.__init__ is models.Model.__init__ and all(
            type(model.__dict__.get(name)) in _PLAIN_DESCRIPTORS or _inherited_plain(model, name)
            for name in attnames
        )
        _PLAIN_CONSTRUCTION[key] = plain
    if not plain:
        return False
    if not (signals.pre_init.receivers or signals.post_init.receivers):  # none at all: the usual case
        return True
    return not (signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model))


def _inherited_plain(model, name: str) -> bool:
    for klass in model.__mro__:
        if name in klass.__dict__:
            return type(klass.__dict__[name]) in _PLAIN_DESCRIPTORS
    return False
