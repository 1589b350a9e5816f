"""Django's PostgreSQL backend, health-checking only connections that sat idle, encoding JSON with orjson.

CONN_HEALTH_CHECKS makes Django send `SELECT 1` before the first query of every request, so that a
connection the server dropped (a restart, an idle timeout) is replaced instead of failing the
request. A connection that finished a request without an error a moment ago is almost surely fine:
on the decision hot path that check was one of three round trips. Here it is skipped when the
connection finished its last request cleanly less than `LEEWAY_DB_HEALTH_CHECK_IDLE_SECONDS` ago
(default 1; 0 checks every request, as Django does). What a busy worker risks is the rare request
that meets a server that went away in that second: it fails like any other database error, and the
connection is replaced at its end.

JSONField values without a custom encoder, or with Django's, are encoded with orjson instead of
`json.dumps`: the decision hot path writes three JSON documents (its reasons, the outbox event, the
audit data), and the standard library's encoder was about 5 % of a decision's CPU. PostgreSQL stores jsonb in
its own form, so only the speed differs; a value orjson refuses (an integer beyond 64 bits, say)
goes through `json.dumps` as before.
"""

import json
import time

import orjson
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.backends.postgresql import base, operations
from psycopg.types.json import Jsonb

# Dates and dataclasses go to json.dumps, which refuses them, as Django would without an encoder.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_text(value) -> bytes | str:
    """`value` as JSON text: orjson's when it can, else `json.dumps` (which raises as Django would)."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value)


_DJANGO_DEFAULT = DjangoJSONEncoder().default


def django_json_text(value) -> bytes | str:
    """What `json.dumps(value, cls=DjangoJSONEncoder)` means, by orjson: what it does not encode itself
    (dates and times, decimals, durations, lazy strings) goes to the encoder's `default`, as with
    json.dumps, so each value is written the same; the rest falls back to json.dumps."""
    try:
        return orjson.dumps(value, default=_DJANGO_DEFAULT, option=_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, cls=DjangoJSONEncoder)


class DatabaseOperations(operations.DatabaseOperations):
    def adapt_json_value(self, value, encoder):
        if encoder is None:
            return Jsonb(value, dumps=json_text)
        if encoder is DjangoJSONEncoder:  # the outbox's payloads and the audit trail's data
            return Jsonb(value, dumps=django_json_text)
        return super().adapt_json_value(value, encoder)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clean_at = None  # time.monotonic() when the connection last finished a request cleanly
        self.used = False  # since clean_at

    def ensure_connection(self):
        # Every use of the connection (Django's cursors, transactions, leeway.core.batch) passes here.
        self.used = True
        super().ensure_connection()

    def close_if_health_check_failed(self):
        idle = getattr(settings, "LEEWAY_DB_HEALTH_CHECK_IDLE_SECONDS", 1.0)
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self.clean_at is not None
            and time.monotonic() - self.clean_at < idle
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self):
        # Django calls this when a request starts and when it ends; only an end after queries counts.
        clean = not self.errors_occurred and not self.in_atomic_block
        used = self.used  # read first: Django's own check below passes through ensure_connection()
        super().close_if_unusable_or_obsolete()
        if self.connection is None or not clean:
            self.clean_at = None
        elif used:
            self.clean_at = time.monotonic()
        self.used = False

    def close(self):
        super().close()
        self.clean_at, self.used = None, False
