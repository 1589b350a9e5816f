from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared pieces: tenancy helpers, the audit chain, the outbox, money and errors."""

    name = "leeway.core"
    label = "core"
    verbose_name = _("Core")
