"""Background work for training: the daily track-record round, enqueued by `leeway worker`."""

from django_tasks import task

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
    track_record_all.enqueue()
    return True
