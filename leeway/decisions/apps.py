from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    """The decision engine: judging gestures into zones, guarding budgets, approvals and timeouts."""

    name = "leeway.decisions"
    label = "decisions"
    verbose_name = _("Decisions")
