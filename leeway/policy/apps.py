from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    """Gestures, authority tiers and rules, budgets, currencies and published policy versions."""

    name = "leeway.policy"
    label = "policy"
    verbose_name = _("Policy")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from leeway.people.models import Team
        from leeway.people.selectors import budgets_for
        from leeway.policy.selectors import budget_statuses_for, forget_team_placement

        budgets_for.provide(budget_statuses_for)

        # Judging caches each team's site and department (the budgets and managers a decision goes to).
        post_save.connect(forget_team_placement, sender=Team, dispatch_uid="forget_team_placement_save")
        post_delete.connect(forget_team_placement, sender=Team, dispatch_uid="forget_team_placement_delete")
