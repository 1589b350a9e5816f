from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """The measurable return: helpdesk interactions and the ROI of gestures against a comparison group."""

    name = "leeway.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from leeway.insights.views import dashboard_roi_section
        from leeway.reports.selectors import dashboard_roi

        dashboard_roi.provide(dashboard_roi_section)
