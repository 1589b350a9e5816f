"""Delivery to a real HTTP receiver: signed, retried, in order, at least once, never across organizations."""

import datetime as dt
import json

import pytest
import time_machine
from standardwebhooks import Webhook

from leeway.core.models import AuditEntry, OutboxEvent
from leeway.core.outbox import outbox_emit
from leeway.integrations.delivery import BACKOFF
from leeway.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from leeway.integrations.services import (
    delivery_round,
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_set_active,
)

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def endpoint_for(admin, url, *, topics=("decision.approved",), format="standard"):
    return webhook_endpoint_create(
        organization=admin.organization, actor=admin, url=url, topics=list(topics), format=format
    )


def emit(organization, n=1, topic="decision.approved"):
    return [
        outbox_emit(organization_id=organization.pk, topic=topic, payload={"id": f"D-{i}", "amount": "25.00"})
        for i in range(n)
    ]


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_a_delivery_is_signed_per_standard_webhooks_and_verifies(db, clock, receiver, aurora_admin):
    endpoint = endpoint_for(aurora_admin, receiver.url)
    (event,) = emit(aurora_admin.organization)

    result = delivery_round()

    assert result["delivered"] == 1
    (request,) = receiver.requests
    payload = Webhook(endpoint.secret).verify(request["body"], request["headers"])
    assert payload == {
        "type": "decision.approved",
        "timestamp": event.created_at.isoformat(),
        "data": {"id": "D-0", "amount": "25.00"},
    }
    assert request["headers"]["webhook-timestamp"] == str(int(START.timestamp()))
    assert request["headers"]["webhook-signature"].startswith("v1,")
    assert request["headers"]["content-type"] == "application/json"
    delivery = WebhookDelivery.objects.get()
    assert request["headers"]["webhook-id"] == delivery.webhook_id
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1 and delivery.last_status_code == 200
    assert delivery.delivered_at == START
    assert json.loads(delivery.response_excerpt) == {"ok": True}
    assert OutboxEvent.objects.get().delivered_at == START


def test_a_wrong_secret_does_not_verify(db, clock, receiver, aurora_admin):
    endpoint_for(aurora_admin, receiver.url)
    emit(aurora_admin.organization)
    delivery_round()
    (request,) = receiver.requests
    other = Webhook("whsec_" + "A" * 32)
    with pytest.raises(Exception, match="signature"):
        other.verify(request["body"], request["headers"])


def test_a_500_is_retried_after_the_backoff_with_the_same_webhook_id(db, clock, receiver, aurora_admin):
    endpoint = endpoint_for(aurora_admin, receiver.url)
    emit(aurora_admin.organization)
    receiver.answers = [500]

    assert delivery_round()["failed"] == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_status_code == 500
    assert delivery.next_attempt_at == START + BACKOFF[0]
    assert WebhookEndpoint.objects.get().consecutive_failures == 1

    clock.shift(BACKOFF[0] - dt.timedelta(seconds=1))
    assert delivery_round()["delivered"] == 0  # not due yet
    clock.shift(dt.timedelta(seconds=1))
    assert delivery_round()["delivered"] == 1

    first, second = receiver.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert second["headers"]["webhook-timestamp"] == str(int((START + BACKOFF[0]).timestamp()))
    Webhook(endpoint.secret).verify(second["body"], second["headers"])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.retries) == (DeliveryStatus.DELIVERED, 2, 0)
    assert WebhookEndpoint.objects.get().consecutive_failures == 0
    # The log keeps both tries, not only the latest.
    assert [(a.attempted_at, a.status_code) for a in delivery.attempt_log.all()] == [
        (START, 500),
        (START + BACKOFF[0], 200),
    ]


def test_events_reach_an_endpoint_in_order_and_later_ones_wait_while_an_earlier_one_retries(
    db, clock, receiver, aurora_admin
):
    endpoint_for(aurora_admin, receiver.url)
    events = emit(aurora_admin.organization, 5)
    receiver.answers = [503]

    delivery_round()
    assert len(receiver.requests) == 1  # the first failed; the four behind it were not sent
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 5

    clock.shift(BACKOFF[0])
    delivery_round()
    sent = [request["headers"]["webhook-id"] for request in receiver.accepted()]
    expected = list(WebhookDelivery.objects.order_by("event_id").values_list("webhook_id", flat=True))
    assert sent == expected
    assert [body["data"]["id"] for body in receiver.bodies()] == [event.payload["id"] for event in events]


def test_receiver_down_for_a_minute_then_up_gets_every_event_exactly_once_after_dedup(
    db, clock, receiver, aurora_admin
):
    endpoint_for(aurora_admin, receiver.url)
    receiver.stop()  # down: connection refused
    first = emit(aurora_admin.organization, 3)
    for _second in range(0, 60, 5):
        delivery_round()
        clock.shift(dt.timedelta(seconds=5))
        first += emit(aurora_admin.organization, 1)  # events keep coming while it is down
    assert receiver.requests == []
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    head = WebhookDelivery.objects.order_by("event_id").first()
    assert head.attempts >= 2 and "ConnectError" in head.last_error

    receiver.start()  # up again, same port
    # A receiver that got a request but whose answer was lost sees it twice: answer one 500, once.
    receiver.answers = [200, 200, 500]
    for _minute in range(12):
        clock.shift(dt.timedelta(minutes=5))
        delivery_round()

    ids = [request["headers"]["webhook-id"] for request in receiver.requests]
    unique = list(dict.fromkeys(ids))
    assert len(ids) > len(unique)  # one arrived twice (at least once) ...
    expected = list(WebhookDelivery.objects.order_by("event_id").values_list("webhook_id", flat=True))
    assert unique == expected  # ... and after de-duplication every event, once, in order
    assert len(expected) == len(first)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_a_redelivery_sends_the_event_again_with_the_same_id(db, clock, receiver, aurora_admin):
    endpoint_for(aurora_admin, receiver.url)
    emit(aurora_admin.organization)
    delivery_round()
    delivery = WebhookDelivery.objects.get()

    webhook_delivery_redeliver(delivery=delivery, actor=aurora_admin)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    delivery_round()

    assert len(receiver.requests) == 2
    assert {request["headers"]["webhook-id"] for request in receiver.requests} == {delivery.webhook_id}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert [attempt.status_code for attempt in delivery.attempt_log.all()] == [200, 200]
    assert AuditEntry.objects.filter(
        action="webhook.redelivery_requested", object_id=delivery.webhook_id
    ).exists()


def test_an_endpoint_failing_for_a_day_is_turned_off_and_its_admins_are_told(
    db, clock, receiver, aurora_admin, aurora_agent, django_capture_on_commit_callbacks, mailoutbox
):
    endpoint_for(aurora_admin, receiver.url)
    emit(aurora_admin.organization, 2)
    receiver.answers = [500] * (len(BACKOFF) + 1)

    with django_capture_on_commit_callbacks(execute=True):
        for wait in [dt.timedelta(0), *BACKOFF]:
            clock.shift(wait)
            delivery_round()

    assert sum(BACKOFF, dt.timedelta()) >= dt.timedelta(hours=24)
    assert len(receiver.requests) == len(BACKOFF) + 1
    endpoint = WebhookEndpoint.objects.get()
    assert not endpoint.active and endpoint.was_auto_disabled
    assert "500" in endpoint.disabled_reason
    head, behind = WebhookDelivery.objects.order_by("event_id")
    assert head.status == DeliveryStatus.FAILED and behind.status == DeliveryStatus.PENDING
    assert AuditEntry.objects.filter(action="webhook.auto_disabled").count() == 1
    (message,) = mailoutbox
    assert message.to == ["admin@aurora.example"]
    assert receiver.url in message.subject

    # Turned off: nothing more is sent. Turned on again: the event behind goes out; the failed one on request.
    clock.shift(dt.timedelta(hours=1))
    delivery_round()
    assert len(receiver.requests) == len(BACKOFF) + 1
    webhook_endpoint_set_active(endpoint=endpoint, actor=aurora_admin, active=True)
    delivery_round()
    assert receiver.accepted()[-1]["headers"]["webhook-id"] == behind.webhook_id
    webhook_delivery_redeliver(delivery=head, actor=aurora_admin)
    delivery_round()
    assert receiver.accepted()[-1]["headers"]["webhook-id"] == head.webhook_id


def test_the_admin_notice_is_in_the_admins_language(
    db, clock, receiver, casa_admin, django_capture_on_commit_callbacks, mailoutbox
):
    endpoint_for(casa_admin, receiver.url)
    emit(casa_admin.organization)
    receiver.answers = [500] * (len(BACKOFF) + 1)
    with django_capture_on_commit_callbacks(execute=True):
        for wait in [dt.timedelta(0), *BACKOFF]:
            clock.shift(wait)
            delivery_round()
    (message,) = mailoutbox
    assert message.subject.startswith("Leeway desactivó un webhook")


def test_payloads_never_cross_organizations(db, clock, receiver, second_receiver, aurora_admin, casa_admin):
    aurora_endpoint = endpoint_for(aurora_admin, receiver.url)
    casa_endpoint = endpoint_for(casa_admin, second_receiver.url)
    aurora_events = emit(aurora_admin.organization, 3)
    casa_events = emit(casa_admin.organization, 2)

    delivery_round()

    assert [body["data"] for body in receiver.bodies()] == [event.payload for event in aurora_events]
    assert [body["data"] for body in second_receiver.bodies()] == [event.payload for event in casa_events]
    for request in receiver.requests:
        Webhook(aurora_endpoint.secret).verify(request["body"], request["headers"])
    for request in second_receiver.requests:
        Webhook(casa_endpoint.secret).verify(request["body"], request["headers"])
    assert not WebhookDelivery.objects.filter(
        endpoint=aurora_endpoint, organization=casa_admin.organization
    ).exists()
    assert set(WebhookDelivery.objects.filter(endpoint=casa_endpoint).values_list("event_id", flat=True)) == {
        event.pk for event in casa_events
    }


def test_only_subscribed_topics_go_to_an_active_endpoint(db, clock, receiver, second_receiver, aurora_admin):
    endpoint_for(aurora_admin, receiver.url, topics=["kudos.given"])
    paused = endpoint_for(aurora_admin, second_receiver.url, topics=["decision.approved"])
    webhook_endpoint_set_active(endpoint=paused, actor=aurora_admin, active=False)
    emit(aurora_admin.organization, 1, topic="decision.approved")
    emit(aurora_admin.organization, 1, topic="kudos.given")

    delivery_round()

    assert [body["type"] for body in receiver.bodies()] == ["kudos.given"]
    assert second_receiver.requests == []
    assert OutboxEvent.objects.filter(delivered_at__isnull=True).count() == 0


def test_an_endpoint_added_later_gets_only_later_events(db, clock, receiver, aurora_admin):
    emit(aurora_admin.organization, 2)
    delivery_round()  # nobody listens yet: the events are handed on to no one
    endpoint_for(aurora_admin, receiver.url)
    emit(aurora_admin.organization, 1)
    delivery_round()
    assert len(receiver.requests) == 1


def test_a_private_address_is_refused_at_send_time_too(db, clock, receiver, aurora_admin, settings):
    endpoint_for(aurora_admin, receiver.url)  # saved while private addresses were allowed
    settings.LEEWAY_WEBHOOKS_ALLOW_PRIVATE = False
    emit(aurora_admin.organization)
    delivery_round()
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_error == "address not allowed" and delivery.status == DeliveryStatus.PENDING


def test_redirects_are_not_followed(db, clock, receiver, aurora_admin):
    endpoint_for(aurora_admin, receiver.url)
    emit(aurora_admin.organization)
    receiver.answers = [302]
    delivery_round()
    delivery = WebhookDelivery.objects.get()
    assert len(receiver.requests) == 1
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.PENDING, 302)
