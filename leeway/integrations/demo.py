"""Demo webhooks for Aurora with three weeks of deliveries, so the Webhooks page has a history to show.

A Slack channel of celebrations (turned off by its admin, so a demo sends nothing out) and a CRM that
went down two days ago and was turned off by Leeway after a day of retries (its notice shows). Both
are off: the demo's own worker must not try to reach addresses that do not exist. Running it twice
changes nothing.
"""

import datetime as dt
import random

from django.utils import timezone

from leeway.core.models import OutboxEvent
from leeway.integrations.delivery import BACKOFF, new_webhook_id
from leeway.integrations.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookFormat,
)
from leeway.integrations.services import new_secret
from leeway.people.models import Organization

SLACK_URL = "https://hooks.slack.com/services/T0DEMO/B0DEMO/leeway-celebrations"
CRM_URL = "https://crm.aurora.example/leeway/webhooks"
DAYS = 21
AGENTS = ["Avery", "Jordan", "Taylor", "Morgan", "Riley", "Lucía", "Mateo"]
LEADS = ["Sam", "Alex", "Dana"]
GESTURES = [
    ("Waive a fee", "25.00"),
    ("Account credit", "40.00"),
    ("Expedited shipping", "12.00"),
    ("Bend a cutoff", "0.00"),
]
WORDS = [
    None,
    "Thank you for sorting this out so quickly!",
    "You saved my month.",
    None,
    "Finally someone who listens.",
]
KINDS = {"kudos.given": "kudos", "decision.celebrated": "celebrated", "award.confirmed": "award"}


def _celebration(rng: random.Random, topic: str, number: int) -> dict:
    gesture, amount = rng.choice(GESTURES)
    words = rng.choice(WORDS)
    return {
        "decision": f"dec_demo_{number:04d}",
        "celebration": {
            "kind": KINDS[topic],
            "agent": rng.choice(AGENTS),
            "by": rng.choice(LEADS),
            "gesture": gesture,
            "amount": amount,
            "currency": "USD",
            "value_kept": rng.choice([None, "1250.00", "2310.00", "860.00"]),
            "company_value": rng.choice([None, "Own the outcome", "Make it easy"]),
            "award_period": "week" if topic == "award.confirmed" else None,
            "customer_words": words,
            "customer_first_name": rng.choice(["Marta", "Chris", "Priya"]) if words else None,
            "path": f"/recognition/decisions/dec_demo_{number:04d}/",
        },
    }


def _decision(rng: random.Random, topic: str, number: int) -> dict:
    gesture, amount = rng.choice(GESTURES)
    return {
        "id": f"dec_demo_{number:04d}",
        "customer": f"C-{1001 + rng.randrange(200)}",
        "gesture": gesture,
        "amount": amount,
        "currency": "USD",
        "zone": "green" if topic == "decision.approved" else "red",
        "status": "approved" if topic == "decision.approved" else "pending",
    }


def _history(endpoint, *, rng, topics, per_day, now, start, down_since=None) -> int:
    """Events of the last weeks and their deliveries to `endpoint`: mostly first time, a few after a retry."""
    made = 0
    moment = start
    while moment < now:
        for _ in range(rng.randint(*per_day)):
            at = moment + dt.timedelta(minutes=rng.randrange(8 * 60, 18 * 60))
            if at >= now:
                continue
            topic = rng.choice(topics)
            number = rng.randrange(10_000)
            payload = _celebration(rng, topic, number) if topic in KINDS else _decision(rng, topic, number)
            event = OutboxEvent.objects.create(
                organization_id=endpoint.organization_id, topic=topic, payload=payload
            )
            OutboxEvent.objects.filter(pk=event.pk).update(created_at=at, delivered_at=at)
            delivery = WebhookDelivery(
                organization_id=endpoint.organization_id,
                endpoint=endpoint,
                event=event,
                webhook_id=new_webhook_id(),
                topic=topic,
                created_at=at,
            )
            if down_since is not None and at >= down_since:
                _failing(
                    delivery,
                    at=at,
                    first=not endpoint.deliveries.filter(status=DeliveryStatus.FAILED).exists(),
                    now=now,
                )
            else:
                retried = rng.random() < 0.06
                delivery.status = DeliveryStatus.DELIVERED
                delivery.attempts = 2 if retried else 1
                delivery.last_attempt_at = delivery.delivered_at = at + (
                    BACKOFF[0] if retried else dt.timedelta()
                )
                delivery.last_status_code = 200
                delivery.response_excerpt = (
                    "ok" if endpoint.format == WebhookFormat.SLACK else '{"received":true}'
                )
                delivery.duration_ms = rng.randint(80, 420)
            delivery.save()
            WebhookAttempt.objects.bulk_create(
                _attempt_log(delivery, at=at, duration_ms=delivery.duration_ms)
            )
            made += 1
        moment += dt.timedelta(days=1)
    return made


def _attempt_log(delivery: WebhookDelivery, *, at, duration_ms) -> list[WebhookAttempt]:
    """The tries behind the delivery's `attempts`, as the worker would have logged them: every one
    but the last failed (a timeout, or the 503 of the endpoint that went down), the last is the latest."""
    log, moment = [], at
    for number in range(delivery.attempts - 1):
        down = delivery.status == DeliveryStatus.FAILED
        log.append(
            WebhookAttempt(
                organization_id=delivery.organization_id,
                delivery=delivery,
                attempted_at=moment,
                status_code=503 if down else None,
                error="" if down else "ReadTimeout: timed out",
                response_excerpt=delivery.response_excerpt if down else "",
                duration_ms=duration_ms if down else 5000,
            )
        )
        moment += BACKOFF[number]
    if delivery.attempts:
        log.append(WebhookAttempt.of_latest(delivery))
    return log


def _failing(delivery: WebhookDelivery, *, at, first: bool, now) -> None:
    if first:  # the head: every retry of it failed, so Leeway turned the endpoint off
        delivery.status = DeliveryStatus.FAILED
        delivery.attempts = len(BACKOFF) + 1
        delivery.retries = len(BACKOFF)
        delivery.last_attempt_at = min(at + sum(BACKOFF, dt.timedelta()), now)
        delivery.last_status_code = 503
        delivery.response_excerpt = "<html><body><h1>503 Service Unavailable</h1></body></html>"
        delivery.duration_ms = 5000
    else:  # behind it: waiting, in order, for the endpoint to be turned on again
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = at


def load() -> str:
    organization = Organization.objects.filter(slug="aurora").first()
    if organization is None:
        return "no aurora organization"
    if WebhookEndpoint.objects.filter(organization=organization, url__in=[SLACK_URL, CRM_URL]).exists():
        return "already loaded"
    rng = random.Random(12)
    now = timezone.now()
    start = (now - dt.timedelta(days=DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    slack = WebhookEndpoint.objects.create(
        organization=organization,
        url=SLACK_URL,
        topics=["kudos.given", "decision.celebrated", "award.confirmed"],
        format=WebhookFormat.SLACK,
        secret=new_secret(),
        active=False,
    )
    down_since = now - dt.timedelta(days=2)
    crm = WebhookEndpoint.objects.create(
        organization=organization,
        url=CRM_URL,
        topics=["decision.approved", "decision.requested"],
        format=WebhookFormat.STANDARD,
        secret=new_secret(),
        active=False,
        consecutive_failures=len(BACKOFF) + 1,
        disabled_reason="decision.approved: 8 attempts failed, last 503",
    )
    made = _history(slack, rng=rng, topics=list(KINDS), per_day=(1, 4), now=now, start=start)
    made += _history(
        crm,
        rng=rng,
        topics=["decision.approved", "decision.approved", "decision.requested"],
        per_day=(3, 8),
        now=now,
        start=start,
        down_since=down_since,
    )
    failed = crm.deliveries.filter(status=DeliveryStatus.FAILED).first()
    WebhookEndpoint.objects.filter(pk=crm.pk).update(
        disabled_at=failed.last_attempt_at if failed else down_since,
        disabled_reason=(
            f"{failed.topic} {failed.webhook_id}: {failed.attempts} attempts failed, last 503"
            if failed
            else crm.disabled_reason
        ),
    )
    WebhookEndpoint.objects.filter(pk__in=[slack.pk, crm.pk]).update(created_at=start)
    return f"2 webhooks, {made} deliveries"
