"""Webhook endpoints (admins): add, list, remove, read the delivery log, redeliver.

Other roles get 403 before the body is read; another organization's endpoint or delivery is 404.
"""

from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from leeway.core.api_schemas import errors
from leeway.core.errors import InvalidInput
from leeway.integrations import selectors
from leeway.integrations.models import DeliveryStatus
from leeway.integrations.schemas import (
    DeliveryFilters,
    DeliveryOut,
    DeliveryPage,
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
)
from leeway.integrations.services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
)
from leeway.people.api import ADMIN_AUTH

router = Router(tags=["webhooks"], auth=ADMIN_AUTH)


@router.post(
    "/webhooks",
    response={201: WebhookCreatedOut, **errors(400, 401, 403, 413, 422)},
    summary="Add a webhook endpoint (admins)",
    description=(
        "`format` is `standard` (Standard Webhooks JSON), `slack` (incoming webhook) or `teams` (Workflows). "
        "Only http(s) URLs on public addresses; the `secret` signs every delivery and is shown only here."
    ),
)
def webhook_add(request, payload: WebhookIn):
    admin = request.auth
    endpoint = webhook_endpoint_create(
        organization=admin.organization,
        actor=admin,
        url=payload.url,
        topics=payload.topics,
        format=payload.format,
    )
    return Status(
        201,
        {
            "id": endpoint.pk,
            "url": endpoint.url,
            "topics": endpoint.topics,
            "format": endpoint.format,
            "secret": endpoint.secret,
        },
    )


@router.get(
    "/webhooks",
    response={200: list[WebhookOut], **errors(401, 403, 422)},
    summary="The organization's webhooks (admins)",
)
def webhook_list(request):
    return [selectors.endpoint_payload(endpoint) for endpoint in selectors.endpoints_for(request.auth)]


@router.delete(
    "/webhooks/{webhook_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    summary="Remove a webhook and its log (admins)",
)
def webhook_remove(request, webhook_id: int):
    webhook_endpoint_delete(endpoint=selectors.get_endpoint_for(request.auth, webhook_id), actor=request.auth)
    return Status(204, None)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: DeliveryPage, **errors(401, 403, 404, 422)},
    summary="A webhook's delivery log, newest first (admins)",
    description="Filter by `status` (`pending`, `delivered`, `failed`); paged by `limit` and `offset`.",
)
def webhook_deliveries(request, webhook_id: int, filters: Query[DeliveryFilters]):
    endpoint = selectors.get_endpoint_for(request.auth, webhook_id)
    if filters.status and filters.status not in DeliveryStatus.values:
        raise InvalidInput(_("Unknown status."), code="invalid", field="status")
    deliveries = selectors.deliveries_for(endpoint, status=filters.status)
    page = deliveries[filters.offset : filters.offset + filters.limit]
    return {
        "items": [selectors.delivery_payload(delivery) for delivery in page],
        "count": deliveries.count(),
        "limit": filters.limit,
        "offset": filters.offset,
    }


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut, **errors(401, 403, 404, 422)},
    summary="Send one event again (admins)",
    description="Same `webhook-id` as before, so a receiver that already has it can drop the copy.",
)
def webhook_redeliver(request, webhook_id: int, delivery_id: int):
    endpoint = selectors.get_endpoint_for(request.auth, webhook_id)
    delivery = selectors.get_delivery_for(request.auth, endpoint, delivery_id)
    return Status(
        202, selectors.delivery_payload(webhook_delivery_redeliver(delivery=delivery, actor=request.auth))
    )
