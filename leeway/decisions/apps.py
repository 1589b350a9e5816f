from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    """The decision engine: judging gestures into zones, guarding budgets, approvals and timeouts."""

    name = "leeway.decisions"
    label = "decisions"
    verbose_name = _("Decisions")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from leeway.decisions.judging import forget_team_department
        from leeway.people.models import Team

        # Judging caches each team's department (the budget and managers a decision goes to).
        post_save.connect(forget_team_department, sender=Team, dispatch_uid="forget_team_department_save")
        post_delete.connect(forget_team_department, sender=Team, dispatch_uid="forget_team_department_delete")
