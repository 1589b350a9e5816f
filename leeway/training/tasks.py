"""Background work for training: the daily track-record round, enqueued by `leeway worker`."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from leeway.customers.models import Outcome
from leeway.decisions.models import Decision
from leeway.people.models import Organization
from leeway.training.services import track_record_proposals


@task()
def track_record_all() -> dict[str, int]:
    """Propose the next tier to every organization's agents whose track record earns it."""
    return {
        organization.slug: len(track_record_proposals(organization=organization))
        for organization in Organization.objects.all()
    }


def track_record_enqueue() -> bool:
    """Enqueue the round when a record can have grown since the last one (a protected decision or an outcome
    in the day); a quiet day queues nothing. A record that would qualify only because an old correction left
    the window waits for the agent's next protected decision."""
    since = timezone.now() - timedelta(days=1)
    busy = (
        Decision.objects.filter(protected=True, created_at__gte=since).exists()
        or Outcome.objects.filter(decision__isnull=False, occurred_at__gte=since).exists()
    )
    if busy:
        track_record_all.enqueue()
    return busy
