from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlignmentConfig(AppConfig):
    """Every manager on board: charters, fair feedback, disputes, the Backing Index and the fear pulse."""

    name = "leeway.alignment"
    label = "alignment"
    verbose_name = _("Alignment")

    def ready(self):
        from leeway.alignment import receivers, views
        from leeway.decisions.page_selectors import decision_page_links
        from leeway.decisions.signals import approved_decision_change_refused

        decision_page_links.provide(views.decision_page_links)

        approved_decision_change_refused.connect(
            receivers.record_refused_change, dispatch_uid="alignment_record_refused_change"
        )
