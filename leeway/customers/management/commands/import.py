"""`leeway import customers|transactions|outcomes FILE --organization SLUG`: streamed, all or nothing."""

import os

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from leeway.customers.imports import SPECS, import_file, import_job_create, refusal_lines
from leeway.customers.models import ImportStatus
from leeway.people.models import Organization


class Command(BaseCommand):
    help = (
        "Import a CSV file of customers, transactions or outcomes into one organization. "
        "Nothing is written unless every row is good; bad rows are listed with their row number."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(SPECS))
        parser.add_argument("file")
        parser.add_argument("--organization", required=True, help="The organization's slug, e.g. aurora.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar.")

    def handle(self, *args, kind, file, organization, no_progress=False, **options):
        try:
            org = Organization.objects.get(slug=organization)
        except Organization.DoesNotExist:
            raise CommandError(f"No organization with the slug {organization!r}.") from None
        if not os.path.isfile(file):
            raise CommandError(f"No such file: {file}")
        size = os.path.getsize(file)
        job = import_job_create(organization=org, kind=kind, file_name=file, size_bytes=size)
        show_bar = not no_progress and options.get("verbosity", 1) > 0
        with tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc=f"{kind} {os.path.basename(file)}",
            disable=not show_bar,
        ) as bar:

            def advance(done: int) -> None:
                bar.update(max(0, done - bar.n))

            import_file(job=job, path=file, on_progress=advance, uploaded=False)
        if job.status == ImportStatus.SUCCEEDED:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported {job.rows_read} rows of {kind}: {job.created_count} created, "
                    f"{job.updated_count} updated, {job.skipped_count} already recorded."
                )
            )
            return
        if job.error:
            raise CommandError(job.error)
        for line in refusal_lines(error_count=job.error_count, rows=job.rows_read, errors=job.errors):
            self.stderr.write(line)
        raise CommandError("Import refused; fix the rows above and run it again.")
