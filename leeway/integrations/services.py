"""Writes on webhook endpoints (admins) and the worker's delivery round (see `delivery`)."""

import base64
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.core.audit import audit_record
from leeway.core.errors import InvalidInput
from leeway.integrations.delivery import delivery_round, outbox_fan_out  # noqa: F401 - the worker's entry points
from leeway.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookFormat
from leeway.integrations.topics import known_topics
from leeway.integrations.validation import clean_topics, clean_webhook_url

SECRET_BYTES = 24


def new_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and the base64 of random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _endpoint_data(endpoint: WebhookEndpoint) -> dict:
    return {
        "url": endpoint.url,
        "topics": endpoint.topics,
        "format": endpoint.format,
        "active": endpoint.active,
    }


def webhook_endpoint_create(*, organization, actor, url: str, topics, format: str = WebhookFormat.STANDARD):
    """Add an endpoint; its secret is on the returned object (show it once, it is never listed again)."""
    if format not in WebhookFormat.values:
        raise InvalidInput(
            _("Choose a format: standard, slack or teams."), code="invalid_format", field="format"
        )
    url = clean_webhook_url(url)
    topics = clean_topics(topics, known_topics())
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            organization=organization,
            url=url,
            topics=topics,
            format=format,
            secret=new_secret(),
            created_by=actor,
        )
        audit_record(
            organization_id=organization.pk,
            actor_id=actor.pk if actor else None,
            action="webhook.created",
            object_type="webhook_endpoint",
            object_id=endpoint.pk,
            data=_endpoint_data(endpoint),
        )
    return endpoint


def webhook_endpoint_set_active(*, endpoint: WebhookEndpoint, actor, active: bool) -> WebhookEndpoint:
    """Turn an endpoint on (its waiting events go out again, in order) or off (they wait)."""
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if locked.active == active:
            return locked
        locked.active = active
        if active:
            locked.consecutive_failures = 0
            locked.disabled_at = None
            locked.disabled_reason = ""
        locked.save(update_fields=["active", "consecutive_failures", "disabled_at", "disabled_reason"])
        audit_record(
            organization_id=locked.organization_id,
            actor_id=actor.pk if actor else None,
            action="webhook.enabled" if active else "webhook.paused",
            object_type="webhook_endpoint",
            object_id=locked.pk,
            data={"url": locked.url},
        )
    return locked


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor) -> None:
    """Remove an endpoint and its delivery log; events still waiting for it are not sent."""
    with transaction.atomic():
        audit_record(
            organization_id=endpoint.organization_id,
            actor_id=actor.pk if actor else None,
            action="webhook.deleted",
            object_type="webhook_endpoint",
            object_id=endpoint.pk,
            data=_endpoint_data(endpoint),
        )
        endpoint.delete()


def webhook_delivery_redeliver(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Send an event again to its endpoint, with the same webhook-id (receivers de-duplicate on it)."""
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        locked.status = DeliveryStatus.PENDING
        locked.retries = 0
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["status", "retries", "next_attempt_at"])
        audit_record(
            organization_id=locked.organization_id,
            actor_id=actor.pk if actor else None,
            action="webhook.redelivery_requested",
            object_type="webhook_delivery",
            object_id=locked.webhook_id,
            data={"endpoint": locked.endpoint_id, "topic": locked.topic},
        )
    return locked
