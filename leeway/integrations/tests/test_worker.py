"""`leeway worker --once` runs one delivery round; two workers never send one attempt at the same time."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from leeway.core.outbox import outbox_emit
from leeway.integrations.models import DeliveryStatus, WebhookDelivery
from leeway.integrations.services import delivery_round, webhook_endpoint_create


def test_worker_once_delivers_waiting_events(db, receiver, aurora_admin):
    webhook_endpoint_create(
        organization=aurora_admin.organization,
        actor=aurora_admin,
        url=receiver.url,
        topics=["decision.approved"],
    )
    outbox_emit(
        organization_id=aurora_admin.organization_id, topic="decision.approved", payload={"id": "D-1"}
    )

    call_command("worker", "--once")

    assert [body["data"] for body in receiver.bodies()] == [{"id": "D-1"}]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


@pytest.mark.postgres
def test_two_workers_at_once_send_each_event_once(transactional_db, receiver, aurora_admin):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SKIP LOCKED) need PostgreSQL")
    webhook_endpoint_create(
        organization=aurora_admin.organization,
        actor=aurora_admin,
        url=receiver.url,
        topics=["decision.approved"],
    )
    for number in range(40):
        outbox_emit(
            organization_id=aurora_admin.organization_id, topic="decision.approved", payload={"n": number}
        )
    start = threading.Barrier(2)
    errors = []

    def work(name):
        try:
            start.wait()
            for _round in range(3):
                delivery_round(worker_id=name)
        except Exception as error:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    ids = [request["headers"]["webhook-id"] for request in receiver.requests]
    assert len(ids) == len(set(ids)) == 40
    assert [body["data"]["n"] for body in receiver.bodies()] == list(range(40))
