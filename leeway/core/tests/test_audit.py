import io
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


def test_verify_checks_only_the_named_organization(chain, casa):
    audit_record(organization_id=casa.pk, action="test.step", object_type="thing", object_id=1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET data = %s WHERE id = %s", ['{"n": 999}', chain[0].pk])
    out = io.StringIO()
    call_command("audit", "verify", "--organization", casa.slug, stdout=out)
    assert out.getvalue().strip() == "Audit trail intact (1 entries)."
    with pytest.raises(CommandError) as broken:
        call_command("audit", "verify", "--organization", chain[0].organization.slug, stderr=io.StringIO())
    assert broken.value.returncode == 1 and "entry #1" in str(broken.value)


def test_verify_names_an_unknown_organization(chain):
    with pytest.raises(CommandError, match="No organization 'nowhere'"):
        call_command("audit", "verify", "--organization", "nowhere")


def test_the_canonical_text_is_what_json_dumps_writes_whatever_the_data():
    """orjson writes the hashed text only where it is certainly json.dumps' text; the rest falls back."""
    import datetime
    import enum
    import json
    import uuid
    from collections import OrderedDict
    from decimal import Decimal

    from django.core.serializers.json import DjangoJSONEncoder
    from django.db import models
    from django.utils.functional import lazy

    from leeway.core.audit import _JSON, canonical_text

    class Zone(models.TextChoices):
        GREEN = "green"

    class Ratio(enum.Enum):
        HALF = 0.5

    every_character = "".join(chr(code) for code in range(0x800)) + "\u2028\u2029\ufeff\U0001f600"
    samples = [
        {},
        {"zone": "green", "amount": "25.00", "reasons": [{"ok": True, "left": "1.00", "cap": 8}]},
        {"text": every_character, every_character[32:90]: "keys with every character, sorted"},
        {"ä": 1, "a": 2, "B": 3, "\U0001f600": 4, "\uffff": 5, "Z": [None, True, False, 0, -1]},
        {"amount": Decimal("25.00"), "tiny": Decimal("1E-7"), "on": datetime.date(2026, 11, 22)},
        {"at": datetime.datetime(2026, 11, 22, 10, 5, 3, 120000, tzinfo=datetime.UTC)},
        {"naive": datetime.datetime(2026, 11, 22, 10, 5), "time": datetime.time(9, 30, 1, 5)},
        {"for": datetime.timedelta(days=2, seconds=5), "id": uuid.UUID(int=7)},
        {"pair": ("a", 1), "nested": {"deeper": {"deepest": ["x", {"y": "z"}]}}},
        {"zone": Zone.GREEN, "lazy": lazy(lambda: "later", str)()},
        OrderedDict([("b", 1), ("a", 2)]),
        {"float": 0.1, "big": 1e16, "negative zero": -0.0},  # floats: json.dumps writes them
        {"ratio": Ratio.HALF.value},
        {"huge": 2**70},  # beyond orjson's integers
        {1: "a non-string key"},
        [1, "a list at the top"],
    ]
    for data in samples:
        assert canonical_text(data) == json.dumps(data, cls=DjangoJSONEncoder, **_JSON), data
    for refused in ({"ratio": Ratio.HALF}, {"set": {1, 2}}, {"object": object()}):
        with pytest.raises(TypeError):
            json.dumps(refused, cls=DjangoJSONEncoder, **_JSON)
        with pytest.raises(TypeError):
            canonical_text(refused)
