"""Batches (leeway.core.batch) send exactly what the ORM would save and read back what it would read."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leeway.core.batch import (
    Batch,
    insert_statement,
    inserted,
    instance_from_row,
    native_placeholders,
    side_by_side,
    with_parts,
)
from leeway.core.models import AuditChain, OutboxEvent
from leeway.customers.models import Customer
from leeway.decisions.models import Decision, DecisionStatus

pytestmark = pytest.mark.django_db


def orm_params(obj) -> list:
    """What Model.save() would bind for every column insert_statement writes."""
    return [
        field.get_db_prep_save(field.pre_save(obj, True), connection=connection)
        for field in obj._meta.local_concrete_fields
        if not (field.primary_key and getattr(obj, field.attname) is None)
    ]


def comparable(values) -> list:
    # JSON values are wrapped by an adapter (a new object each time); compare what they hold.
    return [getattr(value, "obj", getattr(value, "adapted", value)) for value in values]


@time_machine.travel("2026-11-22 10:00:00+00:00", tick=False)  # created_at is set on saving
def test_the_fast_path_binds_what_the_orm_would(aurora):
    event = OutboxEvent(organization_id=aurora.pk, topic=DecisionStatus.APPROVED, payload={"a": [1, "b"]})
    _sql, params = insert_statement(event)
    assert comparable(params) == comparable(orm_params(event))
    chain = AuditChain(organization_id=aurora.pk, last_seq=7, last_hash="ab" * 32)
    assert insert_statement(chain)[1] == orm_params(chain)


def test_datetimes_decimals_and_uuids_bind_what_the_orm_would(aurora):
    """On PostgreSQL they are bound as they are; elsewhere through the fields. Either way as save() would."""
    from datetime import datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 11, 22, 9, 30, 15, 123456, tzinfo=ZoneInfo("America/Toronto"))
    decision = Decision(
        organization_id=aurora.pk,
        customer_id=1,
        agent_id=2,
        gesture_id=3,
        policy_version_id=4,
        amount=Decimal("12.50"),
        base_amount=Decimal("9.13"),
        currency="CAD",
        base_currency="USD",
        created_at=moment,
        due_at=None,
        decided_at=moment,
        reasons=[{"code": "green_limit", "ok": True}],
    )
    _sql, params = insert_statement(decision)
    assert comparable(params) == comparable(orm_params(decision))
    if connection.vendor == "postgresql":
        assert decision.public_id in params and Decimal("12.50") in params and moment in params


def test_rows_inserted_by_hand_read_back_as_the_orm_saved_them(aurora):
    event = OutboxEvent(organization_id=aurora.pk, topic="decision.approved", payload={"amount": "1.50"})
    batch = Batch()
    at = batch.add(*insert_statement(event), rows=True)
    inserted(event, batch.run()[at][0][0])
    stored = OutboxEvent.objects.get(pk=event.pk)
    assert (stored.organization_id, stored.topic, stored.payload, stored.attempts) == (
        aurora.pk,
        "decision.approved",
        {"amount": "1.50"},
        0,
    )
    assert stored.created_at is not None and stored.delivered_at is None


def test_placeholders_become_postgresqls_own_in_order():
    sql = "SELECT %s, '100%%', %s FROM t WHERE a = %s"
    assert native_placeholders(sql) == "SELECT $1, '100%', $2 FROM t WHERE a = $3"
    assert native_placeholders(sql) is native_placeholders(sql), "converted once"
    with pytest.raises(ValueError):
        native_placeholders("SELECT %(name)s")


def test_parts_make_one_statement_with_their_parameters_in_order():
    sql, params = with_parts(
        [("a", "SELECT %s AS x", [1]), ("b", "SELECT x + %s AS y FROM a", [2])], "SELECT y, %s FROM b", [3]
    )
    assert sql == "WITH a AS (SELECT %s AS x), b AS (SELECT x + %s AS y FROM a) SELECT y, %s FROM b"
    assert params == [1, 2, 3]
    with pytest.raises(ValueError):
        with_parts([("a", "SELECT 1", []), ("a", "SELECT 2", [])], "SELECT 1")


def test_a_statement_of_parts_runs_every_part_once(aurora):
    """Data-modifying parts run whether or not the body reads them; a later part reads an earlier one."""
    first = OutboxEvent(organization_id=aurora.pk, topic="first", payload={})
    second = OutboxEvent(organization_id=aurora.pk, topic="second", payload={})
    sql, params = with_parts(
        [("one", *insert_statement(first)), ("two", *insert_statement(second, returning_pk=False))],
        "SELECT (SELECT id FROM one)",
    )
    if connection.vendor != "postgresql":
        pytest.skip("data-modifying WITH is PostgreSQL's")
    batch = Batch()
    batch.add(sql, params, rows=True)
    [[(first_id,)]] = batch.run()
    assert list(OutboxEvent.objects.order_by("id").values_list("topic", flat=True)) == ["first", "second"]
    assert OutboxEvent.objects.get(pk=first_id).topic == "first"


def test_single_row_reads_each_get_their_own_result_whether_or_not_they_are_sent_as_one(aurora):
    """Consecutive `single` SELECTs are one statement on PostgreSQL; every database answers the same."""
    AuditChain.objects.create(organization_id=aurora.pk, last_seq=3, last_hash="cd" * 32)
    table = connection.ops.quote_name(AuditChain._meta.db_table)
    batch = Batch()
    found = batch.add(
        f"SELECT last_seq, last_hash FROM {table} WHERE organization_id = %s", [aurora.pk], single=True
    )
    missing = batch.add(f"SELECT last_seq FROM {table} WHERE organization_id = %s", [-1], single=True)
    counted = batch.add(f"SELECT COUNT(*) FROM {table} WHERE last_seq > %s", [2], single=True)
    plain = batch.add("SELECT 7")  # not single: ends the run of single reads
    alone = batch.add(f"SELECT last_seq FROM {table} WHERE organization_id = %s", [aurora.pk], single=True)
    with CaptureQueriesContext(connection) as queries:
        results = batch.run()
    assert results[found] == [(3, "cd" * 32)]
    assert results[missing] == []
    assert results[counted] == [(1,)]
    assert results[plain] is None
    assert results[alone] == [(3,)]
    if connection.vendor == "postgresql":
        sent = queries.captured_queries[-1]["sql"].split(";\n")
        assert len(sent) == 3, "three single reads side by side, then two statements"
        assert sent[0].startswith("SELECT * FROM (SELECT) AS leeway_one")


def test_a_side_by_side_statement_marks_where_each_part_starts():
    sql, params = side_by_side([("SELECT a, b FROM t WHERE x = %s", [1]), ("SELECT COUNT(*) FROM u", [])])
    assert params == [1]
    assert sql.count("leeway_part") == 2 and sql.count("ON true") == 2


def test_an_instance_built_from_a_row_is_what_from_db_builds(aurora):
    """instance_from_row builds with from_db: same attributes, state and deferred fields."""
    customer = Customer.objects.create(organization=aurora, external_id="C-7", name="Ada", language="es")
    names = ("id", "organization_id", "external_id", "name")
    row = (customer.pk, aurora.pk, "C-7", "Ada")
    built = instance_from_row(Customer, names, row)
    expected = Customer.from_db("default", list(names), row)
    assert {k: v for k, v in vars(built).items() if k != "_state"} == {
        k: v for k, v in vars(expected).items() if k != "_state"
    }
    assert (built._state.adding, built._state.db) == (False, "default")
    assert built.get_deferred_fields() == expected.get_deferred_fields()
    assert "language" in built.get_deferred_fields() and "name" not in built.get_deferred_fields()
    assert built.language == "es", "a deferred field loads on access, as with only()"
    assert built.organization == aurora


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("the pipeline runner is PostgreSQL's")


def _prepared_on_server() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return dict(cursor.fetchall())


@pytest.mark.postgres
def test_a_statement_is_prepared_once_per_connection_and_parameter_types(postgres):
    """The first run prepares it; later runs reuse the name; other parameter types get their own."""
    sql = "SELECT CAST(%s AS bigint) * 2, CAST(%s AS text) || '!' AS prepared_once"
    first = Batch()
    first.add(sql, [21, "a"], rows=True)
    assert first.run() == [[(42, "a!")]]
    mine = {name: text for name, text in _prepared_on_server().items() if "prepared_once" in text}
    assert len(mine) == 1
    again = Batch()
    again.add(sql, [22, "b"], rows=True)
    again.add(sql, [23, "c"], rows=True)
    assert again.run() == [[(44, "b!")], [(46, "c!")]]
    assert {name for name, text in _prepared_on_server().items() if "prepared_once" in text} == set(mine)
    wider = Batch()
    wider.add(sql, [2**40, "d"], rows=True)  # bound as a bigint, not a smallint: another statement
    assert wider.run() == [[(2**41, "d!")]]
    assert len([text for text in _prepared_on_server().values() if "prepared_once" in text]) == 2


@pytest.mark.postgres
def test_statements_are_not_prepared_when_the_deployment_says_so(postgres, settings):
    settings.LEEWAY_DB_PREPARE = False  # a transaction-pooling proxy shares sessions
    batch = Batch()
    batch.add("SELECT CAST(%s AS integer) AS unprepared_statement", [5], rows=True)
    assert batch.run() == [[(5,)]]
    assert not [text for text in _prepared_on_server().values() if "unprepared_statement" in text]


@pytest.mark.postgres
def test_a_statement_whose_prepare_failed_is_prepared_again_next_time(postgres):
    from django.db import DataError, transaction

    sql = "SELECT 10 / CAST(%s AS integer) AS retried_prepare"
    with pytest.raises(DataError), transaction.atomic():
        failing = Batch()
        failing.add("SELECT 1 / CAST(%s AS integer)", [0], rows=True)
        failing.add(sql, [5], rows=True)  # its prepare is aborted with the pipeline
        failing.run()
    assert not [text for text in _prepared_on_server().values() if "retried_prepare" in text]
    batch = Batch()
    batch.add(sql, [5], rows=True)
    assert batch.run() == [[(2,)]]
    assert [text for text in _prepared_on_server().values() if "retried_prepare" in text]


@pytest.mark.postgres
def test_a_row_that_does_not_load_raises_after_the_batch_is_read_and_the_connection_stays_usable(postgres):
    from django.db import DataError

    batch = Batch()
    batch.add("SELECT CAST(%s AS date)", ["infinity"], rows=True)  # beyond Python's dates
    batch.add("SELECT CAST(%s AS integer)", [3], rows=True)
    with pytest.raises(DataError):
        batch.run()
    follow = Batch()
    follow.add("SELECT CAST(%s AS integer) + 1", [1], rows=True)
    assert follow.run() == [[(2,)]]


@pytest.mark.postgres
def test_a_batch_opens_the_transaction_of_an_atomic_block_and_leaves_autocommit_alone(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("the pipeline runner is PostgreSQL's")
    from django.db import transaction

    status = lambda: connection.connection.info.transaction_status.name  # noqa: E731
    batch = Batch()
    batch.add("SELECT 1")
    batch.run()
    assert status() == "IDLE"  # autocommit: no transaction left open
    with transaction.atomic():
        batch.run()
        assert status() == "INTRANS"
    assert status() == "IDLE"


@pytest.mark.postgres
def test_a_value_the_driver_cannot_adapt_fails_the_batch_and_what_it_wrote_rolls_back(postgres, aurora):
    from django.db import transaction

    event = OutboxEvent(organization_id=aurora.pk, topic="never", payload={})
    with pytest.raises(Exception, match="cannot adapt"), transaction.atomic():
        batch = Batch()
        batch.add(*insert_statement(event))
        batch.add("SELECT %s", [object()], rows=True)
        batch.run()
    assert not OutboxEvent.objects.filter(topic="never").exists()
    follow = Batch()
    follow.add("SELECT CAST(%s AS integer) + 1", [1], rows=True)
    assert follow.run() == [[(2,)]]
