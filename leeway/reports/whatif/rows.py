"""Reading past decisions as columns (numpy arrays), the way the what-if replays them.

One row per decision, in time order, every column an integer (ids, 0 for "none"; amounts in cents)
except the time, in Unix seconds. On PostgreSQL the rows come through a binary COPY parsed straight
into a numpy record array (a million rows in well under a second); elsewhere through the cursor.
"""

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db import connection
from psycopg import sql as pg_sql

from leeway.decisions.models import Decision
from leeway.people.models import Member

# A timestamp column as Unix seconds, per database.
EPOCH = {
    "postgresql": "EXTRACT(EPOCH FROM {column})::float8",
    "sqlite": "((julianday({column}) - 2440587.5) * 86400.0)",
}
CENTS = {
    "postgresql": "ROUND({column} * 100)::int8",
    "sqlite": "CAST(ROUND({column} * 100) AS INTEGER)",
}
INTEGER = {"postgresql": "({expression})::int8", "sqlite": "({expression})"}

# The decision columns the replay reads, after the time (the agent's current tier is looked up apart).
DECISION_COLUMNS = (
    ("id", "d.id"),
    ("agent", "d.agent_id"),
    ("gesture", "d.gesture_id"),
    ("customer", "d.customer_id"),
    ("site", "COALESCE(d.site_id, 0)"),
    ("team", "COALESCE(d.team_id, 0)"),
    ("department", "COALESCE(d.department_id, 0)"),
    ("recorded_zone", "CASE d.zone WHEN 'green' THEN 0 WHEN 'amber' THEN 1 ELSE 2 END"),
    ("recorded_approved", "CASE WHEN d.status = 'approved' THEN 1 ELSE 0 END"),
)


@dataclass
class Columns:
    """Decisions as parallel arrays, oldest first."""

    time: np.ndarray
    cents: np.ndarray
    ints: dict[str, np.ndarray]
    # What every replay of these rows derives alike (dense indices, limit groups), worked out once.
    memo: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.time)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.ints[name]

    def dense(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The column's distinct values (sorted) and each row's index into them, so counts are a bincount."""
        if name not in self.memo:
            self.memo[name] = np.unique(self[name], return_inverse=True)
        return self.memo[name]


def _vendor_expression(table: dict[str, str], **values) -> str:
    template = table.get(connection.vendor)
    if template is None:
        raise NotImplementedError(f"The what-if has no expression for the {connection.vendor} database.")
    return template.format(**values)


def _binary_copy(statement: str, params: list, names: list[str]) -> dict[str, np.ndarray]:
    """COPY (query) TO STDOUT in PostgreSQL's binary format, read as one numpy record array.

    Every field is 8 bytes and never NULL, so each tuple has the same layout: a 2-byte field count,
    then per field a 4-byte length and the big-endian value (the first a float8, the others int8).
    """
    fields = [("count", ">i2")]
    for index, name in enumerate(names):
        fields += [(f"length{index}", ">i4"), (name, ">f8" if index == 0 else ">i8")]
    layout = np.dtype(fields)
    composed = pg_sql.SQL("COPY ({}) TO STDOUT (FORMAT binary)").format(
        pg_sql.SQL(statement.replace("%s", "{}")).format(*(pg_sql.Literal(value) for value in params))
    )
    chunks = []
    with connection.cursor() as cursor, cursor.copy(composed) as copy:
        for block in copy:
            chunks.append(bytes(block))
    data = b"".join(chunks)
    # Header: 11-byte signature, 4-byte flags, 4-byte extension length (and the extension); trailer: -1.
    start = 19 + int.from_bytes(data[15:19], "big")
    body = memoryview(data)[start : len(data) - 2]
    records = np.frombuffer(body, dtype=layout)
    return {
        name: records[name].astype(np.float64 if index == 0 else np.int64) for index, name in enumerate(names)
    }


def _fetch(statement: str, params: list, names: list[str]) -> dict[str, np.ndarray]:
    if connection.vendor == "postgresql":
        return _binary_copy(statement, params, names)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    table = np.array(rows, dtype=np.float64).reshape(-1, len(names))
    return {
        name: table[:, index] if index == 0 else table[:, index].astype(np.int64)
        for index, name in enumerate(names)
    }


def decision_columns(*, organization_id: int, start: datetime, end: datetime) -> Columns:
    """Every decision of the organization made in [start, end), oldest first."""
    quote = connection.ops.quote_name
    names = ["time", "cents", *(name for name, _ in DECISION_COLUMNS)]
    expressions = [
        _vendor_expression(EPOCH, column="d.created_at"),
        _vendor_expression(CENTS, column="d.base_amount"),
        *(_vendor_expression(INTEGER, expression=expression) for _, expression in DECISION_COLUMNS),
    ]
    statement = (
        f"SELECT {', '.join(expressions)} FROM {quote(Decision._meta.db_table)} d "
        "WHERE d.organization_id = %s AND d.created_at >= %s AND d.created_at < %s"
    )
    found = _fetch(statement, [organization_id, start, end], names)
    # Sorted here, not by the database: a million rows sorted by PostgreSQL spill to disk at the default
    # work_mem, numpy sorts them in memory in a few tens of milliseconds.
    order = np.lexsort((found["id"], found["time"]))
    found = {name: values[order] for name, values in found.items()}
    # The organization is the one asked for; each agent's current tier from the members (thousands of
    # rows, not a join over every decision).
    found["organization"] = np.full(len(order), organization_id, dtype=np.int64)
    tiers = list(Member.objects.filter(organization_id=organization_id).values_list("pk", "tier_id"))
    agents = np.array([pk for pk, _tier in tiers], dtype=np.int64)
    agent_tier = np.array([tier or 0 for _pk, tier in tiers], dtype=np.int64)
    sorted_agents = np.argsort(agents)
    position = sorted_agents[np.searchsorted(agents[sorted_agents], found["agent"])] if len(agents) else order
    found["tier"] = agent_tier[position] if len(agents) else np.zeros(len(order), dtype=np.int64)
    return Columns(time=found.pop("time"), cents=found.pop("cents"), ints=found)


def approved_cap_history(
    *, organization_id: int, gesture_ids: list[int], start: datetime, end: datetime
) -> Columns:
    """Approved decisions of these gestures in [start, end): what the per-customer caps remember."""
    if not gesture_ids:
        return Columns(
            time=np.empty(0),
            cents=np.empty(0, dtype=np.int64),
            ints={"customer": np.empty(0, dtype=np.int64), "gesture": np.empty(0, dtype=np.int64)},
        )
    quote = connection.ops.quote_name
    names = ["time", "cents", "customer", "gesture"]
    expressions = [
        _vendor_expression(EPOCH, column="created_at"),
        _vendor_expression(CENTS, column="base_amount"),
        _vendor_expression(INTEGER, expression="customer_id"),
        _vendor_expression(INTEGER, expression="gesture_id"),
    ]
    placeholders = ", ".join(["%s"] * len(gesture_ids))
    statement = (
        f"SELECT {', '.join(expressions)} FROM {quote(Decision._meta.db_table)} "
        "WHERE organization_id = %s AND status = 'approved' AND created_at >= %s AND created_at < %s "
        f"AND gesture_id IN ({placeholders}) ORDER BY created_at, id"
    )
    found = _fetch(statement, [organization_id, start, end, *gesture_ids], names)
    return Columns(time=found.pop("time"), cents=found.pop("cents"), ints=found)
