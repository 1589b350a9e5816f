"""One way to reach tenant data: every query is scoped to the member's organization.

Another organization's object is simply not found (404), never forbidden
(403): a tenant must not even learn that it exists.
"""

from typing import TypeVar

from django.db import models

from leeway.core.errors import NotFound

M = TypeVar("M", bound=models.Model)


def scoped(model_or_queryset: type[M] | models.QuerySet, member) -> models.QuerySet:
    """The rows of the member's organization only (none for a member without one)."""
    queryset = model_or_queryset.objects.all() if isinstance(model_or_queryset, type) else model_or_queryset
    if member is None or not getattr(member, "organization_id", None):
        return queryset.none()
    return queryset.filter(organization_id=member.organization_id)


def get_for(member, model_or_queryset: type[M] | models.QuerySet, **lookup) -> M:
    """One object of the member's organization, or NotFound."""
    try:
        return scoped(model_or_queryset, member).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound() from None
