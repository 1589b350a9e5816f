from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    """Organizations, sites, departments, teams, members and their API tokens."""

    name = "leeway.people"
    label = "people"
    verbose_name = _("People")
