"""Background work for recognition: the weekly digest, enqueued by `leeway worker` once a week."""

from django_tasks import task

from leeway.recognition.digest import digest_send_all

DIGEST_JOB = "recognition.weekly_digest"


@task()
def recognition_digest_all() -> dict[str, int]:
    """Send every team's weekly digest; `leeway recognition-digest` does the same inline."""
    return {result.team: result.recipients for result in digest_send_all()}
