"""Helpers shared by the policy services: actor checks, audit rows, change tracking."""

from decimal import Decimal

from django.conf import settings

from leeway.core.audit import audit_record

# One "not given" marker and one actor check for every service that takes partial updates.
from leeway.people.services.members import UNSET
from leeway.people.services.members import check_actor as _check_actor

__all__ = ["UNSET", "_check_actor"]

NAME_MAX = 120
DESCRIPTION_MAX = 2000
TIER_NAME_MAX = 80
SUMMARY_MAX = 2000
CSV_MAX_BYTES = 256 * 1024
CSV_MAX_ROWS = 1000


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _audit(organization_id: int, actor_id, action: str, obj, data: dict) -> None:
    audit_record(
        organization_id=organization_id,
        actor_id=actor_id,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        data=data,
    )


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def _apply(obj, values: dict) -> dict:
    """Set the values that differ; return {field: [old, new]} for the audit trail."""
    changes = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(obj, name, value)
    return changes
