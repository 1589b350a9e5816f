"""SQL built by hand for batches: several writes as one statement, several one-row reads as one."""

import re

from leeway.core import caches

# The column that starts each part of a side-by-side statement: true where the part found its row.
PART_MARK = "leeway_part"


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


def side_by_side(parts: list[tuple[str, list]]) -> tuple[str, list]:
    """One statement returning one row: the columns of several SELECTs of at most one row each (PostgreSQL).

    Each part's columns come after a marker column, true if that part found a row (NULL if not), so
    the row splits back into one result per part (`split_side_by_side`). The parts run on one
    snapshot, in one parse, bind and execute: reads that may share a snapshot cost one statement
    instead of one each.
    """
    joins = " ".join(
        f"LEFT JOIN (SELECT true AS {PART_MARK}, * FROM ({sql}) AS part) AS part{index} ON true"
        for index, (sql, _params) in enumerate(parts)
    )
    params = [value for _sql, part_params in parts for value in part_params]
    return f"SELECT * FROM (SELECT) AS leeway_one {joins}", params


def split_side_by_side(column_names: list[str], rows: list[tuple], parts: int) -> list[list[tuple]]:
    """A side-by-side row back as `parts` results: a list holding the part's row, or an empty list."""
    starts = [index for index, name in enumerate(column_names) if name == PART_MARK]
    if len(starts) != parts:
        raise RuntimeError(f"a side-by-side statement returned {len(starts)} parts, not {parts}")
    row = rows[0]
    results = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(row)
        results.append([tuple(row[start + 1 : end])] if row[start] else [])
    return results


_PLACEHOLDER = re.compile(r"%(.)", re.DOTALL)


@caches.memo("batch.native_placeholders", maxsize=2000)  # distinct texts; the hot path has a few dozen
def native_placeholders(sql: str) -> str:
    """`sql` with PostgreSQL's own `$1, $2, …` for Django's `%s` (and `%` for `%%`), converted once.

    `psycopg.RawCursor` takes the native form as it is; psycopg's ordinary cursor would parse every
    query for its `%s` and caches that only for queries under 4,096 characters and 50 parameters,
    which the decision's one write statement is not.
    """
    number = 0

    def replace(match: re.Match) -> str:
        nonlocal number
        if match.group(1) == "%":
            return "%"
        if match.group(1) != "s":
            raise ValueError(f"only %s placeholders are supported: {sql[:200]}")
        number += 1
        return f"${number}"

    return _PLACEHOLDER.sub(replace, sql)
