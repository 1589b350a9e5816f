from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """Webhook endpoints and the delivery of outbox events to them (Standard Webhooks, Slack, Teams)."""

    name = "leeway.integrations"
    label = "integrations"
    verbose_name = _("Integrations")
