"""Leeway's PostgreSQL backend is Django's, encoding JSON with orjson; Django health-checks connections."""

import datetime
import time

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


def test_a_connection_the_server_dropped_is_replaced_before_a_batch_uses_it():
    """Django's health check (CONN_HEALTH_CHECKS) runs before a request's first query, batches included."""
    assert default().settings_dict["CONN_HEALTH_CHECKS"]
    default().ensure_connection()
    pid = default().connection.info.backend_pid
    killer = connections.create_connection("default")
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()
    time.sleep(0.1)
    default().close_if_unusable_or_obsolete()  # request_started
    batch = Batch()
    batch.add("SELECT pg_backend_pid()", rows=True)
    [[(new_pid,)]] = batch.run()
    assert new_pid != pid


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
