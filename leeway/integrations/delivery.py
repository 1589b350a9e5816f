"""The delivery round `leeway worker` runs every second: fan outbox events out, then send them.

At least once, in order per endpoint:

1. Fan-out takes the outbox events nobody has handed on yet (FOR UPDATE SKIP LOCKED on PostgreSQL, so
   two workers take different ones), makes one delivery per subscribed active endpoint of the same
   organization, and marks the event handed on (`OutboxEvent.delivered_at`) in the same transaction.
2. Each endpoint whose oldest waiting delivery is due is leased to one worker (again SKIP LOCKED, then a
   lease time on the row, so sending happens outside any transaction and two workers never send to
   one endpoint at once). The worker sends that endpoint's deliveries oldest event first and stops at
   the first failure: later events wait while an earlier one is retrying.
3. A failure is retried with exponential back-off for about a day; when the last retry fails the
   delivery is failed, the endpoint is turned off and its organization's admins are told.

A worker that dies mid-send loses its lease after LEASE; the event is sent again (same webhook-id),
which is what "at least once" means: receivers de-duplicate on `webhook-id`.
"""

import logging
import socket
import time
from collections import defaultdict
from datetime import timedelta

import httpx
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from leeway.core.audit import audit_record
from leeway.core.models import OutboxEvent
from leeway.integrations.formats import render_body
from leeway.integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from leeway.integrations.validation import AddressRefused, check_destination

logger = logging.getLogger("leeway.integrations")

# Waits after the 1st, 2nd … failed attempt; after the last one the delivery has failed (≈ 27.6 h in all).
BACKOFF = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
]
LEASE = timedelta(minutes=2)
FAN_OUT_BATCH = 1000
ENDPOINTS_PER_ROUND = 50
DELIVERIES_PER_ENDPOINT = 500
EXCERPT_CHARS = 500
RECORD_EVERY = 100
RECORDED_FIELDS = [
    "status",
    "attempts",
    "retries",
    "next_attempt_at",
    "last_attempt_at",
    "last_status_code",
    "response_excerpt",
    "last_error",
    "duration_ms",
    "delivered_at",
]
# Short, so one dead receiver cannot hold a worker long; redirects are not followed (a redirect could
# lead to an address the URL check refused).
TIMEOUT = httpx.Timeout(5.0, connect=3.0)
USER_AGENT = "Leeway-Webhooks/1"


def http_client() -> httpx.Client:
    """The client every round sends with: short timeouts, no redirects, no proxies from the environment.

    TCP_NODELAY: a delivery is one small request and answer; with Nagle's algorithm the body waits for
    the receiver's (delayed) acknowledgement of the headers, some 40 ms per event on a kept-alive
    connection.
    """
    transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    return httpx.Client(
        transport=transport,
        timeout=TIMEOUT,
        follow_redirects=False,
        trust_env=False,
        headers={"user-agent": USER_AGENT},
    )


def _clock(now):
    return (lambda: now) if now is not None else timezone.now


def new_webhook_id() -> str:
    return "msg_" + get_random_string(32)


def outbox_fan_out(*, now=None, limit: int = FAN_OUT_BATCH) -> int:
    """Hand up to `limit` new outbox events to their endpoints' deliveries; how many events were taken."""
    now = now or timezone.now()
    with transaction.atomic():
        events = list(
            # By created_at: core's partial index (outbox_undelivered) hands the oldest over in order
            # without sorting a backlog; deliveries themselves go out by event id.
            OutboxEvent.objects.filter(delivered_at__isnull=True)
            .order_by("created_at")
            .select_for_update(skip_locked=True)
            .only("id", "organization_id", "topic", "created_at")[:limit]
        )
        if not events:
            return 0
        endpoints = defaultdict(list)
        for endpoint in WebhookEndpoint.objects.filter(
            organization_id__in={event.organization_id for event in events}, active=True
        ).only("id", "organization_id", "topics"):
            endpoints[endpoint.organization_id].append(endpoint)
        deliveries = [
            WebhookDelivery(
                organization_id=event.organization_id,
                endpoint=endpoint,
                event_id=event.pk,
                webhook_id=new_webhook_id(),
                topic=event.topic,
                next_attempt_at=now,
                created_at=event.created_at,
            )
            for event in events
            # The same organization only: one tenant's events never reach another's endpoint.
            for endpoint in endpoints[event.organization_id]
            if event.topic in endpoint.topics
        ]
        WebhookDelivery.objects.bulk_create(deliveries, batch_size=500, ignore_conflicts=True)
        OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(delivered_at=now)
    return len(events)


def _claim_endpoints(*, now, owner: str, limit: int) -> list[WebhookEndpoint]:
    """Lease the active endpoints whose oldest waiting delivery is due to this worker."""
    head_due_at = (
        WebhookDelivery.objects.filter(endpoint=OuterRef("pk"), status=DeliveryStatus.PENDING)
        .order_by("event_id")
        .values("next_attempt_at")[:1]
    )
    with transaction.atomic():
        claimed = list(
            WebhookEndpoint.objects.filter(active=True)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
            .annotate(head_due_at=Subquery(head_due_at))
            .filter(head_due_at__lte=now)
            .select_related("organization")
            .order_by("head_due_at", "id")
            .select_for_update(skip_locked=True, of=("self",))[:limit]
        )
        if claimed:
            WebhookEndpoint.objects.filter(pk__in=[endpoint.pk for endpoint in claimed]).update(
                leased_until=now + LEASE, lease_owner=owner
            )
    return claimed


def _release(endpoint: WebhookEndpoint, owner: str) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk, lease_owner=owner).update(
        leased_until=None, lease_owner=""
    )


def _send(client: httpx.Client, endpoint: WebhookEndpoint, delivery: WebhookDelivery, body: bytes, sent_at):
    """POST one signed body; (status code or None, response excerpt, error)."""
    headers = {
        "content-type": "application/json",
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(endpoint.secret).sign(delivery.webhook_id, sent_at, body),
    }
    try:
        check_destination(endpoint.url)
        with client.stream("POST", endpoint.url, content=body, headers=headers) as response:
            excerpt = b""
            # Only the start of the answer is kept (and read): a receiver may answer with anything.
            for chunk in response.iter_bytes():
                excerpt += chunk
                if len(excerpt) >= EXCERPT_CHARS:
                    break
            return response.status_code, excerpt.decode("utf-8", "replace")[:EXCERPT_CHARS], ""
    except AddressRefused:
        return None, "", "address not allowed"
    except httpx.HTTPError as error:
        return None, "", f"{type(error).__name__}: {error}"[:300]


def _record(delivered: list[WebhookDelivery]) -> None:
    """Save the attempts that succeeded since the last call, in one transaction, and forget them.

    A worker that dies before this sends those events again (same webhook-id): at least once still
    holds, and a commit per event was most of the cost of a delivery on PostgreSQL.
    """
    if delivered:
        # One UPDATE each, one commit for all (bulk_update's CASE per field was slower on both databases).
        with transaction.atomic():
            for delivery in delivered:
                delivery.save(update_fields=RECORDED_FIELDS)
            WebhookAttempt.objects.bulk_create([WebhookAttempt.of_latest(delivery) for delivery in delivered])
        delivered.clear()


def _attempt(client, endpoint: WebhookEndpoint, delivery: WebhookDelivery, clock, delivered: list) -> bool:
    """One attempt; True when the receiver answered 2xx (then it joins `delivered`, saved by _record)."""
    organization = endpoint.organization
    event = delivery.event
    body = render_body(
        endpoint_format=endpoint.format,
        topic=event.topic,
        timestamp=event.created_at.isoformat(),
        data=event.payload,
        organization_name=organization.name,
        language=organization.default_language,
    )
    started = time.monotonic()
    sent_at = clock()
    code, excerpt, error = _send(client, endpoint, delivery, body, sent_at)
    finished_at = clock()
    delivery.attempts += 1
    delivery.last_attempt_at = sent_at
    delivery.last_status_code = code
    delivery.response_excerpt = excerpt
    delivery.last_error = error
    delivery.duration_ms = int((time.monotonic() - started) * 1000)
    ok = code is not None and 200 <= code < 300
    if ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.retries = 0
        delivery.next_attempt_at = None
        delivery.delivered_at = finished_at
    elif delivery.retries < len(BACKOFF):
        delivery.next_attempt_at = finished_at + BACKOFF[delivery.retries]
        delivery.retries += 1
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    if ok:
        delivered.append(delivery)  # recorded with the next few (see _record), to spare a commit each
        if endpoint.consecutive_failures:
            endpoint.consecutive_failures = 0
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
    else:
        _record(delivered)
        with transaction.atomic():
            delivery.save(update_fields=RECORDED_FIELDS)
            WebhookAttempt.of_latest(delivery).save()
        endpoint.consecutive_failures += 1
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            consecutive_failures=endpoint.consecutive_failures
        )
        if delivery.status == DeliveryStatus.FAILED:
            _auto_disable(endpoint, delivery, now=finished_at)
    return ok


def _auto_disable(endpoint: WebhookEndpoint, delivery: WebhookDelivery, *, now) -> None:
    """Every retry of an event failed: stop sending there and tell the organization's admins."""
    reason = (
        f"{delivery.topic} {delivery.webhook_id}: {delivery.attempts} attempts failed, last "
        f"{delivery.last_status_code or delivery.last_error or '—'}"
    )[:300]
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            active=False, disabled_at=now, disabled_reason=reason
        )
        audit_record(
            organization_id=endpoint.organization_id,
            action="webhook.auto_disabled",
            object_type="webhook_endpoint",
            object_id=endpoint.pk,
            data={"url": endpoint.url, "reason": reason},
        )
        transaction.on_commit(lambda: notify_admins_disabled(endpoint=endpoint, reason=reason))
    endpoint.active = False


def notify_admins_disabled(*, endpoint: WebhookEndpoint, reason: str) -> int:
    """E-mail each active admin of the endpoint's organization, in their language; how many were sent."""
    from leeway.people.models import Member, Role

    admins = Member.objects.filter(
        organization_id=endpoint.organization_id, role=Role.ADMIN, is_active=True
    ).exclude(email="")
    base = settings.LEEWAY_PUBLIC_URL
    messages = []
    for admin in admins:
        with translation.override(admin.language or endpoint.organization.default_language):
            subject = _("Leeway turned off a webhook: %(url)s") % {"url": endpoint.url[:120]}
            body = "\n\n".join(
                [
                    _(
                        "Leeway could not deliver events to %(url)s after retrying for about a day, so it "
                        "stopped sending there. Events keep waiting and go out, in order, once you turn "
                        "the webhook back on."
                    )
                    % {"url": endpoint.url},
                    _("Last failure: %(reason)s") % {"reason": reason},
                    _("Turn it back on from the Webhooks page: %(url)s")
                    % {"url": f"{base}/integrations/webhooks/"},
                ]
            )
        messages.append(mail.EmailMessage(subject, body, to=[admin.email]))
    if not messages:
        return 0
    try:
        return mail.get_connection().send_messages(messages) or 0
    except Exception:
        # The page shows the notice too; a mail server that is down must not stop deliveries.
        logger.exception("Could not e-mail the admins of organization %s", endpoint.organization_id)
        return 0


def _deliver_endpoint(client, endpoint: WebhookEndpoint, *, clock, owner: str, limit: int) -> tuple[int, int]:
    """Send the endpoint's due deliveries, oldest event first, until one fails; (delivered, failed)."""
    delivered = failed = 0
    lease_ends = time.monotonic() + LEASE.total_seconds() / 2
    unrecorded: list[WebhookDelivery] = []
    try:
        pending = (
            WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING)
            .select_related("event")
            .order_by("event_id")[:limit]
        )
        for delivery in pending:
            if delivery.next_attempt_at and delivery.next_attempt_at > clock():
                break  # the oldest is waiting for its retry; later events wait behind it
            if _attempt(client, endpoint, delivery, clock, unrecorded):
                delivered += 1
                if len(unrecorded) >= RECORD_EVERY:
                    _record(unrecorded)
            else:
                failed += 1
                break
            if time.monotonic() > lease_ends:
                break  # leave the rest to the next round rather than outlive the lease
    finally:
        _record(unrecorded)
        _release(endpoint, owner)
    return delivered, failed


def delivery_round(*, now=None, worker_id: str = "", client: httpx.Client | None = None) -> dict:
    """One round: fan new events out, then send what is due; counts of what happened."""
    clock = _clock(now)
    owner = (worker_id or get_random_string(16))[:64]
    fanned_out = 0
    while taken := outbox_fan_out(now=clock()):
        fanned_out += taken
        if taken < FAN_OUT_BATCH:
            break
    endpoints = _claim_endpoints(now=clock(), owner=owner, limit=ENDPOINTS_PER_ROUND)
    delivered = failed = 0
    if endpoints:
        own_client = client is None
        client = client or http_client()
        try:
            for endpoint in endpoints:
                ok, bad = _deliver_endpoint(
                    client, endpoint, clock=clock, owner=owner, limit=DELIVERIES_PER_ENDPOINT
                )
                delivered += ok
                failed += bad
        finally:
            if own_client:
                client.close()
    return {"fanned_out": fanned_out, "endpoints": len(endpoints), "delivered": delivered, "failed": failed}
