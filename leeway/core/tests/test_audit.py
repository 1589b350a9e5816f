import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from leeway.core.audit import audit_record, audit_verify
from leeway.core.models import AuditEntry


@pytest.fixture
def chain(aurora):
    return [
        audit_record(
            organization_id=aurora.pk, action="test.step", object_type="thing", object_id=i, data={"n": i}
        )
        for i in range(1, 6)
    ]


def run_verify():
    try:
        call_command("audit", "verify")
    except CommandError as error:
        return error.returncode, str(error)
    return 0, ""


def test_an_intact_chain_verifies(chain):
    assert audit_verify() == []
    assert run_verify() == (0, "")


def test_entries_are_numbered_and_linked(chain):
    assert [entry.seq for entry in chain] == [1, 2, 3, 4, 5]
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(chain))


def test_an_edited_row_is_detected_and_named(chain):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET data = %s WHERE id = %s", ['{"n": 999}', chain[2].pk])
    code, message = run_verify()
    assert code == 1
    assert "entry #3" in message and "edited" in message


def test_a_deleted_row_is_detected_and_named(chain):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [chain[1].pk])
    code, message = run_verify()
    assert code == 1
    assert "entry #2" in message and "missing" in message


def test_deleting_the_newest_row_is_detected(chain):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [chain[-1].pk])
    code, message = run_verify()
    assert code == 1
    assert "entry #5" in message


def test_the_orm_refuses_to_edit_or_delete_entries(chain):
    entry = AuditEntry.objects.get(pk=chain[0].pk)
    entry.action = "forged"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_chains_are_per_organization(chain, casa):
    entry = audit_record(organization_id=casa.pk, action="test.step", object_type="thing", object_id=1)
    assert entry.seq == 1
    assert audit_verify() == []
