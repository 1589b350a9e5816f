"""Background work for customers: running an uploaded CSV import."""

import logging
import os

from django_tasks import task

from leeway.customers.imports import import_file
from leeway.customers.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)


@task()
def import_run(job_id: int) -> str:
    """Import the file an analyst uploaded; the import page polls the job for progress."""
    job = ImportJob.objects.select_related("organization", "created_by").get(pk=job_id)
    if job.status != ImportStatus.QUEUED:
        return job.status  # already run (a retried task must not import twice)
    path = job.stored_path
    try:
        import_file(job=job, path=path)
    finally:
        try:
            os.remove(path)
        except OSError:
            logger.warning("Could not remove the uploaded file of import %s", job_id)
        ImportJob.objects.filter(pk=job_id).update(stored_path="")
    return job.status
