"""An import that writes rows is followed by a value refresh: imported customers get values with no click."""

import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leeway.core.models import AuditEntry
from leeway.customers.models import Customer, ImportJob
from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory
from leeway.value.models import ValueRun, ValueRunStatus

pytestmark = pytest.mark.django_db

TODAY = "2024-06-30"


@pytest.fixture
def analyst(aurora, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return MemberFactory(organization=aurora, role=Role.ANALYST, username="aurora-analyst-t")


def history_csv(customers: int, seed: int = 7) -> tuple[bytes, bytes]:
    """A customers file and a transactions file drawn from the demo's purchase process."""
    import datetime as dt

    from leeway.customers.demo import PROFILES, _draw_history

    rng = random.Random(seed)
    people = ["external_id,name"]
    purchases = ["customer,date,amount,currency"]
    for n in range(customers):
        people.append(f"C-{n},Customer {n}")
        for day, amount in _draw_history(rng, PROFILES["aurora"], today=dt.date.fromisoformat(TODAY)):
            purchases.append(f"C-{n},{day.isoformat()},{amount},USD")
    return "\n".join(people).encode(), "\n".join(purchases).encode()


def upload(client, kind: str, content: bytes):
    return client.post(
        reverse("customers:import_upload", args=[kind]),
        {"file": SimpleUploadedFile(f"{kind}.csv", content, "text/csv")},
    )


def test_imported_customers_get_values_without_a_refresh_by_hand(client, analyst, time_machine):
    time_machine.move_to(f"{TODAY} 12:00:00+00:00", tick=False)
    people, purchases = history_csv(300)
    client.force_login(analyst)
    upload(client, "customers", people)
    response = upload(client, "transactions", purchases)
    job = ImportJob.objects.get(kind="transactions")
    assert job.status == "succeeded"
    # The customers import ran one refresh (no purchases yet); the purchases import ran another.
    runs = list(ValueRun.objects.filter(organization=analyst.organization).order_by("id"))
    assert [(run.trigger, run.started_by) for run in runs] == [("import", analyst), ("import", analyst)]
    assert runs[-1].status == ValueRunStatus.SUCCEEDED
    assert runs[-1].progress_done == 300
    assert not Customer.objects.filter(predicted_clv__isnull=True).exists()
    assert AuditEntry.objects.filter(action__startswith="value.", organization=analyst.organization).exists()
    html = client.get(reverse("customers:detail", args=["C-1"])).content.decode()
    assert "No predicted value" not in html and "Predicted value" in html
    # The import's page says a refresh follows and links to it.
    html = client.get(response["Location"]).content.decode()
    assert "Customer values are being refreshed" in html
    assert reverse("value:overview") in html


def test_an_import_that_changes_nothing_or_fails_starts_no_refresh(client, analyst, time_machine):
    time_machine.move_to(f"{TODAY} 12:00:00+00:00", tick=False)
    client.force_login(analyst)
    upload(client, "customers", b"external_id,name\nC-1,Ann Lee\n")
    assert ValueRun.objects.count() == 1
    upload(client, "transactions", b"customer,date,amount,currency\nC-1,2024-01-01,-3,USD\n")  # refused
    assert ImportJob.objects.filter(status="failed").count() == 1
    assert ValueRun.objects.count() == 1
    upload(client, "transactions", b"customer,date,amount,currency\nC-1,2024-01-01,3.00,USD\n")
    upload(client, "transactions", b"customer,date,amount,currency\nC-1,2024-01-01,3.00,USD\n")  # all skipped
    assert ImportJob.objects.filter(status="succeeded", skipped_count=1).count() == 1
    assert ValueRun.objects.count() == 2


def test_no_second_refresh_is_queued_beside_one_still_waiting(analyst, settings):
    from leeway.customers.imports import import_job_create
    from leeway.value.refresh import value_run_create
    from leeway.value.services import value_refresh_after_import

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    waiting = value_run_create(organization=analyst.organization, trigger="page", member=analyst)
    job = import_job_create(
        organization=analyst.organization, kind="customers", file_name="a.csv", size_bytes=1, member=analyst
    )
    job.created_count = 5
    assert value_refresh_after_import(job=job) is None
    waiting.status = ValueRunStatus.SUCCEEDED
    waiting.save()
    run = value_refresh_after_import(job=job)
    assert (run.status, run.trigger) == (ValueRunStatus.QUEUED, "import")
