"""The outbox: events written with the change that caused them, delivered later."""

from leeway.core.models import OutboxEvent


def outbox_emit(*, organization_id: int, topic: str, payload: dict) -> OutboxEvent:
    """Record an outbound event; call inside the write's transaction so both commit or neither."""
    return OutboxEvent.objects.create(organization_id=organization_id, topic=topic, payload=payload)
