from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    """The decision engine: judging gestures into zones, guarding budgets, approvals and timeouts."""

    name = "leeway.decisions"
    label = "decisions"
    verbose_name = _("Decisions")

    def ready(self):
        from leeway.customers import selectors as customers
        from leeway.decisions.page_selectors import decisions_for_reader
        from leeway.decisions.selectors import customer_recent_decision_payloads, customer_recent_decisions

        customers.recent_decisions.provide(customer_recent_decisions)
        customers.recent_decision_payloads.provide(customer_recent_decision_payloads)
        customers.decisions_for_reader.provide(decisions_for_reader)
