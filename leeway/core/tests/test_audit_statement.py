"""The one-statement audit append (PostgreSQL) writes exactly what audit_record writes."""

import pytest
from django.db import connection

from leeway.core.audit import audit_append_parts, audit_chain_statement, audit_record, audit_verify
from leeway.core.batch import Batch, with_parts
from leeway.core.models import AuditChain, AuditEntry

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the statement computes the hash in PostgreSQL")


def audit_chain_create(organization_id):
    """The chain head, created as the decision hot path creates it."""
    batch = Batch()
    batch.add(*audit_chain_statement(organization_id))
    batch.run()


def append(organization_id, **fields):
    statement = with_parts(
        audit_append_parts(organization_id=organization_id, **fields), "SELECT seq FROM entry"
    )
    batch = Batch()
    batch.add(*statement, rows=True)
    return batch.run()[0]


def test_the_statement_creates_nothing_without_a_chain_head_and_chains_from_an_empty_hash(aurora):
    assert append(aurora.pk, action="x.created", object_type="x", object_id=1) == []
    assert not AuditEntry.objects.exists()
    audit_chain_create(aurora.pk)
    assert append(aurora.pk, action="x.created", object_type="x", object_id=1) == [(1,)]
    first = AuditEntry.objects.get(organization=aurora, seq=1)
    assert first.prev_hash == ""
    assert audit_verify() == []


def test_entries_from_the_statement_and_from_audit_record_form_one_verifiable_chain(aurora, casa):
    audit_record(organization_id=aurora.pk, action="a.one", object_type="a", object_id=1, data={"n": 1})
    data = {
        "note": 'Señora Núñez — 🙂 "quoted" \\ back\\slash\nnew line',
        "amount": "25.00",
        "nested": {"z": [1, 2.5, None, True], "a": "ü"},
    }
    assert append(aurora.pk, action="a.two", object_type="a", object_id="7f", actor_id=None, data=data) == [
        (2,)
    ]
    audit_record(organization_id=aurora.pk, action="a.three", object_type="a", object_id=3)
    audit_chain_create(casa.pk)
    append(casa.pk, action="c.one", object_type="c", object_id=1, data={"other": "organization"})
    assert list(AuditEntry.objects.filter(organization=aurora).values_list("seq", flat=True)) == [1, 2, 3]
    second = AuditEntry.objects.get(organization=aurora, seq=2)
    assert second.data == data
    assert second.prev_hash == AuditEntry.objects.get(organization=aurora, seq=1).hash
    assert AuditChain.objects.get(organization=aurora).last_seq == 3
    assert audit_verify() == []


def test_editing_an_entry_written_by_the_statement_breaks_the_chain(aurora):
    audit_chain_create(aurora.pk)
    append(aurora.pk, action="x.created", object_type="x", object_id=1, data={"amount": "10.00"})
    append(aurora.pk, action="x.created", object_type="x", object_id=2, data={"amount": "20.00"})
    AuditEntry.objects.filter(seq=1).update(data={"amount": "99.00"})
    problems = audit_verify()
    assert len(problems) == 1 and problems[0].seq == 1


def test_data_the_encoder_converts_is_stored_and_hashed_as_audit_record_would(aurora):
    """Decimals, dates, UUIDs and tuples become JSON text once: stored as such and verifiable."""
    import datetime
    import uuid
    from decimal import Decimal

    audit_chain_create(aurora.pk)
    data = {
        "amount": Decimal("25.00"),
        "on": datetime.date(2026, 11, 22),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "pair": ("a", 1),
    }
    append(aurora.pk, action="x.created", object_type="x", object_id=1, data=data)
    stored = AuditEntry.objects.get(organization=aurora, seq=1).data
    assert stored == {
        "amount": "25.00",
        "on": "2026-11-22",
        "id": "12345678-1234-5678-1234-567812345678",
        "pair": ["a", 1],
    }
    audit_record(organization_id=aurora.pk, action="x.changed", object_type="x", object_id=1, data=data)
    assert audit_verify() == []
