from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    """Customers, their purchase history, outcomes and imports."""

    name = "leeway.customers"
    label = "customers"
    verbose_name = _("Customers")
