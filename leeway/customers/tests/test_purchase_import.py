"""The transactions import at scale: column chunks, staged whole, applied in one INSERT, all or nothing."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from leeway.core.models import AuditEntry
from leeway.customers.imports import columns as column_reading
from leeway.customers.imports import import_file, import_job_create
from leeway.customers.models import Customer, ImportJob, Purchase
from leeway.customers.tests.factories import CustomerFactory, PurchaseFactory

pytestmark = pytest.mark.django_db

HEADER = "customer,date,amount,currency\n"


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 4 KiB (~140 rows), so a few hundred rows span several chunks."""
    monkeypatch.setattr(column_reading, "BLOCK_BYTES", 4096)


@pytest.fixture
def customers(aurora):
    return Customer.objects.bulk_create(
        [Customer(organization=aurora, external_id=f"C-{n}", name=f"Customer {n}") for n in range(20)]
    )


def good_rows(count: int, start: int = 0) -> str:
    lines = []
    for n in range(start, start + count):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=n // 20)
        lines.append(f"C-{n % 20},{day.isoformat()},{n % 97 + 1}.{n % 100:02d},USD\n")
    return "".join(lines)


def run(organization, path, *, language="en") -> ImportJob:
    job = import_job_create(organization=organization, kind="transactions", file_name=path.name, size_bytes=0)
    job.language = language
    job.save(update_fields=["language"])
    import_file(job=job, path=path)
    job.refresh_from_db()
    return job


def problems(job):
    return [(error["row"], error["field"], error["code"]) for error in job.errors]


def test_a_file_of_many_chunks_is_imported_whole(aurora, customers, tmp_path, small_blocks):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + good_rows(1000), encoding="utf-8")
    job = run(aurora, path)
    assert (job.status, job.rows_read, job.created_count, job.skipped_count) == ("succeeded", 1000, 1000, 0)
    assert Purchase.objects.filter(organization=aurora, import_job=job).count() == 1000
    assert job.progress_done == path.stat().st_size
    first = Purchase.objects.get(customer__external_id="C-0", occurred_on=dt.date(2020, 1, 1))
    assert (str(first.amount), first.currency, str(first.base_amount)) == ("1.00", "USD", "1.00")


def test_one_bad_row_in_the_last_chunk_records_nothing(aurora, customers, tmp_path, small_blocks):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + good_rows(999) + "C-1,2024-03-01,12.345,USD\n", encoding="utf-8")
    job = run(aurora, path, language="es")
    assert job.status == "failed"
    assert problems(job) == [(1001, "amount", "amount_too_precise")]
    assert job.errors[0]["message"] == "El importe puede tener como máximo dos decimales."
    assert job.error_count == 1 and job.rows_read == 1000
    assert not Purchase.objects.exists()
    assert not AuditEntry.objects.filter(action="transactions.imported").exists()


def test_unknown_customers_anywhere_are_reported_and_nothing_is_recorded(
    aurora, customers, tmp_path, small_blocks
):
    path = tmp_path / "t.csv"
    text = HEADER + "C-404,2024-01-01,1.00,USD\n" + good_rows(600) + "C-405,2024-01-02,x,USD\n"
    path.write_text(text, encoding="utf-8")
    job = run(aurora, path)
    assert problems(job) == [
        (2, "customer", "unknown_customer"),
        (603, "amount", "amount_not_a_number"),
        (603, "customer", "unknown_customer"),
    ]
    assert "C-404" in job.errors[0]["message"]
    assert job.error_count == 3
    assert not Purchase.objects.exists()


def test_another_organizations_customer_is_unknown(aurora, casa, customers, tmp_path):
    CustomerFactory(organization=casa, external_id="CASA-1")
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "CASA-1,2024-01-01,1.00,USD\n", encoding="utf-8")
    assert problems(run(aurora, path)) == [(2, "customer", "unknown_customer")]
    assert not Purchase.objects.exists()


def test_repeated_rows_across_chunks_are_duplicates_and_known_ones_are_skipped(
    aurora, customers, tmp_path, small_blocks
):
    PurchaseFactory(customer=customers[0], occurred_on=dt.date(2020, 1, 1), amount="1.00", base_amount="1.00")
    path = tmp_path / "t.csv"
    body = good_rows(500)
    path.write_text(HEADER + body + body.splitlines(keepends=True)[3], encoding="utf-8")
    job = run(aurora, path)
    assert problems(job) == [(502, "date", "duplicate_row")]
    assert "row 5" in job.errors[0]["message"]
    assert Purchase.objects.count() == 1
    path.write_text(HEADER + body, encoding="utf-8")
    job = run(aurora, path)
    assert (job.status, job.created_count, job.skipped_count) == ("succeeded", 499, 1)
    assert Purchase.objects.count() == 500


def test_every_problem_is_counted_past_the_report(aurora, customers, tmp_path, small_blocks):
    path = tmp_path / "t.csv"
    rows = "".join(f"C-{n % 20},2024-01-{n % 28 + 1:02d},-{n}.00,EUR\n" for n in range(1, 301))
    path.write_text(HEADER + rows + "C-999,,1,USD\n", encoding="utf-8")
    job = run(aurora, path)
    # 300 negative amounts (EUR has no rate, but a bad row is not converted), a missing date and an
    # unknown customer on the last row.
    assert job.error_count == 302
    assert len(job.errors) == 100 and job.errors[0]["row"] == 2


def test_a_rate_converts_with_the_one_rule_and_an_unknown_currency_is_refused(aurora, customers, tmp_path):
    from decimal import Decimal

    from leeway.policy.models import ExchangeRate

    ExchangeRate.objects.create(organization=aurora, currency="EUR", rate=Decimal("1.10"))
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "C-1,2024-01-01, 10.05 ,eur\nC-2,2024-01-01,1.00,XTS\n", encoding="utf-8")
    assert problems(run(aurora, path)) == [(3, "currency", "unknown_currency")]
    path.write_text(HEADER + "C-1,2024-01-01, 10.05 ,eur\n", encoding="utf-8")
    job = run(aurora, path)
    assert job.status == "succeeded", job.errors
    purchase = Purchase.objects.get()
    assert (purchase.amount, purchase.currency, purchase.base_amount) == (
        Decimal("10.05"),
        "EUR",
        Decimal("11.06"),  # 11.055 half to even
    )


def test_quoted_cells_and_odd_line_ends_read_as_the_csv_module_does(
    aurora, customers, tmp_path, small_blocks
):
    path = tmp_path / "t.csv"
    quoted = '"C-1","2024-02-01","5.00","USD"\r\n'
    text = HEADER + good_rows(300) + "\n ,  ,,\n" + "C-2,2024-02-01,5.00\n" + quoted + good_rows(300, 300)
    path.write_bytes(text.encode())
    job = run(aurora, path)
    # The blank rows are skipped but counted in the row numbers; the short one is described.
    assert problems(job) == [(304, None, "wrong_column_count")]
    path.write_bytes((HEADER + good_rows(300) + "\r\n" + quoted + good_rows(300, 300)).encode())
    job = run(aurora, path)
    assert (job.status, job.created_count) == ("succeeded", 601), job.errors


def test_a_file_broken_late_is_refused_naming_the_row(aurora, customers, tmp_path, small_blocks):
    path = tmp_path / "t.csv"
    path.write_bytes((HEADER + good_rows(400)).encode() + "C-1,2024-01-01,1.00,USD,é\n".encode("latin-1"))
    job = run(aurora, path)
    assert job.status == "failed"
    assert "not UTF-8" in job.error and "row 402" in job.error
    assert not Purchase.objects.exists()


def test_the_command_line_is_not_held_to_the_upload_limit(aurora, customers, tmp_path, settings, capsys):
    settings.LEEWAY_MAX_UPLOAD_BYTES = 100
    path = tmp_path / "t.csv"
    path.write_text(HEADER + good_rows(50), encoding="utf-8")
    with translation.override("en"):
        call_command("import", "transactions", str(path), organization="aurora", no_progress=True)
    assert "50 created" in capsys.readouterr().out
    assert Purchase.objects.count() == 50


def test_the_command_line_lists_the_bad_rows(aurora, customers, tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + good_rows(5) + "C-1,2024-13-01,1.00,USD\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Import refused"):
        call_command("import", "transactions", str(path), organization="aurora", no_progress=True)
    assert "Enter a date as YYYY-MM-DD." in capsys.readouterr().err
    assert not Purchase.objects.exists()
