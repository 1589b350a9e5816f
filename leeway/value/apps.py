from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValueConfig(AppConfig):
    """Customer lifetime value: the organization's settings, refresh runs and the fitted values."""

    name = "leeway.value"
    label = "value"
    verbose_name = _("Customer value")

    def ready(self):
        from leeway.customers.selectors import value_missing_reason
        from leeway.value.selectors import organization_value_reason

        value_missing_reason.provide(organization_value_reason)
        from leeway.value import receivers  # noqa: F401 - connects the signal receivers
