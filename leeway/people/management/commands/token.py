"""`leeway token create USERNAME`: print a new API token."""

from django.core.management.base import BaseCommand, CommandError

from leeway.core.errors import DomainError
from leeway.people.services import member_by_username, token_create


class Command(BaseCommand):
    help = "API tokens. `create USERNAME` prints a new token for that member."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it.")
        create.add_argument("username")
        create.add_argument("--name", default="cli")

    def handle(self, *args, **options):
        try:
            member = member_by_username(username=options["username"])
            _token, raw = token_create(member=member, name=options["name"])
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(raw)
