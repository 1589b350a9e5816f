from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The policy what-if (a draft replayed over past decisions) and the spend, zone and answer dashboards."""

    name = "leeway.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from datetime import timedelta

        from leeway.decisions.scheduling import PeriodicWork, periodic_register
        from leeway.reports.tasks import ROLLUP_JOB, reports_days_roll_up_enqueue

        # The worker (decisions, a lower app) sums the days just closed every hour, on one worker.
        periodic_register(
            PeriodicWork(name=ROLLUP_JOB, interval=timedelta(hours=1), enqueue=reports_days_roll_up_enqueue)
        )
