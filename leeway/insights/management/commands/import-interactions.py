"""`leeway import-interactions FILE --organization SLUG`: a helpdesk's interactions, all or nothing."""

import os

from django.core.management.base import BaseCommand, CommandError

from leeway.customers.imports import refusal_lines
from leeway.insights.interactions import SPEC, interactions_import
from leeway.people.models import Organization


class Command(BaseCommand):
    help = (
        "Import a CSV file of helpdesk interactions (columns: "
        + ", ".join(SPEC.required)
        + "; optional: "
        + ", ".join(SPEC.optional)
        + ") into one organization. Nothing is written unless every row is good; bad rows are listed "
        "with their row number. Interactions already recorded as they are are counted, not doubled."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--organization", required=True, help="The organization's slug, e.g. aurora.")

    def handle(self, *args, file, organization, **options):
        try:
            org = Organization.objects.get(slug=organization)
        except Organization.DoesNotExist:
            raise CommandError(f"No organization with the slug {organization!r}.") from None
        if not os.path.isfile(file):
            raise CommandError(f"No such file: {file}")
        result = interactions_import(organization=org, path=file)
        if result.succeeded:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported {result.rows} rows of interactions: {result.created} created, "
                    f"{result.skipped} already recorded."
                )
            )
            return
        if result.error:
            raise CommandError(result.error)
        for line in refusal_lines(error_count=result.error_count, rows=result.rows, errors=result.errors):
            self.stderr.write(line)
        raise CommandError("Import refused; fix the rows above and run it again.")
