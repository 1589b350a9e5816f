"""The outbox: events written with the change that caused them, delivered later."""

from leeway.core.batch import insert_statement
from leeway.core.models import OutboxEvent


def outbox_emit(*, organization_id: int, topic: str, payload: dict) -> OutboxEvent:
    """Record an outbound event; call inside the write's transaction so both commit or neither."""
    event = OutboxEvent(organization_id=organization_id, topic=topic, payload=payload)
    event.save(force_insert=True)
    return event


def outbox_statement(event: OutboxEvent) -> tuple[str, list]:
    """The INSERT recording `event` (no RETURNING), to send with other statements or as a part of one."""
    return insert_statement(event, returning_pk=False)
