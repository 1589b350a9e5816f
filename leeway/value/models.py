"""Lifetime-value settings per organization and the record of each refresh run."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from leeway.core.models import BackgroundJob, TenantModel

DEFAULT_HORIZON_MONTHS = 12
DEFAULT_DISCOUNT_RATE = Decimal("0.10")


class ValueSettings(TenantModel):
    """How far ahead predicted value looks and how future money is discounted, per organization."""

    horizon_months = models.PositiveSmallIntegerField(
        _("horizon in months"),
        default=DEFAULT_HORIZON_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Predicted value counts purchases expected within this many months."),
    )
    annual_discount_rate = models.DecimalField(
        _("annual discount rate"),
        max_digits=5,
        decimal_places=4,
        default=DEFAULT_DISCOUNT_RATE,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        # "10 % less" is not a placeholder: without this, makemessages flags the entry python-format
        # and `msgfmt -c` refuses the Spanish "10 % menos".
        # xgettext:no-python-format
        help_text=_("0.10 means money a year from now is worth 10 % less than money today."),
    )

    class Meta:
        verbose_name = _("value settings")
        verbose_name_plural = _("value settings")
        constraints = [models.UniqueConstraint(fields=["organization"], name="valuesettings_one_per_org")]

    def __str__(self) -> str:
        return f"{self.horizon_months} months, {self.annual_discount_rate}"


class ValueRunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Values updated")
    FAILED = "failed", _("No new values")


class ValueRunTrigger(models.TextChoices):
    COMMAND = "command", _("Command line")
    PAGE = "page", _("Value page")
    SCHEDULE = "schedule", _("Schedule")
    DEMO = "demo", _("Demo data")
    IMPORT = "import", _("After an import")


class ValueRunFailure(models.TextChoices):
    """Why a run produced no values; the pages explain each one in plain words."""

    NO_PURCHASES = "no_purchases", _("No purchases recorded")
    INSUFFICIENT_HISTORY = "insufficient_history", _("Too little purchase history")
    NOT_CONVERGED = "not_converged", _("The model did not converge")
    ERROR = "error", _("Unexpected error")


class ValueRun(BackgroundJob):
    """One refit of the value models for an organization: when, on how much data, with what result.

    Its progress counts customers: `progress_total` is how many have purchases, `progress_done` how
    many got their value stored; `error` is the model's own explanation, in English, for the
    analyst (the pages show `failure_code` translated).
    """

    status = models.CharField(
        _("status"), max_length=20, choices=ValueRunStatus.choices, default=ValueRunStatus.QUEUED
    )
    phase = models.CharField(_("phase"), max_length=40, blank=True)
    trigger = models.CharField(
        _("started from"), max_length=20, choices=ValueRunTrigger.choices, default=ValueRunTrigger.COMMAND
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    observation_end = models.DateField(_("history up to"), null=True, blank=True)
    horizon_months = models.PositiveSmallIntegerField(_("horizon in months"), default=DEFAULT_HORIZON_MONTHS)
    annual_discount_rate = models.DecimalField(
        _("annual discount rate"), max_digits=5, decimal_places=4, default=DEFAULT_DISCOUNT_RATE
    )
    repeat_customers = models.PositiveIntegerField(_("repeat customers"), default=0)
    converged = models.BooleanField(_("converged"), null=True, blank=True)
    # The purchase history put BG/NBD's optimum on the boundary of its parameters (e.g. no sign of
    # customers dropping out), so it was fitted with the model's small documented penalty.
    penalized = models.BooleanField(_("fitted with a penalty"), default=False)
    parameters = models.JSONField(_("fitted parameters"), default=dict, blank=True)
    failure_code = models.CharField(_("failure"), max_length=30, choices=ValueRunFailure.choices, blank=True)

    class Meta:
        verbose_name = _("value run")
        verbose_name_plural = _("value runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "created_at"], name="valuerun_org_created")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.created_at:%Y-%m-%d %H:%M} {self.status}"
