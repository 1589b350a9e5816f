from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    """Gestures, authority tiers and rules, budgets, currencies and published policy versions."""

    name = "leeway.policy"
    label = "policy"
    verbose_name = _("Policy")
