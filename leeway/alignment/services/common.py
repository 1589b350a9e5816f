"""What the alignment writes share: who may review or resolve, clean text, names and references."""

from django.utils.translation import gettext_lazy as _

from leeway.alignment.models import (
    TEXT_MAX_LENGTH,
)
from leeway.core.errors import InvalidInput, NotFound
from leeway.decisions.models import Decision
from leeway.people.models import Member, Role

FEEDBACK_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN)
RESOLVING_ROLES = (Role.MANAGER, Role.ADMIN)


def clean_text(value, *, field: str, max_length: int = TEXT_MAX_LENGTH, required: bool = False) -> str:
    """Text as typed, trimmed; refused when not text, too long, with a NUL, or empty when required."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("This value must be text."), code="invalid", field=field)
    if "\x00" in value:
        raise InvalidInput(
            _("This text contains characters that are not allowed."), code="invalid_text", field=field
        )
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(
            _("This text is too long (at most %(max)s characters).") % {"max": max_length},
            code="too_long",
            field=field,
        )
    if required and not value:
        raise InvalidInput(_("This field is required."), code="required", field=field)
    return value


def _same_organization(member: Member | None, organization_id: int) -> None:
    if member is None or member.organization_id != organization_id:
        raise NotFound()


def _first_name(member: Member) -> str:
    return member.first_name or member.username


def _decision_ref(decision: Decision) -> str:
    return str(decision.public_id)
