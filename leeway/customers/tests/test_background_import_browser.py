"""With the database task backend (the embedded default since `leeway serve` runs a worker), an upload
returns at once, the import runs in the worker, and its page follows the progress without a reload."""

import threading

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from leeway.core.tests.browser import SCREENSHOTS, log_in, watch_csp
from leeway.customers.models import Customer, ImportJob
from leeway.value.models import ValueRun

pytestmark = pytest.mark.browser

ROWS = 30_000


@pytest.fixture
def queued_live(transactional_db, live_server, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("demo-data", verbosity=0)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return live_server


def test_an_upload_is_imported_in_the_background_and_its_page_follows_it(page, queued_live, tmp_path):
    from django_tasks_db.models import DBTaskResult

    violations = watch_csp(page)
    csv = tmp_path / "centre.csv"
    csv.write_text(
        "external_id,name\n" + "".join(f"N-{n:05d},Customer {n}\n" for n in range(ROWS)), encoding="utf-8"
    )
    log_in(page, queued_live.url, "aurora-admin")
    page.goto(f"{queued_live.url}/customers/imports/")
    page.locator("#id_customers_file").set_input_files(str(csv))
    page.get_by_role("button", name="Import Customers").click()

    # The upload answered at once: the job waits for the worker, and its page polls.
    status = page.locator("#job-status")
    expect(status).to_contain_text("Waiting to start")
    expect(status).to_have_attribute("hx-trigger", "every 1s")
    job = ImportJob.objects.get()
    assert (job.status, Customer.objects.filter(external_id__startswith="N-").count()) == ("queued", 0)

    # The worker (what `leeway serve` starts beside the web server) picks the job up.
    worker = threading.Thread(target=call_command, args=("worker", "--once", "--worker-id", "embedded"))
    worker.start()
    expect(status).to_contain_text(f"All {ROWS:,} rows imported: {ROWS:,} created", timeout=60_000)
    worker.join(timeout=120)
    assert not worker.is_alive()
    expect(status).not_to_have_attribute("hx-trigger", "every 1s")  # finished: polling stopped
    expect(status).to_contain_text("Customer values are being refreshed")
    page.screenshot(path=str(SCREENSHOTS / "import-background-1366x768.png"))

    assert Customer.objects.filter(external_id__startswith="N-").count() == ROWS
    tasks = dict(DBTaskResult.objects.values_list("task_path", "status"))
    assert tasks["leeway.customers.tasks.import_run"] == "SUCCESSFUL"
    assert tasks["leeway.value.tasks.value_refresh_run"] == "SUCCESSFUL"
    assert ValueRun.objects.filter(trigger="import").exists()
    assert violations == []
