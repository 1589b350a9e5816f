"""Recognition endpoints: company values, kudos, celebrations, awards, the feed, allowances and figures.

Peers (agents) and leads give kudos and celebrate; leads nominate awards and managers or admins
confirm them; admins define company values and read the programme's figures. Another
organization's decision or award is 404.
"""

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from leeway.core.api_schemas import errors
from leeway.core.errors import Forbidden, InvalidInput, NotFound
from leeway.core.inputs import limit_field, offset_field
from leeway.people.models import Role
from leeway.recognition import selectors, services
from leeway.recognition.models import MESSAGE_MAX_LENGTH

router = Router(tags=["recognition"])


def _require(member, *roles) -> None:
    if member.role not in roles:
        raise Forbidden()


class CompanyValueIn(Schema):
    code: str
    names: dict[str, str] = Field(..., description='The name per language, e.g. {"en": "Own it", "es": "…"}')
    descriptions: dict[str, str] = Field(default_factory=dict)
    active: bool = True


class CompanyValuePatch(Schema):
    names: dict[str, str] | None = None
    descriptions: dict[str, str] | None = None
    active: bool | None = None


class CompanyValueOut(Schema):
    id: int
    code: str
    name: str
    active: bool


class KudosIn(Schema):
    value: str = Field(..., description="The company value's code")
    points: int = Field(0, ge=0, le=10_000, description="From the giver's monthly allowance; 0 is fine")
    message: str = Field("", description=f"Optional, plain text, up to {MESSAGE_MAX_LENGTH} characters")


class KudosOut(Schema):
    id: int
    decision: str
    value: str
    points: int
    message: str
    remaining: int


class CelebrationOut(Schema):
    id: int
    decision: str
    customer_words: str | None


class NominationIn(Schema):
    period: str = Field(..., description="week or month")
    reason: str = ""


class AwardOut(Schema):
    id: int
    decision: str
    site: str
    period: str
    period_start: str
    status: str


class AllowanceOut(Schema):
    month: str
    granted: int
    spent: int
    remaining: int


class FeedFilters(Schema):
    site: int | None = None
    team: int | None = None
    limit: int = limit_field(30)
    offset: int = offset_field()


class FeedItemOut(Schema):
    kind: str
    at: datetime
    decision: str
    agent: str
    by: str
    gesture: str
    amount: str
    currency: str
    customer_first_name: str | None
    customer_words: str | None = None
    company_value: str | None = None
    points: int | None = None
    message: str | None = None
    award_period: str | None = None
    path: str


class FeedOut(Schema):
    items: list[FeedItemOut]


class StatsOut(Schema):
    month: str
    agents: int
    recognised: int
    share: float
    gini: float
    recognitions: int


def _filter_object(lookup, member, object_id, *, field: str):
    """A site or team named by a query filter: another organization's (or none) is a bad value there, 422."""
    try:
        return lookup(member, object_id)
    except NotFound:
        raise InvalidInput(
            _("Not found in your organization."), code=f"unknown_{field}", field=field
        ) from None


def _value_out(value) -> dict:
    return {"id": value.pk, "code": value.code, "name": str(value), "active": value.active}


def _award_out(award) -> dict:
    return {
        "id": award.pk,
        "decision": str(award.decision.public_id),
        "site": award.site.name,
        "period": award.period,
        "period_start": award.period_start.isoformat(),
        "status": award.status,
    }


@router.get(
    "/recognition/values", response={200: list[CompanyValueOut], **errors(401, 422)}, summary="Company values"
)
def value_list(request):
    return [_value_out(value) for value in selectors.company_values_for(request.auth)]


@router.post(
    "/recognition/values",
    response={201: CompanyValueOut, **errors(400, 401, 403, 409, 413, 422)},
    summary="Add a company value (admin)",
    description="A code the organization already has is 409 `duplicate`.",
)
def value_create(request, payload: CompanyValueIn):
    member = request.auth
    _require(member, Role.ADMIN)
    value = services.company_value_create(organization=member.organization, actor=member, **payload.dict())
    return Status(201, _value_out(value))


@router.patch(
    "/recognition/values/{value_id}",
    response={200: CompanyValueOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Rename or switch a value (admin)",
)
def value_update(request, value_id: int, payload: CompanyValuePatch):
    member = request.auth
    _require(member, Role.ADMIN)
    value = selectors.company_value_for(member, value_id)
    value = services.company_value_update(company_value=value, actor=member, **payload.dict())
    return _value_out(value)


@router.get(
    "/recognition/allowance",
    response={200: AllowanceOut, **errors(401, 422)},
    summary="Your points this month",
)
def allowance(request):
    found = services.allowance_for(request.auth)
    return {
        "month": found.month.isoformat(),
        "granted": found.granted,
        "spent": found.spent,
        "remaining": found.remaining,
    }


@router.post(
    "/decisions/{decision_id}/kudos",
    response={201: KudosOut, **errors(400, 401, 403, 404, 409, 413, 422)},
    summary="Give kudos for a decision",
    description=(
        "A peer or lead praises an approved decision (not their own) with a company value and points from "
        "their monthly allowance (no rollover; 0 points is fine). Once per person and decision (409 "
        "`already_given`); a decision that is not approved is 409 `not_approved`."
    ),
)
def kudos_give(request, decision_id: str, payload: KudosIn):
    member = request.auth
    _require(member, *services.GIVING_ROLES)
    decision = selectors.recognition_decision_for(member, decision_id)
    kudos = services.kudos_give(
        member=member,
        decision=decision,
        company_value=payload.value,
        points=payload.points,
        message=payload.message,
    )
    remaining = services.allowance_for(member).remaining
    body = {
        "id": kudos.pk,
        "decision": str(decision.public_id),
        "value": kudos.company_value.code,
        "points": kudos.points,
        "message": kudos.message,
        "remaining": remaining,
    }
    return Status(201, body)


@router.post(
    "/decisions/{decision_id}/celebrate",
    response={201: CelebrationOut, **errors(401, 403, 404, 409, 422)},
    summary="Celebrate a protected decision",
    description=(
        "A peer or lead. It enters the celebration feed and goes out as `decision.celebrated`. Once (then "
        "409 `already_celebrated`); a decision that is not protected and approved is 409 `not_protected`."
    ),
)
def celebrate(request, decision_id: str):
    member = request.auth
    _require(member, *services.GIVING_ROLES)
    decision = selectors.recognition_decision_for(member, decision_id)
    celebration = services.decision_celebrate(member=member, decision=decision)
    body = {
        "id": celebration.pk,
        "decision": str(decision.public_id),
        "customer_words": celebration.customer_words or None,
    }
    return Status(201, body)


@router.post(
    "/decisions/{decision_id}/award-nominations",
    response={201: AwardOut, **errors(400, 401, 403, 404, 409, 413, 422)},
    summary="Nominate a decision for an award (lead)",
    description=(
        "A lead of the decision's site. A decision that is not protected and approved is 409 "
        "`not_protected`; one already nominated for that period is 409 `already_nominated`."
    ),
)
def award_nominate(request, decision_id: str, payload: NominationIn):
    member = request.auth
    _require(member, *services.NOMINATING_ROLES)
    decision = selectors.recognition_decision_for(member, decision_id)
    award = services.award_nominate(
        member=member, decision=decision, period=payload.period, reason=payload.reason
    )
    return Status(201, _award_out(award))


@router.post(
    "/recognition/awards/{award_id}/confirm",
    response={200: AwardOut, **errors(401, 403, 404, 409, 422)},
    summary="Confirm a nomination (manager or admin, not the nominator)",
    description=(
        "An award already confirmed is 409 `already_confirmed`; a site that already has a confirmed award "
        "for that period is 409 `period_taken`."
    ),
)
def award_confirm(request, award_id: int):
    member = request.auth
    _require(member, *services.CONFIRMING_ROLES)
    award = services.award_confirm(member=member, award=selectors.award_for(member, award_id))
    return _award_out(award)


@router.get(
    "/recognition/feed",
    response={200: FeedOut, **errors(401, 422)},
    summary="The celebration feed",
    description="`site` and `team` narrow it; one that is not the organization's is 422 on that field.",
)
def feed(request, filters: Query[FeedFilters]):
    member = request.auth
    items = selectors.feed_for(
        member,
        site=_filter_object(selectors.site_for, member, filters.site, field="site"),
        team=_filter_object(selectors.team_for, member, filters.team, field="team"),
        limit=filters.limit,
        offset=filters.offset,
    )
    return {
        "items": [
            {
                **item,
                "amount": f"{item['amount']:.2f}",
                "customer_first_name": item["customer_first_name"] or None,
                "customer_words": item.get("customer_words") or None,
                "message": item.get("message") if item["kind"] == "kudos" else None,
                "path": item["url"],
            }
            for item in items
        ]
    }


@router.get(
    "/recognition/stats",
    response={200: StatsOut, **errors(401, 403, 422)},
    summary="Recognition figures (admins, analysts)",
    description="Share of agents with at least one recognition in the month (`?month=YYYY-MM`, default "
    "this month) and the Gini coefficient of recognitions per agent.",
)
def stats(request, month: str | None = None):
    member = request.auth
    _require(member, Role.ADMIN, Role.ANALYST)
    figures = selectors.recognition_stats(member.organization, month=selectors.parse_month(month))
    return {
        "month": figures.month.isoformat(),
        "agents": figures.agents,
        "recognised": figures.recognised,
        "share": round(figures.share, 4),
        "gini": round(figures.gini, 4),
        "recognitions": figures.recognitions,
    }
