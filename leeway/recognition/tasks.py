"""Background work for recognition: the weekly digest, enqueued by `leeway worker` once a week."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from leeway.recognition.digest import DIGEST_DAYS, digest_send_all
from leeway.recognition.models import Award, Celebration, Kudos

DIGEST_JOB = "recognition.weekly_digest"


@task()
def recognition_digest_all() -> dict[str, int]:
    """Send every team's weekly digest; `leeway recognition-digest` does the same inline."""
    return {result.team: result.recipients for result in digest_send_all()}


def recognition_digest_enqueue() -> bool:
    """Enqueue the weekly digest when anything was celebrated in the week (a quiet week queues nothing)."""
    since = timezone.now() - timedelta(days=DIGEST_DAYS)
    busy = (
        Celebration.objects.filter(created_at__gte=since).exists()
        or Kudos.objects.filter(created_at__gte=since).exists()
        or Award.objects.filter(confirmed_at__gte=since).exists()
    )
    if busy:
        recognition_digest_all.enqueue()
    return busy
