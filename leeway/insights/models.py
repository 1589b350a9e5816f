"""Helpdesk interactions (the contacts with and without a gesture) and the ROI estimates made from them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leeway.core.models import TenantModel
from leeway.decisions.models import INTERACTION_REF_MAX_LENGTH

REF_MAX = INTERACTION_REF_MAX_LENGTH  # a decision names the interaction by it
CATEGORY_MAX = 60


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")
    EMAIL = "email", _("Email")
    SOCIAL = "social", _("Social media")
    IN_PERSON = "in_person", _("In person")
    OTHER = "other", _("Other")


class Interaction(TenantModel):
    """One contact with a customer, as the helpdesk recorded it; decisions name it by `interaction_ref`."""

    external_ref = models.CharField(_("interaction reference"), max_length=REF_MAX)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # The complaint reason or contact category as the helpdesk names it (a lower-case code).
    category = models.CharField(_("category"), max_length=CATEGORY_MAX)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_ref"], name="interaction_ref_unique"),
        ]
        indexes = [
            models.Index(fields=["organization", "occurred_at"], name="interaction_org_time"),
            models.Index(fields=["customer", "occurred_at"], name="interaction_customer_time"),
        ]

    def __str__(self) -> str:
        return self.external_ref


class RoiEstimate(TenantModel):
    """One run of the ROI estimator: its figures, the parameters and the exact queries that made them."""

    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("computed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    window_start = models.DateTimeField(_("contacts from"))
    window_end = models.DateTimeField(_("contacts up to"))
    treated = models.PositiveIntegerField(_("customers with a gesture"), default=0)
    control = models.PositiveIntegerField(_("customers without a gesture"), default=0)
    # [{"key", "unit", "estimate", "low", "high", "naive", "treated", "control", "missing"}, ...]
    figures = models.JSONField(_("figures"), default=list)
    parameters = models.JSONField(_("parameters"), default=dict)
    queries = models.JSONField(_("queries"), default=list)

    class Meta:
        verbose_name = _("ROI estimate")
        verbose_name_plural = _("ROI estimates")
        ordering = ["-computed_at", "-id"]
        indexes = [models.Index(fields=["organization", "computed_at"], name="roi_estimate_latest")]

    def __str__(self) -> str:
        return f"ROI {self.computed_at:%Y-%m-%d %H:%M}"

    def figure(self, key: str) -> dict | None:
        return next((figure for figure in self.figures if figure["key"] == key), None)
