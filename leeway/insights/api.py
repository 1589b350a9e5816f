"""Insights endpoints: helpdesk interactions in and out, and the latest ROI estimate.

Admins and analysts (or their integration tokens, e.g. a helpdesk's) record interactions; leads,
managers, admins and analysts read them; the ROI estimate is for admins and analysts. Another
organization's interactions are never listed, and a customer or agent of another organization is
unknown (422), as any name that is not one of the caller's.
"""

from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from leeway.core.api_schemas import errors
from leeway.core.errors import InvalidInput
from leeway.core.inputs import limit_field, offset_field
from leeway.customers.api import auth_for
from leeway.insights import interactions as service
from leeway.insights import selectors
from leeway.insights.roi.service import latest_estimate
from leeway.people.models import Role

WRITE_ROLES = (Role.ADMIN, Role.ANALYST)
READ_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN, Role.ANALYST)
ROI_ROLES = (Role.ADMIN, Role.ANALYST)

router = Router(tags=["insights"])


class InteractionIn(Schema):
    """One interaction, or `{"interactions": [...]}` with up to 1,000 of them (all or nothing)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_ref": "CALL-778",
                    "customer": "C-1001",
                    "channel": "phone",
                    "category": "billing_error",
                    "agent": "aurora-agent",
                    "occurred_at": "2025-03-01T14:30:00Z",
                },
                {
                    "interactions": [
                        {
                            "external_ref": "CHAT-12",
                            "customer": "C-1002",
                            "channel": "chat",
                            "category": "late_delivery",
                            "occurred_at": "2025-03-02T09:10:00Z",
                        }
                    ]
                },
            ]
        },
    )

    external_ref: str | None = Field(
        None, description="The helpdesk's id; decisions name it as interaction_ref."
    )
    customer: str | None = Field(None, description="The customer's external id.")
    channel: str | None = Field(None, description="phone, chat, email, social, in_person or other")
    category: str | None = Field(None, description="The contact category or complaint reason, a code.")
    agent: str | None = Field(None, description="The agent's username (optional).")
    occurred_at: str | None = Field(None, description="ISO 8601; without an offset, the organization's zone.")
    interactions: list[dict[str, Any]] | None = Field(None, description="Batch form: up to 1,000.")


class InteractionOut(Schema):
    external_ref: str
    customer: str
    channel: str
    category: str
    agent: str | None
    occurred_at: datetime
    gesture: bool = Field(..., description="An approved decision names this interaction.")


class InteractionBatchOut(Schema):
    created: int
    already_recorded: int


class InteractionFilters(Schema):
    customer: str | None = Field(None, description="Only this customer's (external id).")
    since: str | None = Field(
        None,
        description="Only interactions at or after this moment (ISO 8601, e.g. 2025-03-01T00:00:00Z).",
        json_schema_extra={"format": "date-time"},
    )
    limit: int = limit_field(50)
    offset: int = offset_field()


class InteractionPage(Schema):
    count: int
    items: list[InteractionOut]


class FigureOut(Schema):
    key: str = Field(..., description="retention_90, retention_180, purchases or value")
    unit: str = Field(..., description="points (percentage points) or money (base currency)")
    estimate: float | None = Field(..., description="Adjusted difference, gesture minus no gesture")
    low: float | None = Field(..., description="95 % interval, lower end")
    high: float | None
    naive: float | None = Field(..., description="The unadjusted difference, for comparison")
    treated: int = Field(..., description="Customers with a gesture this figure uses")
    control: int
    missing: dict[str, Any] = Field(..., description="Why no figure is given (e.g. too small a sample)")


class RoiOut(Schema):
    computed_at: datetime | None = Field(..., description="null before the first estimate")
    currency: str
    treated: int
    control: int
    figures: list[FigureOut]


@router.post(
    "/interactions",
    auth=auth_for(WRITE_ROLES),
    response={
        200: InteractionOut,
        201: InteractionOut | InteractionBatchOut,
        **errors(400, 401, 403, 409, 413, 422),
    },
    summary="Record helpdesk interactions",
    description=(
        "One interaction (201 when new; 200 with the recorded one when the same interaction is sent again), "
        'or `{"interactions": [...]}` with up to 1,000 (201 with counts; ones already recorded as they are '
        "are counted, not doubled). All or nothing: one bad item refuses the request, and `field` names it, "
        "e.g. `interactions[3].customer`. The same `external_ref` with other details is 409 `ref_conflict` "
        "(one) or 422 (in a list). Admins and analysts only."
    ),
)
def interaction_create(request, payload: InteractionIn):
    member = request.auth
    data = payload.model_dump(exclude_unset=True)
    if "interactions" in data:
        if len(data) > 1:
            raise InvalidInput(
                _("Send either one interaction or a list of interactions, not both."),
                code="invalid",
                field="interactions",
            )
        recorded = service.interactions_record(
            organization=member.organization, actor=member, items=data["interactions"]
        )
        return Status(201, {"created": len(recorded.created), "already_recorded": recorded.skipped})
    interaction, created = service.interaction_record(
        organization=member.organization, actor=member, data=data
    )
    return Status(201 if created else 200, selectors.interaction_payload(interaction))


@router.get(
    "/interactions",
    auth=auth_for(READ_ROLES),
    response={200: InteractionPage, **errors(401, 403, 422)},
    summary="Interactions, newest first",
)
def interaction_list(request, filters: Query[InteractionFilters]):
    since = None
    if filters.since is not None:
        try:
            since = parse_datetime(filters.since)
        except ValueError:  # well-formed but not a real moment, e.g. month 13
            since = None
        if since is None or since.tzinfo is None:
            raise InvalidInput(
                _("Enter a date and time with its offset in ISO 8601, e.g. 2025-03-01T00:00:00Z."),
                code="invalid_datetime",
                field="since",
            )
    queryset = selectors.interactions_for(request.auth, customer=filters.customer, since=since)
    page = list(queryset[filters.offset : filters.offset + filters.limit])
    return {"count": queryset.count(), "items": selectors.interaction_payloads(page)}


@router.get(
    "/insights/roi",
    auth=auth_for(ROI_ROLES),
    response={200: RoiOut, **errors(401, 403, 422)},
    summary="The latest ROI estimate (admins and analysts)",
    description=(
        "Gesture vs no gesture for customers with comparable contacts: retention at 90 and 180 days in "
        "percentage points, change in purchases and in predicted value over 90 days in the base currency, "
        "each propensity-weighted with a 95 % bootstrap interval and the naive difference beside it. A "
        "figure whose arms have fewer than 300 customers is null, and `missing` says what is short."
    ),
)
def roi(request):
    organization = request.auth.organization
    found = latest_estimate(organization)
    if found is None:
        return {
            "computed_at": None,
            "currency": organization.base_currency,
            "treated": 0,
            "control": 0,
            "figures": [],
        }
    return {
        "computed_at": found.computed_at,
        "currency": found.parameters.get("currency", organization.base_currency),
        "treated": found.treated,
        "control": found.control,
        "figures": found.figures,
    }
