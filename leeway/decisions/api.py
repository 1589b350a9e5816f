"""Decision endpoints: preview, record (idempotent), read, list, approve and decline.

Handlers only parse, call one service or selector, and answer.
"""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field as SchemaField
from ninja import Query, Router, Schema

from leeway.core.api_schemas import errors
from leeway.core.errors import Conflict, InvalidInput
from leeway.core.inputs import limit_field, offset_field
from leeway.decisions import selectors, services
from leeway.decisions.models import DecisionStatus, Zone
from leeway.decisions.schemas import (
    ApproveIn,
    DecisionIn,
    DecisionOut,
    DecisionPage,
    DeclineIn,
    PreviewIn,
    PreviewOut,
)
from leeway.decisions.signals import approved_decision_change_refused

router = Router(tags=["decisions"])


@router.post(
    "/decisions/preview",
    response={200: PreviewOut, **errors(400, 401, 403, 409, 413, 422)},
    summary="Judge a gesture without recording it",
    description=(
        "The zone the gesture would get now, with each limit checked and what remains. Records nothing."
    ),
)
def decision_preview(request, payload: PreviewIn):
    preview = services.decision_preview(member=request.auth, **payload.dict())
    return selectors.preview_payload(preview)


@router.post(
    "/decisions",
    response={201: DecisionOut, **errors(400, 401, 403, 409, 413, 422)},
    summary="Record a gesture",
    description=(
        "Green and amber are approved at once and protected; red becomes a pending request to the "
        "team's leads. With an `Idempotency-Key` header, a retry with the same body gets the same status "
        "and body and records nothing new; the same key with another body is a 409 "
        "(`idempotency_conflict`)."
    ),
)
def decision_create(request, payload: DecisionIn):
    key = request.headers.get("Idempotency-Key")
    fields = payload.dict()
    idempotency = None
    if key is not None:
        idempotency = services.Idempotency(
            key=services.validate_idempotency_key(key), request_hash=services.request_hash(fields)
        )
    status, body = services.decision_submit(member=request.auth, idempotency=idempotency, **fields)
    # The stored text is answered verbatim, so a replay is byte-for-byte the first answer.
    return HttpResponse(body, status=status, content_type="application/json")


class DecisionFilters(Schema):
    status: str | None = SchemaField(
        None, description="pending, approved or declined", json_schema_extra={"enum": DecisionStatus.values}
    )
    zone: str | None = SchemaField(
        None, description="green, amber or red", json_schema_extra={"enum": Zone.values}
    )
    limit: int = limit_field(50)
    offset: int = offset_field()


@router.get(
    "/decisions",
    response={200: DecisionPage, **errors(401, 422)},
    summary="List decisions",
    description=(
        "Agents see their own, leads their team's, managers their department's, admins and analysts all. "
        "`status=pending` lists requests oldest first."
    ),
)
def decision_list(request, filters: Query[DecisionFilters]):
    if filters.status is not None and filters.status not in DecisionStatus.values:
        raise InvalidInput(_("Unknown status."), code="invalid", field="status")
    if filters.zone is not None and filters.zone not in Zone.values:
        raise InvalidInput(_("Unknown zone."), code="invalid", field="zone")
    queryset = selectors.decisions_for(request.auth, status=filters.status, zone=filters.zone)
    page = list(queryset[filters.offset : filters.offset + filters.limit])
    return {
        "items": [selectors.decision_payload(decision) for decision in page],
        "count": queryset.count(),
        "limit": filters.limit,
        "offset": filters.offset,
    }


@router.get(
    "/decisions/{decision_id}", response={200: DecisionOut, **errors(401, 404, 422)}, summary="One decision"
)
def decision_detail(request, decision_id: str):
    return selectors.decision_payload(selectors.decision_for(request.auth, decision_id))


@router.post(
    "/decisions/{decision_id}/approve",
    response={200: DecisionOut, **errors(400, 401, 403, 404, 409, 413, 422)},
    summary="Approve a pending request",
    description=(
        "A lead of the agent's team, a manager of its department or an admin. A request that is no longer "
        "pending is a 409 (`already_decided`); approval that would pass a site, team, department or "
        "organization budget is refused with 409 (`budget_exhausted`)."
    ),
)
def decision_approve(request, decision_id: str, payload: ApproveIn):
    decision = selectors.decision_in_organization(request.auth, decision_id)
    decision = services.decision_approve(decision=decision, member=request.auth, note=payload.note)
    return selectors.decision_payload(decision)


@router.post(
    "/decisions/{decision_id}/decline",
    response={200: DecisionOut, **errors(400, 401, 403, 404, 409, 413, 422)},
    summary="Decline a pending request",
    description=(
        "Nothing is spent. The reason is required and shown to the agent: missing or empty is a 422 with "
        '`field: "reason"`. A request that is no longer pending is a 409 (`already_decided`).'
    ),
)
def decision_decline(request, decision_id: str, payload: DeclineIn):
    decision = selectors.decision_in_organization(request.auth, decision_id)
    try:
        decision = services.decision_decline(decision=decision, member=request.auth, reason=payload.reason)
    except Conflict:
        if decision.status == DecisionStatus.APPROVED:
            approved_decision_change_refused.send(
                sender=type(decision), decision=decision, member=request.auth, attempt="decline"
            )
        raise
    return selectors.decision_payload(decision)
