"""Closed days of decisions, summed once, so the dashboard does not read a million rows on every view.

A decision is recorded at the moment it is made, and once approved or declined nothing about it changes
(zone, amount, team, answer time are final). So a past local day's *final* decisions can be summed once
(`DecisionDay`), and only its requests still pending at that moment can change later: they are listed
(`OpenDecision`) and read live, with today's decisions, whenever the dashboard is shown.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from leeway.core.models import TenantModel, organization_key
from leeway.policy.models import MONEY


class RolledDay(TenantModel):
    """A local day of the organization whose final decisions are in `DecisionDay`."""

    day = models.DateField(_("day"))
    rolled_at = models.DateTimeField(_("summed at"))

    class Meta:
        verbose_name = _("summed day")
        verbose_name_plural = _("summed days")
        constraints = [models.UniqueConstraint(fields=["organization", "day"], name="rolled_day_unique")]


class DecisionDay(TenantModel):
    """The final decisions of one local day for one team, site and department, as the dashboard sums them."""

    organization = organization_key(db_index=False)  # the (organization, day) index starts with it
    day = models.DateField(_("day"))
    # Plain ids, as the decisions keep them (a team may be renamed or removed; names are read when shown).
    team_key = models.BigIntegerField(_("team"), null=True)
    site_key = models.BigIntegerField(_("site"), null=True)
    department_key = models.BigIntegerField(_("department"), null=True)
    decisions = models.PositiveIntegerField(_("decisions"), default=0)
    green = models.PositiveIntegerField(_("green"), default=0)
    amber = models.PositiveIntegerField(_("amber"), default=0)
    red = models.PositiveIntegerField(_("red"), default=0)
    approved = models.PositiveIntegerField(_("approved"), default=0)
    spent = models.DecimalField(_("approved spend"), **MONEY, default=0)
    red_pending = models.PositiveIntegerField(_("red still pending"), default=0)
    red_answered = models.PositiveIntegerField(_("red answered"), default=0)
    red_in_time = models.PositiveIntegerField(_("red answered in time"), default=0)
    red_slow = models.PositiveIntegerField(_("red answered after an hour"), default=0)
    waited_2 = models.PositiveIntegerField(default=0)
    waited_5 = models.PositiveIntegerField(default=0)
    waited_15 = models.PositiveIntegerField(default=0)
    waited_60 = models.PositiveIntegerField(default=0)
    waited_240 = models.PositiveIntegerField(default=0)
    waited_more = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("decisions of a day")
        verbose_name_plural = _("decisions of a day")
        indexes = [models.Index(fields=["organization", "day"], name="decision_day_org_day")]


class OpenDecision(TenantModel):
    """A request still pending when its day was summed: read live until the day is summed again."""

    organization = organization_key(db_index=False)  # the (organization, day) index starts with it
    day = models.DateField(_("day"))
    decision_id = models.BigIntegerField(_("decision"))

    class Meta:
        verbose_name = _("open request")
        verbose_name_plural = _("open requests")
        indexes = [models.Index(fields=["organization", "day"], name="open_decision_org_day")]
