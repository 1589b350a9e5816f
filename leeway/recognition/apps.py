from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecognitionConfig(AppConfig):
    """Celebrating empowered decisions: company values, kudos, celebrations, awards and the weekly digest."""

    name = "leeway.recognition"
    label = "recognition"
    verbose_name = _("Recognition")

    def ready(self):
        from datetime import timedelta

        from leeway.decisions.scheduling import PeriodicWork, periodic_register
        from leeway.people import selectors as people
        from leeway.recognition.selectors import celebrated_decisions_of
        from leeway.recognition.tasks import DIGEST_JOB, recognition_digest_enqueue

        # The home page (people, a lower app) shows the member's own celebrated decisions first.
        people.celebrated_decisions.provide(celebrated_decisions_of)
        # The worker (decisions, a lower app) enqueues the weekly digest once a week, on one worker.
        periodic_register(
            PeriodicWork(name=DIGEST_JOB, interval=timedelta(days=7), enqueue=recognition_digest_enqueue)
        )
