"""`leeway recognition-digest [--team ID_OR_NAME ...]`: send the weekly recognition digest now."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from leeway.people.models import Team
from leeway.recognition.digest import digest_send_all


class Command(BaseCommand):
    help = "Send each team's weekly digest of celebrated decisions (all teams, or those named)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--team", action="append", default=[], help="A team's id or exact name (repeat for several)."
        )

    def handle(self, *args, team, **options):
        team_ids = None
        if team:
            team_ids = []
            for wanted in team:
                query = Q(name=wanted) | (Q(pk=int(wanted)) if wanted.isdigit() else Q())
                found = list(Team.objects.filter(query).values_list("pk", flat=True))
                if not found:
                    raise CommandError(f"No team {wanted!r}.")
                team_ids += found
        for result in digest_send_all(team_ids=team_ids):
            self.stdout.write(f"{result.team}: {result.recipients} sent ({result.items} items)")
