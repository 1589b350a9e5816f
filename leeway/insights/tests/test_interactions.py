"""Recording interactions from a helpdesk CSV: all or nothing, each bad row named by its row number."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from leeway.core.models import AuditEntry
from leeway.customers.models import Customer
from leeway.insights.interactions import interactions_import
from leeway.insights.models import Interaction

HEADER = "external_ref,customer,channel,category,agent,occurred_at\n"


def write(tmp_path, text: str, name: str = "helpdesk.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_is_imported_and_a_second_run_doubles_nothing(world, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "CALL-1,C-1001,phone,billing_error,agent,2025-03-01T14:30:00Z\n"
        + "CHAT-2,C-1002,Chat,Late_Delivery,,2025-03-02 09:10\n",
    )
    result = interactions_import(organization=world.organization, path=path)
    assert result.succeeded and (result.rows, result.created, result.skipped) == (2, 2, 0)
    call = Interaction.objects.get(external_ref="CALL-1")
    assert (call.customer, call.agent, call.channel, call.category) == (
        world.customer,
        world.agent,
        "phone",
        "billing_error",
    )
    chat = Interaction.objects.get(external_ref="CHAT-2")
    assert (chat.channel, chat.category, chat.agent) == ("chat", "late_delivery", None)
    # Without an offset, the time is read in the organization's time zone.
    assert chat.occurred_at == dt.datetime(2025, 3, 2, 9, 10, tzinfo=ZoneInfo(world.organization.time_zone))
    entry = AuditEntry.objects.filter(action="interactions.recorded").latest("id")
    assert entry.data["created"] == 2
    again = interactions_import(organization=world.organization, path=path)
    assert (again.created, again.skipped) == (0, 2)
    assert Interaction.objects.count() == 2


def test_bad_rows_are_named_by_row_and_field_and_nothing_is_written(world, other_world, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "CALL-1,C-1001,phone,billing_error,agent,2025-03-01T14:30:00Z\n"  # good
        + "CALL-2,C-NOBODY,phone,billing_error,,2025-03-01T14:30:00Z\n"  # unknown customer
        + "CALL-3,C-1001,fax,billing error,,not a date\n"  # three bad fields
        + "CALL-1,C-1002,chat,other,,2025-03-01T14:30:00Z\n"  # the reference again
        + "CALL-5,C-1001,phone,other,casa-agent,2025-03-01T14:30:00Z\n"  # another organization's agent
        + "CALL-6,C-1001,phone\n"  # too few values
        + "CALL-7,C-NOBODY,fax,other,,2025-03-01T14:30:00Z\n",  # every problem of a row at once
    )
    result = interactions_import(organization=world.organization, path=path)
    assert not result.succeeded
    found = {(error["row"], error["field"], error["code"]) for error in result.errors}
    assert found == {
        (3, "customer", "unknown_customer"),
        (4, "channel", "unknown_channel"),
        (4, "category", "invalid_category"),
        (4, "occurred_at", "invalid_datetime"),
        (5, "external_ref", "duplicate_ref"),
        (6, "agent", "unknown_agent"),
        (7, None, "wrong_column_count"),
        (8, "channel", "unknown_channel"),
        (8, "customer", "unknown_customer"),
    }
    assert result.error_count == 9
    assert not Interaction.objects.exists()


def test_another_organizations_customer_is_unknown(world, other_world, tmp_path):
    Customer.objects.create(organization=other_world.organization, external_id="CA-1", name="Lola")
    path = write(tmp_path, HEADER + "CALL-1,CA-1,phone,other,,2025-03-01T14:30:00Z\n")
    result = interactions_import(organization=world.organization, path=path)
    assert [(e["row"], e["code"]) for e in result.errors] == [(2, "unknown_customer")]
    assert not Interaction.objects.exists()


def test_the_same_reference_with_other_details_is_refused(world, tmp_path):
    first = write(tmp_path, HEADER + "CALL-1,C-1001,phone,other,,2025-03-01T14:30:00Z\n", "a.csv")
    assert interactions_import(organization=world.organization, path=first).created == 1
    changed = write(tmp_path, HEADER + "CALL-1,C-1002,phone,other,,2025-03-01T14:30:00Z\n", "b.csv")
    result = interactions_import(organization=world.organization, path=changed)
    assert [(e["row"], e["field"], e["code"]) for e in result.errors] == [(2, "external_ref", "ref_conflict")]
    assert Interaction.objects.get().customer == world.customer


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("ref,customer\nA,B\n", "header does not match"),
        (HEADER, "no rows"),
    ],
)
def test_a_file_that_is_not_an_interactions_file_is_refused_whole(world, tmp_path, text, words):
    result = interactions_import(organization=world.organization, path=write(tmp_path, text))
    assert words in result.error
    assert not Interaction.objects.exists()


def test_a_binary_or_non_utf8_file_is_refused(world, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        (HEADER + "CALL-1,C-1001,phone,other,,2025-03-01\n").encode() + "Niño".encode("latin-1")
    )
    assert "UTF-8" in interactions_import(organization=world.organization, path=latin).error
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02")
    assert "binary" in interactions_import(organization=world.organization, path=binary).error


def test_the_command_imports_and_lists_bad_rows(world, tmp_path, capsys):
    good = write(tmp_path, HEADER + "CALL-1,C-1001,email,other,,2025-03-01T14:30:00Z\n", "good.csv")
    call_command("import-interactions", str(good), organization=world.organization.slug)
    assert "1 created" in capsys.readouterr().out
    bad = write(tmp_path, HEADER + "CALL-2,C-NOBODY,email,other,,2025-03-01T14:30:00Z\n", "bad.csv")
    with pytest.raises(CommandError, match="Import refused"):
        call_command("import-interactions", str(bad), organization=world.organization.slug)
    assert "C-NOBODY" in capsys.readouterr().err
    assert Interaction.objects.count() == 1
