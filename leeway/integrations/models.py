"""Webhook endpoints of an organization and the deliveries of outbox events to them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from leeway.core.models import MEMBER_MODEL, TenantModel, organization_key


class WebhookFormat(models.TextChoices):
    STANDARD = "standard", _("Standard Webhooks (JSON)")
    SLACK = "slack", _("Slack (incoming webhook)")
    TEAMS = "teams", _("Microsoft Teams (Workflows)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookEndpoint(TenantModel):
    """A URL of the organization's that receives the events of the topics it subscribes to, signed."""

    url = models.URLField(_("URL"), max_length=2000)
    topics = models.JSONField(_("topics"), default=list)
    format = models.CharField(
        _("format"), max_length=16, choices=WebhookFormat, default=WebhookFormat.STANDARD
    )
    # Kept readable (not hashed): every delivery is signed with it. Shown to the admin only once.
    secret = models.CharField(_("signing secret"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("reason it was disabled"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        MEMBER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A worker sending to this endpoint holds it until then, so two workers never send to one endpoint at
    # once (which keeps its events in order and never sends one attempt twice at the same time).
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    lease_owner = models.CharField(_("lease owner"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["organization_id", "id"]
        indexes = [models.Index(fields=["organization", "active"], name="webhook_endpoint_org_active")]

    def __str__(self) -> str:
        return self.url

    @property
    def was_auto_disabled(self) -> bool:
        return not self.active and self.disabled_at is not None


class WebhookDelivery(TenantModel):
    """One outbox event on its way to one endpoint: its attempts so far and what the receiver answered."""

    organization = organization_key(db_index=False)  # webhook_delivery_org_time starts with it
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        "core.OutboxEvent",
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    # Standard Webhooks' `webhook-id`: the same on every retry and redelivery, so receivers de-duplicate.
    webhook_id = models.CharField(_("webhook id"), max_length=40, unique=True)
    topic = models.CharField(_("topic"), max_length=80)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Failed attempts since the last success or redelivery: the step of the back-off schedule.
    retries = models.PositiveIntegerField(_("retries"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    response_excerpt = models.CharField(_("response excerpt"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["endpoint_id", "event_id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once_per_endpoint")
        ]
        indexes = [
            # The worker's question: an endpoint's waiting deliveries, oldest event first.
            models.Index(
                fields=["endpoint", "event"],
                name="webhook_delivery_pending",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["organization", "created_at"], name="webhook_delivery_org_time"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(TenantModel):
    """One try of a delivery and what the receiver answered: the delivery keeps only the latest, this
    log keeps every one (an integrator debugging a flaky receiver asks what happened at each retry)."""

    organization = organization_key(db_index=False)  # the delivery's; reads go through the delivery
    delivery = models.ForeignKey(
        WebhookDelivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    response_excerpt = models.CharField(_("response excerpt"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery_id", "attempted_at", "id"]
        indexes = [models.Index(fields=["delivery", "attempted_at"], name="webhook_attempt_delivery")]

    def __str__(self) -> str:
        return (
            f"{self.delivery_id} @ {self.attempted_at:%Y-%m-%d %H:%M:%S} → {self.status_code or self.error}"
        )

    @classmethod
    def of_latest(cls, delivery: WebhookDelivery) -> "WebhookAttempt":
        """The attempt the delivery's `last_*` fields describe."""
        return cls(
            organization_id=delivery.organization_id,
            delivery=delivery,
            attempted_at=delivery.last_attempt_at,
            status_code=delivery.last_status_code,
            error=delivery.last_error,
            response_excerpt=delivery.response_excerpt,
            duration_ms=delivery.duration_ms,
        )
