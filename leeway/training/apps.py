from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

TOPICS = {
    "training.passed": _("An agent passed a training module"),
    "training.tier_proposed": _("An agent was proposed for the next authority tier"),
    "training.tier_confirmed": _("A lead confirmed an agent's new authority tier"),
}
TRACK_RECORD_JOB = "training.track_record"


class TrainingConfig(AppConfig):
    """Training that raises authority: modules, quizzes from the live policy, spaced review, certification."""

    name = "leeway.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self):
        from leeway.decisions.page_selectors import console_panels
        from leeway.decisions.scheduling import PeriodicWork, periodic_register
        from leeway.integrations.topics import topic_register
        from leeway.training import tasks, views

        console_panels.provide(views.console_review_panel)
        # Daily: agents whose track record earns the next tier are proposed to their lead.
        periodic_register(
            PeriodicWork(
                name=TRACK_RECORD_JOB, interval=timedelta(hours=24), enqueue=tasks.track_record_enqueue
            )
        )
        for topic, label in TOPICS.items():
            topic_register(topic, label)
