"""Django's PostgreSQL backend, encoding JSON with orjson.

JSONField values without a custom encoder, or with Django's, are encoded with orjson instead of
`json.dumps`: the decision hot path writes three JSON documents (its reasons, the outbox event, the
audit data), and the standard library's encoder was about 5 % of a decision's CPU. PostgreSQL stores jsonb in
its own form, so only the speed differs; a value orjson refuses (an integer beyond 64 bits, say)
goes through `json.dumps` as before.
"""

import json

import orjson
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
