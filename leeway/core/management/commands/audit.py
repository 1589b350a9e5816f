"""`leeway audit verify`: check every organization's audit chain."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from leeway.core.audit import audit_verify
from leeway.core.models import ORGANIZATION_MODEL, AuditEntry


class Command(BaseCommand):
    help = "Audit trail tools. `verify` exits 1 and names the first broken entry."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Verify the hash chains.")
        verify.add_argument("--organization", help="Only this organization (slug).")

    def handle(self, *args, **options):
        organization_id = None
        if options.get("organization"):
            Organization = apps.get_model(ORGANIZATION_MODEL)
            try:
                organization_id = Organization.objects.get(slug=options["organization"]).pk
            except Organization.DoesNotExist:
                raise CommandError(f"No organization {options['organization']!r}") from None
        breaks = audit_verify(organization_id=organization_id)
        if breaks:
            first = breaks[0]
            for problem in breaks:
                self.stderr.write(f"BROKEN {problem}")
            raise CommandError(f"Audit trail broken at {first}", returncode=1)
        count = (
            AuditEntry.objects.count()
            if organization_id is None
            else AuditEntry.objects.filter(organization_id=organization_id).count()
        )
        self.stdout.write(f"Audit trail intact ({count} entries).")
