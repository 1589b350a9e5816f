"""The audit trail: append-only and hash-chained per organization.

Each entry's hash covers its content and the previous entry's hash, so editing
any row breaks its own hash and deleting one breaks the chain after it (or the
chain head, for the newest). `leeway audit verify` walks the chains.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, transaction
from django.utils import timezone

from leeway.core.batch import insert_statement
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


# --- The same append, as statements for a caller that batches its round trips (the decision hot path).


def audit_chain_lock_statement(organization_id: int, *, using: str = "default") -> tuple[str, list]:
    """SELECT … FOR UPDATE of the organization's chain head: (id, last_seq, last_hash), or no row yet.

    Take it last in the transaction: it serialises the organization's audited writes until commit.
    """
    connection = connections[using]
    table = connection.ops.quote_name(AuditChain._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return f"SELECT id, last_seq, last_hash FROM {table} WHERE organization_id = %s{lock}", [organization_id]


def audit_chain_create(organization_id: int) -> None:
    """Create the organization's chain head if it has none (then lock it with the statement above)."""
    AuditChain.objects.get_or_create(organization_id=organization_id)


def audit_append_statements(
    chain_row: tuple,
    *,
    organization_id: int,
    action: str,
    object_type: str,
    object_id,
    actor_id: int | None = None,
    data: dict | None = None,
    using: str = "default",
) -> list[tuple[str, list]]:
    """The INSERT of the next entry and the UPDATE of the head, for a chain row locked by the caller.

    Exactly what `audit_record` writes (same sequence, hash and columns), as statements to batch.
    """
    chain_id, last_seq, last_hash = chain_row
    data = _canonical(data or {})
    seq = last_seq + 1
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
        prev_hash=last_hash,
    )
    entry = AuditEntry(
        organization_id=organization_id,
        seq=seq,
        created_at=created_at,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=data,
        prev_hash=last_hash,
        hash=digest,
    )
    table = connections[using].ops.quote_name(AuditChain._meta.db_table)
    return [
        insert_statement(entry, returning_pk=False, using=using),
        (f"UPDATE {table} SET last_seq = %s, last_hash = %s WHERE id = %s", [seq, digest, chain_id]),
    ]


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
