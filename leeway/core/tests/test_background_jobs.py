"""Imports and value runs share one background-job base; its migrations keep the jobs already recorded."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from leeway.core.models import BackgroundJob, JobStatus

IMPORTS = ("customers", "0003_customer_segments_named")
IMPORTS_SHARED = ("customers", "0004_import_jobs_share_the_background_job_fields")
RUNS = ("value", "0004_run_records_boundary_penalty")
RUNS_SHARED = ("value", "0005_value_runs_share_the_background_job_fields")


def test_import_jobs_and_value_runs_are_background_jobs():
    from leeway.customers.models import ImportJob, ImportStatus
    from leeway.value.models import ValueRun, ValueRunStatus

    assert issubclass(ImportJob, BackgroundJob) and issubclass(ValueRun, BackgroundJob)
    # Each names the statuses in its own words; the values are the shared ones.
    assert set(ImportStatus.values) == set(ValueRunStatus.values) == set(JobStatus.values)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migrations_keep_each_jobs_progress_and_error(aurora):
    old = migrate([IMPORTS, RUNS])
    job = old.get_model("customers", "ImportJob").objects.create(
        organization_id=aurora.pk,
        kind="customers",
        file_name="people.csv",
        status="failed",
        size_bytes=2048,
        bytes_read=1024,
        failure="The header does not match.",
    )
    run = old.get_model("value", "ValueRun").objects.create(
        organization_id=aurora.pk, status="failed", customers=300, customers_updated=120, failure_detail="nan"
    )
    new = migrate([IMPORTS_SHARED, RUNS_SHARED])
    job = new.get_model("customers", "ImportJob").objects.get(pk=job.pk)
    assert (job.progress_total, job.progress_done, job.error) == (2048, 1024, "The header does not match.")
    run = new.get_model("value", "ValueRun").objects.get(pk=run.pk)
    assert (run.progress_total, run.progress_done, run.error) == (300, 120, "nan")
    back = migrate([IMPORTS, RUNS])  # and back again
    assert back.get_model("customers", "ImportJob").objects.get(pk=job.pk).size_bytes == 2048
    migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
