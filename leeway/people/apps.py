from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    """Organizations, sites, departments, teams, members and their API tokens."""

    name = "leeway.people"
    label = "people"
    verbose_name = _("People")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from leeway.people import models
        from leeway.people.services import forget_tokens

        # Authentication caches token lookups per process (people.services.tokens._TOKEN_CACHE).
        for model in (models.ApiToken, models.Member, models.AuthorityTier, models.Organization):
            uid = f"forget_tokens_{model.__name__}"
            post_save.connect(forget_tokens, sender=model, dispatch_uid=f"{uid}_save")
            post_delete.connect(forget_tokens, sender=model, dispatch_uid=f"{uid}_delete")
