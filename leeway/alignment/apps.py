from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

TOPICS = {
    "charter.published": _("A department charter was published"),
    "charter.signed": _("A manager signed a charter"),
    "feedback.given": _("Feedback was given on a decision"),
    "policy.proposal_raised": _("A concern became a policy proposal"),
    "policy.proposal_answered": _("A policy proposal was answered"),
    "dispute.opened": _("Feedback was disputed"),
    "dispute.resolved": _("A dispute was resolved"),
    "backing.recorded": _("A manager's backing was counted against"),
    "pulse.scheduled": _("A fear pulse was scheduled"),
}


class AlignmentConfig(AppConfig):
    """Every manager on board: charters, fair feedback, disputes, the Backing Index and the fear pulse."""

    name = "leeway.alignment"
    label = "alignment"
    verbose_name = _("Alignment")

    def ready(self):
        from leeway.alignment import receivers, views
        from leeway.decisions.page_selectors import decision_page_links
        from leeway.decisions.signals import approved_decision_change_refused
        from leeway.integrations.topics import topic_register

        decision_page_links.provide(views.decision_page_links)
        # Webhook endpoints may subscribe to the events this app writes.
        for topic, label in TOPICS.items():
            topic_register(topic, label)

        approved_decision_change_refused.connect(
            receivers.record_refused_change, dispatch_uid="alignment_record_refused_change"
        )
