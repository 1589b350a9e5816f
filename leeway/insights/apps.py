from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """The measurable return: helpdesk interactions and the ROI of gestures against a comparison group."""

    name = "leeway.insights"
    label = "insights"
    verbose_name = _("Insights")
