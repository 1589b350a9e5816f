"""The PostgreSQL backend skips the health check of a connection that just finished a request cleanly."""

import datetime
import time
from unittest import mock

import pytest
from django.db import connections

from leeway.core.batch import Batch

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def default():
    return connections["default"]


@pytest.fixture(autouse=True)
def _postgres_only():
    if default().vendor != "postgresql":
        pytest.skip("Leeway's own backend wraps PostgreSQL's")
    assert type(default()).__module__ == "leeway.core.db.postgresql.base"


def request_cycle():
    """What Django does around a request: a check when it starts, its queries, a check when it ends."""
    default().close_if_unusable_or_obsolete()  # request_started
    with default().cursor() as cursor:
        cursor.execute("SELECT 1")
    default().close_if_unusable_or_obsolete()  # request_finished


def checks(settings, idle_seconds, *, pause=0.0) -> int:
    settings.LEEWAY_DB_HEALTH_CHECK_IDLE_SECONDS = idle_seconds
    default().ensure_connection()
    request_cycle()
    if pause:
        time.sleep(pause)
    with mock.patch.object(type(default()), "is_usable", autospec=True, return_value=True) as is_usable:
        request_cycle()
    return is_usable.call_count


def test_a_connection_used_cleanly_a_moment_ago_is_not_checked_again(settings):
    assert checks(settings, 1.0) == 0


def test_a_request_that_only_ran_batches_counts_as_using_the_connection(settings):
    """leeway.core.batch runs statements without Django's cursor: the next request still skips the check."""
    settings.LEEWAY_DB_HEALTH_CHECK_IDLE_SECONDS = 1.0
    default().ensure_connection()
    for _request in range(2):
        default().close_if_unusable_or_obsolete()
        batch = Batch()
        batch.add("SELECT 1", rows=True)
        assert batch.run() == [[(1,)]]
        default().close_if_unusable_or_obsolete()
    with mock.patch.object(type(default()), "is_usable", autospec=True, return_value=True) as is_usable:
        request_cycle()
    assert is_usable.call_count == 0


def test_a_connection_that_sat_idle_is_checked(settings):
    assert checks(settings, 0.05, pause=0.1) == 1


def test_zero_checks_before_every_request_as_django_does(settings):
    assert checks(settings, 0) == 1


def test_a_dropped_connection_is_replaced_after_the_idle_window(settings):
    settings.LEEWAY_DB_HEALTH_CHECK_IDLE_SECONDS = 0.05
    default().ensure_connection()
    pid = default().connection.info.backend_pid
    request_cycle()
    killer = connections.create_connection("default")
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()
    time.sleep(0.1)
    request_cycle()  # the health check finds the dead connection and opens a new one
    assert default().connection.info.backend_pid != pid


def test_json_is_encoded_with_orjson_and_what_it_refuses_goes_through_json_dumps():
    from leeway.core.db.postgresql.base import json_text

    assert json_text({"a": [1, "ü"], 2: None}) == '{"a":[1,"ü"],"2":null}'.encode()
    assert json_text({"big": 2**70}) == '{"big": 1180591620717411303424}'
    with pytest.raises(TypeError):  # as Django's JSONField refuses without an encoder
        json_text({"when": datetime.date(2026, 11, 22)})


def test_json_with_djangos_encoder_is_written_as_json_dumps_would_write_it():
    import json
    import uuid
    from decimal import Decimal

    from django.core.serializers.json import DjangoJSONEncoder
    from django.utils.translation import gettext_lazy

    from leeway.core.db.postgresql.base import django_json_text

    value = {
        "at": datetime.datetime(2026, 11, 22, 9, 30, 15, 123456, tzinfo=datetime.UTC),
        "on": datetime.date(2026, 11, 22),
        "amount": Decimal("12.50"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "label": gettext_lazy("Budget"),
        "took": datetime.timedelta(minutes=2),
        "nested": [{"ok": True, "n": 1.5}],
    }
    assert json.loads(django_json_text(value)) == json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    with pytest.raises(TypeError):  # what Django's encoder refuses is still refused
        django_json_text({"a": object()})
