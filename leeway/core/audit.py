"""The audit trail: append-only and hash-chained per organization.

Each entry's hash covers its content and the previous entry's hash, so editing
any row breaks its own hash and deleting one breaks the chain after it (or the
chain head, for the newest). `leeway audit verify` walks the chains.
"""

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, transaction
from django.utils import timezone

from leeway.core import caches
from leeway.core.models import AuditChain, AuditEntry


def _canonical(data) -> object:
    """JSON-normalise data so the hash is the same before saving and after reading back."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _entry_hash(
    *, organization_id, seq, created_at, actor_id, action, object_type, object_id, data, prev_hash
):
    body = json.dumps(
        [
            organization_id,
            seq,
            created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor_id,
            action,
            object_type,
            str(object_id),
            data,
            prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def audit_record(
    *,
    organization_id: int,
    action: str,
    object_type: str,
    object_id,
    actor_id: int | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Append one entry to the organization's chain; call inside the write's transaction."""
    data = _canonical(data or {})
    # Inside the caller's transaction no savepoint is needed (its failure fails the whole write anyway),
    # and a SAVEPOINT/RELEASE pair would cost two round trips on every audited write.
    with transaction.atomic(savepoint=False):
        chain, _ = AuditChain.objects.select_for_update().get_or_create(organization_id=organization_id)
        seq = chain.last_seq + 1
        created_at = timezone.now()
        digest = _entry_hash(
            organization_id=organization_id,
            seq=seq,
            created_at=created_at,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            data=data,
            prev_hash=chain.last_hash,
        )
        entry = AuditEntry.objects.create(
            organization_id=organization_id,
            seq=seq,
            created_at=created_at,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            data=data,
            prev_hash=chain.last_hash,
            hash=digest,
        )
        AuditChain.objects.filter(pk=chain.pk).update(last_seq=seq, last_hash=digest)
    return entry


# --- The same append as one statement, for a caller that batches its round trips (the decision hot path).

_JSON = {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False}


_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_DJANGO_DEFAULT = DjangoJSONEncoder().default


def canonical_text(value) -> str:
    """`json.dumps(value, cls=DjangoJSONEncoder, **_JSON)`, the text an entry's hash covers.

    orjson writes it when the text is certainly the same (sorted keys, no spaces, characters as they
    are, the same escapes; dates, decimals and lazy strings through the same encoder's `default`); a
    float, whose digits the two libraries may write differently, or anything orjson refuses (an
    integer beyond 64 bits, a key that is not a string) goes through json.dumps. A decision's audit
    data was encoded on every decision, and json.dumps took about 3 % of the decision's CPU.
    """
    if not _holds_float(value):
        try:
            return orjson.dumps(value, default=_DJANGO_DEFAULT, option=_ORJSON).decode()
        except (TypeError, orjson.JSONEncodeError):
            pass
    return json.dumps(value, cls=DjangoJSONEncoder, **_JSON)


def _holds_float(value) -> bool:
    """Whether a float is anywhere in `value` (orjson would write it itself)."""
    if type(value) is str:  # most of it
        return False
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_holds_float(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_float(item) for item in value)
    if isinstance(value, enum.Enum):  # orjson writes an enum's value
        return _holds_float(value.value)
    return False


# Organizations whose chain head this process has seen exist (heads are never deleted).
_KNOWN_CHAINS: set[int] = set()
caches.register("core.audit.known_chains", _KNOWN_CHAINS.clear)


def audit_chain_statement(organization_id: int, *, using: str = "default") -> tuple[str, list] | None:
    """The INSERT … ON CONFLICT DO NOTHING creating the chain head, or None if this process saw it exist.

    Put it in the transaction's first batch, before `audit_append_parts`: the append then always
    finds its head, with no round trip to create it in between. Call `audit_chain_known` once the
    statement has run in a committed transaction (or the append returned its row).
    """
    if organization_id in _KNOWN_CHAINS:
        return None
    table = connections[using].ops.quote_name(AuditChain._meta.db_table)
    return (
        f"INSERT INTO {table} (organization_id, last_seq, last_hash) VALUES (%s, 0, '') "
        "ON CONFLICT (organization_id) DO NOTHING",
        [organization_id],
    )


def audit_chain_known(organization_id: int) -> None:
    _KNOWN_CHAINS.add(organization_id)


def audit_append_parts(
    *,
    organization_id: int,
    action: str,
    object_type: str,
    object_id,
    actor_id: int | None = None,
    data: dict | None = None,
    after: str | None = None,
    using: str = "default",
) -> list[tuple[str, str, list]] | None:
    """On PostgreSQL, the parts of one statement (`with_parts`) appending what `audit_record` would.

    They lock the chain head (`head`), take the time, compute the hash in the database (sha256 of
    exactly the text `_entry_hash` hashes: the caller's part is built here with the same JSON
    settings), move the head (`moved`) and insert the entry (`entry`, RETURNING its seq). `after`
    names a part (one row) that must run before the head is locked: locks are then always taken in
    the same order (a budget charge's counters, then the chain head). Put the append last in the
    transaction's last batch: the head, which serialises the organization's audited writes, is then
    held only until the commit. No row comes back if the organization has no chain yet (see
    `audit_chain_statement`). None on other databases: use `audit_record`.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    # The data's canonical JSON text, encoded once: hashed, and stored as the entry's jsonb (which
    # `audit_verify` reads back and hashes again: `_canonical` then `_entry_hash` give this text).
    data_text = canonical_text(data or {})
    # _entry_hash hashes [organization, seq, created_at, actor, action, type, id, data, prev_hash].
    before_seq = "[" + json.dumps(organization_id, **_JSON) + ","
    caller_part = (actor_id, action, object_type, str(object_id))
    after_time = "," + ",".join(json.dumps(value, **_JSON) for value in caller_part) + "," + data_text + ","
    head, hashed, moved, inserted_entry = _append_sql(using, after)
    entry_params = [organization_id, actor_id, action, object_type, str(object_id), data_text]
    return [
        ("head", head, [organization_id]),
        ("hashed", hashed, [before_seq, after_time]),
        ("moved", moved, []),
        ("entry", inserted_entry, entry_params),
    ]


@caches.memo("core.audit.append_sql", maxsize=16)
def _append_sql(using: str, after: str | None) -> tuple[str, str, str, str]:
    """The texts of `audit_append_parts`' parts (they depend only on `after`): built once per process."""
    quote = connections[using].ops.quote_name
    chain, entry = quote(AuditChain._meta.db_table), quote(AuditEntry._meta.db_table)
    iso_utc = """'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'"""  # isoformat(timespec="microseconds") in UTC
    waits = f" AND EXISTS (SELECT FROM {after})" if after else ""
    head = (
        "SELECT id, last_seq + 1 AS seq, last_hash AS prev_hash, clock_timestamp() AS created_at "
        f"FROM {chain} WHERE organization_id = %s{waits} FOR UPDATE"
    )
    hashed = (
        "SELECT id, seq, prev_hash, created_at, encode(sha256(convert_to("
        "%s || seq::text || ',' "
        f"|| to_json(to_char(created_at AT TIME ZONE 'UTC', {iso_utc}))::text "
        "|| %s || to_json(prev_hash)::text || ']', 'UTF8')), 'hex') AS hash FROM head"
    )
    moved = (
        f"UPDATE {chain} SET last_seq = hashed.seq, last_hash = hashed.hash FROM hashed "
        f"WHERE {chain}.id = hashed.id"
    )
    inserted_entry = (
        f"INSERT INTO {entry} (organization_id, seq, created_at, actor_id, action, object_type, object_id, "
        "data, prev_hash, hash) "
        # Typed, so a prepared statement knows each parameter's type (an INSERT … SELECT cannot infer it).
        "SELECT CAST(%s AS bigint), seq, created_at, CAST(%s AS bigint), CAST(%s AS varchar), "
        "CAST(%s AS varchar), CAST(%s AS varchar), CAST(%s AS jsonb), prev_hash, hash FROM hashed "
        "RETURNING seq"
    )
    return head, hashed, moved, inserted_entry


@dataclass(frozen=True)
class AuditBreak:
    """The first place an organization's chain does not hold."""

    organization_id: int
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"organization {self.organization_id}, entry #{self.seq}: {self.reason}"


def audit_verify(*, organization_id: int | None = None) -> list[AuditBreak]:
    """Walk every chain (or one) and report the first break of each."""
    chains = AuditChain.objects.order_by("organization_id")
    if organization_id is not None:
        chains = chains.filter(organization_id=organization_id)
    breaks = []
    for chain in chains:
        problem = _verify_chain(chain)
        if problem:
            breaks.append(problem)
    return breaks


def _verify_chain(chain: AuditChain) -> AuditBreak | None:
    expected_seq, prev_hash = 1, ""
    entries = AuditEntry.objects.filter(organization_id=chain.organization_id).order_by("seq")
    for entry in entries.iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return AuditBreak(chain.organization_id, expected_seq, "missing (deleted)")
        if entry.prev_hash != prev_hash:
            return AuditBreak(chain.organization_id, entry.seq, "previous hash does not match (chain broken)")
        digest = _entry_hash(
            organization_id=entry.organization_id,
            seq=entry.seq,
            created_at=entry.created_at,
            actor_id=entry.actor_id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            data=entry.data,
            prev_hash=entry.prev_hash,
        )
        if digest != entry.hash:
            return AuditBreak(chain.organization_id, entry.seq, "content does not match its hash (edited)")
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    if chain.last_seq != expected_seq - 1 or chain.last_hash != prev_hash:
        return AuditBreak(chain.organization_id, expected_seq, "missing (deleted)")
    return None
