from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The policy what-if (a draft replayed over past decisions) and the spend, zone and answer dashboards."""

    name = "leeway.reports"
    label = "reports"
    verbose_name = _("Reports")
