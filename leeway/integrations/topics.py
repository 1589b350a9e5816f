"""The outbox topics an endpoint may subscribe to.

Integrations sits low in the layers, so it names the topics the apps above it write (core.outbox);
an app that adds topics later registers them from its AppConfig.ready() with `topic_register`.
"""

from django.utils.translation import gettext_lazy as _

_TOPICS: dict[str, object] = {
    "decision.approved": _("A decision was approved"),
    "decision.requested": _("A decision beyond authority was requested"),
    "decision.declined": _("A request was declined"),
    "decision.escalated": _("A request is overdue and was escalated"),
    "decision.celebrated": _("A decision was celebrated"),
    "kudos.given": _("Kudos were given"),
    "award.confirmed": _("An award was confirmed"),
    "policy.published": _("A policy version was published"),
    "customers.upserted": _("Customers were added or changed"),
    "purchases.recorded": _("Purchases were recorded"),
    "outcome.recorded": _("An outcome was recorded"),
    "customers.imported": _("A customer import finished"),
    "transactions.imported": _("A transaction import finished"),
    "outcomes.imported": _("An outcome import finished"),
}


def topic_register(topic: str, label) -> None:
    """Let endpoints subscribe to `topic` (called by the app that writes it, from its ready())."""
    _TOPICS[topic] = label


def known_topics() -> dict[str, object]:
    """Topic → its translatable description, in a stable order."""
    return dict(_TOPICS)
