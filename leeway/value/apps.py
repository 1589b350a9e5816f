from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValueConfig(AppConfig):
    """Customer lifetime value: the organization's settings, refresh runs and the fitted values."""

    name = "leeway.value"
    label = "value"
    verbose_name = _("Customer value")
