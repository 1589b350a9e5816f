"""Customers of an organization and what they bought."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from leeway.people.models import TenantModel, currency_code_validator, language_choices


class Customer(TenantModel):
    """A customer of the organization, known by the organization's own id (e.g. C-1001)."""

    external_id = models.CharField(_("customer id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=language_choices, default="en")
    segment = models.CharField(_("segment"), max_length=60, blank=True)
    created_on = models.DateField(_("customer since"), null=True, blank=True)
    # Filled by the lifetime-value refresh; null means "not enough history", never a guess.
    predicted_clv = models.DecimalField(
        _("predicted value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    probability_alive = models.FloatField(_("probability active"), null=True, blank=True)
    value_computed_at = models.DateTimeField(_("value computed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="customer_unique_external_id"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "name"], name="customer_org_name"),
            models.Index(fields=["organization", "email"], name="customer_org_email"),
            models.Index(fields=["organization", "phone"], name="customer_org_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class Purchase(TenantModel):
    """One purchase transaction: the raw material of the lifetime-value model."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="purchases"
    )
    occurred_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code_validator])
    base_amount = models.DecimalField(_("amount in base currency"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["customer_id", "occurred_on"]
        indexes = [
            models.Index(fields=["organization", "customer", "occurred_on"], name="purchase_customer_date")
        ]
