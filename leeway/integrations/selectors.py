"""Reads of webhook endpoints and their deliveries, always within the member's organization."""

from django.db.models import Count, Q

from leeway.core.tenancy import get_for, scoped
from leeway.integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoints_for(member):
    """The organization's endpoints, newest first, with how many deliveries wait and failed."""
    return (
        scoped(WebhookEndpoint, member)
        .annotate(
            pending_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
            failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        )
        .order_by("-created_at", "-id")
    )


def get_endpoint_for(member, endpoint_id) -> WebhookEndpoint:
    """One endpoint of the member's organization, or NotFound (also for another organization's)."""
    return get_for(member, WebhookEndpoint, pk=endpoint_id)


def deliveries_for(endpoint: WebhookEndpoint, *, status: str = ""):
    """An endpoint's delivery log, newest event first, each with its attempts (one query for a page)."""
    deliveries = WebhookDelivery.objects.filter(
        endpoint=endpoint, organization_id=endpoint.organization_id
    ).prefetch_related("attempt_log")
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.order_by("-event_id")


def get_delivery_for(member, endpoint: WebhookEndpoint, delivery_id) -> WebhookDelivery:
    """One delivery of this endpoint (of the member's organization), or NotFound."""
    return get_for(member, WebhookDelivery.objects.filter(endpoint=endpoint), pk=delivery_id)


def endpoint_payload(endpoint: WebhookEndpoint) -> dict:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "topics": list(endpoint.topics),
        "format": endpoint.format,
        "active": endpoint.active,
        "consecutive_failures": endpoint.consecutive_failures,
        "disabled_at": endpoint.disabled_at,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": endpoint.created_at,
    }


def delivery_payload(delivery: WebhookDelivery) -> dict:
    return {
        "id": delivery.pk,
        "webhook_id": delivery.webhook_id,
        "topic": delivery.topic,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_attempt_at": delivery.last_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "response_excerpt": delivery.response_excerpt,
        "duration_ms": delivery.duration_ms,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "attempt_log": [attempt_payload(attempt) for attempt in delivery.attempt_log.all()],
    }


def attempt_payload(attempt: WebhookAttempt) -> dict:
    return {
        "attempted_at": attempt.attempted_at,
        "status_code": attempt.status_code,
        "error": attempt.error,
        "response_excerpt": attempt.response_excerpt,
        "duration_ms": attempt.duration_ms,
    }
