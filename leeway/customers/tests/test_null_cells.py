"""A NUL character anywhere in a CSV import is refused (PostgreSQL cannot hold one), naming row and column."""

import pytest

from leeway.customers.imports import import_file, import_job_create
from leeway.customers.models import Customer, Purchase
from leeway.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def run(organization, kind, path):
    job = import_job_create(organization=organization, kind=kind, file_name=path.name, size_bytes=0)
    import_file(job=job, path=path)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("column", ["customer", "date", "amount", "currency"])
def test_a_nul_past_the_first_64_kib_is_a_row_error_and_nothing_is_imported(aurora, tmp_path, column):
    CustomerFactory(organization=aurora, external_id="C-1001")
    good = "C-1001,2024-03-01,42.50,USD\n" * 3000  # ~84 KB: beyond the file-level binary check
    cells = {"customer": "C-1001", "date": "2024-03-02", "amount": "5.00", "currency": "USD"}
    cells[column] = cells[column][:2] + "\x00" + cells[column][2:]
    bad = ",".join(cells[name] for name in ("customer", "date", "amount", "currency")) + "\n"
    path = tmp_path / "purchases.csv"
    path.write_text("customer,date,amount,currency\n" + good + bad, encoding="utf-8")
    job = run(aurora, "transactions", path)
    assert job.status == "failed"
    assert [(e["row"], e["field"], e["code"]) for e in job.errors if e["code"] == "invalid_text"] == [
        (3002, column, "invalid_text")
    ]
    assert not Purchase.objects.exists()


def test_a_nul_in_a_customer_row_names_the_column(aurora, tmp_path):
    rows = "".join(f"C-{n},Name {n}\n" for n in range(4000))
    path = tmp_path / "customers.csv"
    path.write_text("external_id,name\n" + rows + "C-X\x00,Bad\n", encoding="utf-8")
    job = run(aurora, "customers", path)
    assert job.status == "failed"
    assert [(e["row"], e["field"], e["code"]) for e in job.errors] == [(4002, "external_id", "invalid_text")]
    assert not Customer.objects.exists()
