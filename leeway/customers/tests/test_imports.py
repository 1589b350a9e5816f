"""CSV imports: streamed, all or nothing, with a per-row report of what is wrong."""

import datetime as dt
import tracemalloc
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from leeway.core.models import AuditEntry, OutboxEvent
from leeway.customers.imports import REPORT_LIMIT, import_file, import_job_create
from leeway.customers.models import Customer, ImportJob, ImportRow, Outcome, Purchase
from leeway.customers.tests.factories import CustomerFactory, PurchaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def write(tmp_path):
    def write(text: str | bytes, name: str = "file.csv"):
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


def run(organization, kind, path) -> ImportJob:
    job = import_job_create(organization=organization, kind=kind, file_name=str(path), size_bytes=0)
    import_file(job=job, path=path)
    job.refresh_from_db()
    assert not ImportRow.objects.exists(), "staged rows are always cleaned up"
    return job


def problems(job) -> list[tuple[int, str | None, str]]:
    return [(error["row"], error["field"], error["code"]) for error in job.errors]


CUSTOMERS = """external_id,name,email,phone,language,segment,created_on
C-1001,María García,maria@example.com,+1 303 555 0101,es,residential,2023-05-14
C-1002,Avery Brooks,,,en,,
C-1003,"Brooks, Jordan",jordan@example.com,,,business,2024-01-02
"""


class TestCustomers:
    def test_a_good_file_creates_customers(self, aurora, write):
        job = run(aurora, "customers", write(CUSTOMERS))
        assert (job.status, job.rows_read, job.created_count, job.updated_count) == ("succeeded", 3, 3, 0)
        maria = Customer.objects.get(external_id="C-1001")
        assert (maria.name, maria.language, maria.created_on) == ("María García", "es", dt.date(2023, 5, 14))
        assert maria.name_key == "maria garcia" and maria.phone_key == "13035550101"
        assert Customer.objects.get(external_id="C-1003").name == "Brooks, Jordan"
        assert Customer.objects.get(external_id="C-1003").language == "en"  # the organization's default
        assert AuditEntry.objects.filter(action="customers.imported", object_id=str(job.pk)).count() == 1
        assert OutboxEvent.objects.filter(topic="customers.imported").count() == 1

    def test_existing_customers_are_updated_and_columns_left_out_are_kept(self, aurora, write):
        CustomerFactory(organization=aurora, external_id="C-1001", name="Old", email="old@example.com")
        job = run(aurora, "customers", write("external_id,name\nC-1001,María García\nC-1002,New One\n"))
        assert (job.status, job.created_count, job.updated_count) == ("succeeded", 1, 1)
        maria = Customer.objects.get(external_id="C-1001")
        assert (maria.name, maria.email, maria.name_key) == (
            "María García",
            "old@example.com",
            "maria garcia",
        )

    def test_another_organizations_customers_are_untouched(self, aurora, casa, write):
        CustomerFactory(organization=casa, external_id="C-1001", name="Casa")
        run(aurora, "customers", write(CUSTOMERS))
        assert Customer.objects.get(organization=casa).name == "Casa"

    def test_a_repeated_customer_id_is_reported_and_nothing_is_written(self, aurora, write):
        text = "external_id,name\nC-1,A\nC-2,B\nC-1,C\nC-1,D\n"
        job = run(aurora, "customers", write(text))
        assert job.status == "failed"
        assert problems(job) == [(4, "external_id", "duplicate_row"), (5, "external_id", "duplicate_row")]
        assert "row 2" in job.errors[0]["message"]
        assert not Customer.objects.exists()

    def test_bad_values_are_reported_per_row_and_field(self, aurora, write):
        text = (
            "external_id,name,email,language,created_on\n"
            "C-1,Good,,en,\n"
            "C 2,Bad id,,en,\n"
            "C-3,,,en,\n"
            "C-4,Bad email,nope,en,\n"
            "C-5,Bad language,,fr,\n"
            "C-6,Bad date,,en,14/05/2023\n"
            "C-7,Too few\n"
        )
        job = run(aurora, "customers", write(text))
        assert job.status == "failed"
        assert problems(job) == [
            (3, "external_id", "invalid_external_id"),
            (4, "name", "required"),
            (5, "email", "invalid_email"),
            (6, "language", "invalid_language"),
            (7, "created_on", "invalid_date"),
            (8, None, "wrong_column_count"),
        ]
        assert job.error_count == 6
        assert not Customer.objects.exists()
        assert not AuditEntry.objects.filter(action="customers.imported").exists()


class TestTransactions:
    @pytest.fixture
    def customers(self, aurora):
        return [CustomerFactory(organization=aurora, external_id=f"C-100{n}") for n in range(1, 4)]

    def test_a_good_file_records_purchases_in_the_base_currency(self, aurora, customers, write):
        from leeway.policy.models import ExchangeRate

        ExchangeRate.objects.create(organization=aurora, currency="EUR", rate=Decimal("1.10"))
        text = "customer,date,amount,currency\nC-1001,2024-03-01,42.50,USD\nC-1002,2024-03-02,100.00,EUR\n"
        job = run(aurora, "transactions", write(text))
        assert (job.status, job.created_count) == ("succeeded", 2), job.errors
        rows = list(Purchase.objects.order_by("occurred_on").values_list("amount", "currency", "base_amount"))
        assert rows == [
            (Decimal("42.50"), "USD", Decimal("42.50")),
            (Decimal("100.00"), "EUR", Decimal("110.00")),
        ]
        assert set(Purchase.objects.values_list("import_job", flat=True)) == {job.pk}

    def test_importing_the_same_file_again_skips_what_is_already_recorded(self, aurora, customers, write):
        text = "customer,date,amount,currency\nC-1001,2024-03-01,42.50,USD\nC-1002,2024-03-02,10.00,USD\n"
        run(aurora, "transactions", write(text))
        text += "C-1003,2024-03-03,5.00,USD\n"
        job = run(aurora, "transactions", write(text, "again.csv"))
        assert (job.status, job.created_count, job.skipped_count) == ("succeeded", 1, 2)
        assert Purchase.objects.count() == 3

    def test_each_kind_of_bad_row_is_reported_and_nothing_is_written(self, aurora, customers, write):
        PurchaseFactory(customer=customers[0], occurred_on=dt.date(2023, 1, 1))
        text = (
            "customer,date,amount,currency\n"
            "C-1001,2024-03-01,42.50,USD\n"  # 2 good
            "C-1001,2024-03-32,42.50,USD\n"  # 3 bad date
            "C-1001,2024-03-02,-5.00,USD\n"  # 4 negative
            "C-1001,2024-03-02,lots,USD\n"  # 5 not a number
            "C-9999,2024-03-02,5.00,USD\n"  # 6 unknown customer
            "C-1001,2024-03-02,5.00,XTS\n"  # 7 unknown currency
            "C-1001,2024-03-01,42.50,USD\n"  # 8 duplicate of row 2
            "C-1002,2999-01-01,5.00,USD\n"  # 9 future
            ",2024-03-02,5.00,USD\n"  # 10 no customer
            "C-1002,2024-03-02,5.001,USD\n"  # 11 three decimals
        )
        job = run(aurora, "transactions", write(text))
        assert job.status == "failed"
        assert problems(job) == [
            (3, "date", "invalid_date"),
            (4, "amount", "amount_negative"),
            (5, "amount", "amount_not_a_number"),
            (6, "customer", "unknown_customer"),
            (7, "currency", "unknown_currency"),
            (8, "date", "duplicate_row"),
            (9, "date", "date_out_of_range"),
            (10, "customer", "required"),
            (11, "amount", "amount_too_precise"),
        ]
        assert Purchase.objects.count() == 1  # only the one that was there before

    def test_the_report_is_capped_but_every_problem_is_counted(self, aurora, customers, write):
        rows = "".join(f"C-1001,2024-03-01,-{n}.00,USD\n" for n in range(1, 251))
        job = run(aurora, "transactions", write("customer,date,amount,currency\n" + rows))
        assert job.status == "failed"
        assert len(job.errors) == REPORT_LIMIT
        assert job.error_count == 250
        assert job.errors[0]["row"] == 2

    def test_many_duplicates_are_counted_beyond_the_report(self, aurora, customers, write):
        rows = "C-1001,2024-03-01,1.00,USD\n" * 300
        job = run(aurora, "transactions", write("customer,date,amount,currency\n" + rows))
        assert (job.status, job.error_count, len(job.errors)) == ("failed", 299, REPORT_LIMIT)
        assert not Purchase.objects.exists()


class TestOutcomes:
    def test_a_good_file_records_outcomes_and_purchase_outcomes_as_purchases(self, aurora, write):
        CustomerFactory(organization=aurora, external_id="C-1001")
        text = (
            "customer,kind,value,occurred_at\n"
            "C-1001,csat,5,2024-03-01T10:00:00Z\n"
            "C-1001,retained,,2024-03-02T10:00:00Z\n"
            "C-1001,purchase,80.00,2024-03-03\n"
        )
        job = run(aurora, "outcomes", write(text))
        assert (job.status, job.created_count) == ("succeeded", 3), job.errors
        assert sorted(Outcome.objects.values_list("kind", "score")) == [
            ("csat", 5),
            ("purchase", None),
            ("retained", None),
        ]
        purchase_outcome = Outcome.objects.get(kind="purchase")
        assert purchase_outcome.purchase.amount == Decimal("80.00")
        assert purchase_outcome.purchase.occurred_on == dt.date(2024, 3, 3)

    def test_bad_outcomes_are_reported(self, aurora, write):
        CustomerFactory(organization=aurora, external_id="C-1001")
        text = (
            "customer,kind,value,decision\n"
            "C-1001,csat,6,\n"
            "C-1001,happy,,\n"
            "C-1001,churned,3,\n"
            "C-1001,purchase,,\n"
            "C-2,retained,,\n"
            "C-1001,retained,,00000000-0000-0000-0000-000000000000\n"
            "C-1001,retained,,not-a-uuid\n"
        )
        job = run(aurora, "outcomes", write(text))
        assert problems(job) == [
            (2, "value", "invalid_score"),
            (3, "kind", "invalid_kind"),
            (4, "value", "value_not_allowed"),
            (5, "value", "amount_required"),
            (6, "customer", "unknown_customer"),
            (7, "decision", "decision_not_found"),
            (8, "decision", "invalid_decision"),
        ]
        assert not Outcome.objects.exists()


class TestWholeFileProblems:
    def test_a_wrong_header_names_the_expected_columns(self, aurora, write):
        job = run(aurora, "transactions", write("customer_id,day,amount\nC-1,2024-01-01,1.00\n"))
        assert job.status == "failed"
        assert "customer, date, amount, currency" in job.error
        assert "missing customer, date, currency" in job.error
        assert "unexpected customer_id, day" in job.error
        assert job.errors == []

    def test_a_repeated_column_is_refused(self, aurora, write):
        job = run(aurora, "customers", write("external_id,name,name\n"))
        assert "repeats the column(s) name" in job.error

    def test_a_file_that_is_not_utf8_is_refused_clearly(self, aurora, write):
        job = run(aurora, "customers", write("external_id,name\nC-1,José Núñez\n".encode("latin-1")))
        assert job.status == "failed"
        assert "not UTF-8" in job.error
        assert not Customer.objects.exists()

    def test_a_utf16_file_is_refused_clearly(self, aurora, write):
        job = run(aurora, "customers", write("external_id,name\nC-1,Ann\n".encode("utf-16")))
        assert "not UTF-8" in job.error

    def test_a_utf8_file_with_a_byte_order_mark_is_fine(self, aurora, write):
        job = run(aurora, "customers", write("\ufeffexternal_id,name\nC-1,Ann\n".encode()))
        assert job.status == "succeeded", job.error

    def test_an_oversized_file_is_refused_before_reading(self, aurora, write, settings):
        settings.LEEWAY_MAX_UPLOAD_BYTES = 100
        job = run(aurora, "customers", write("external_id,name\n" + "C-1,Ann\n" * 20))
        assert "too large" in job.error
        assert job.rows_read == 0

    def test_an_empty_file_and_a_header_alone_are_refused(self, aurora, write):
        assert run(aurora, "customers", write("")).error == "The file is empty."
        assert "no rows" in run(aurora, "customers", write("external_id,name\n\n")).error

    def test_a_binary_file_is_refused(self, aurora, write):
        job = run(aurora, "customers", write(b"external_id,name\nC-1,A\x00B\n"))
        assert job.status == "failed"
        assert job.error


class TestCommandLine:
    def test_it_imports_and_says_what_it_did(self, aurora, write, capsys):
        call_command("import", "customers", str(write(CUSTOMERS)), organization="aurora", no_progress=True)
        assert "3 created" in capsys.readouterr().out
        assert Customer.objects.count() == 3
        assert ImportJob.objects.get().created_by is None

    def test_it_lists_bad_rows_and_fails(self, aurora, write, capsys):
        with pytest.raises(CommandError, match="Import refused"):
            call_command(
                "import",
                "customers",
                str(write("external_id,name\nC-1,\n")),
                organization="aurora",
                no_progress=True,
            )
        assert "name" in capsys.readouterr().err
        assert not Customer.objects.exists()

    def test_it_needs_a_known_organization(self, db, write):
        with pytest.raises(CommandError, match="No organization"):
            call_command("import", "customers", str(write(CUSTOMERS)), organization="nope", no_progress=True)


def _import_peak(aurora, path, rows, *, start=0) -> tuple[int, int]:
    """Write a transactions file of `rows` rows, import it, and return (file size, peak traced bytes)."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("customer,date,amount,currency\n")
        for n in range(start, start + rows):
            day = dt.date(2020, 1, 1) + dt.timedelta(days=n % 1500)
            out.write(f"C-{n % 50},{day.isoformat()},{n // 100 + 1}.{n % 100:02d},USD\n")
    size = path.stat().st_size
    job = import_job_create(organization=aurora, kind="transactions", file_name=path.name, size_bytes=size)
    tracemalloc.start()
    try:
        import_file(job=job, path=path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error, job.errors[:3])
    assert job.created_count == rows
    return size, peak


def test_a_large_file_is_streamed_in_bounded_memory(aurora, tmp_path, monkeypatch):
    """Four times the rows must not take four times the memory: the import streams, chunk by chunk."""
    from leeway.customers.imports import columns

    # Blocks of 512 KiB (~18,000 rows) instead of 8 MiB, so both files span several of them.
    monkeypatch.setattr(columns, "BLOCK_BYTES", 512 * 1024)
    customers = Customer.objects.bulk_create(
        [Customer(organization=aurora, external_id=f"C-{n}", name=f"Customer {n}") for n in range(50)]
    )
    _small_size, small_peak = _import_peak(aurora, tmp_path / "small.csv", 50_000)
    size, peak = _import_peak(aurora, tmp_path / "big.csv", 200_000, start=50_000)
    assert Purchase.objects.filter(customer__in=customers).count() == 250_000
    assert size > 5_000_000
    # A whole-file read would grow with the file; a streamed one stays about flat.
    assert peak < 1.5 * small_peak + 512 * 1024, (
        f"peak {peak} bytes for 200,000 rows, {small_peak} for 50,000"
    )
    # Bounded by the block instead: its cells as Python strings and the staged rows, not the file.
    assert peak < 64 * columns.BLOCK_BYTES < size * 8, f"peak {peak} bytes for a {size}-byte file"
