"""Policy endpoints: the caller's gestures, and exchange rates for admins."""

from django.utils.translation import get_language
from ninja import Router

from leeway.core.api_schemas import errors
from leeway.core.errors import Forbidden
from leeway.people.models import Role
from leeway.policy.schemas import GestureOut, RateIn, RateOut, RatesOut
from leeway.policy.selectors import gestures_for, rates_for
from leeway.policy.services import rate_set

router = Router(tags=["policy"])


def _rate_out(rate) -> dict:
    return {
        "currency": rate.currency,
        "rate": format(rate.rate.normalize(), "f"),
        "updated_at": rate.updated_at.isoformat(),
    }


def _admin(request):
    member = request.auth
    if member.role != Role.ADMIN:
        raise Forbidden()
    return member


@router.get(
    "/gestures",
    response={200: list[GestureOut], **errors(401, 422)},
    summary="The gestures of the published policy, with the caller's limits",
)
def gestures(request):
    """Names follow Accept-Language. Limits are in the base currency; null: no authority, a lead decides."""
    return gestures_for(request.auth, get_language())


@router.get(
    "/rates",
    response={200: RatesOut, **errors(401, 403, 422)},
    summary="Exchange rates to the base currency (admins)",
)
def rates(request):
    member = _admin(request)
    return {
        "base_currency": member.organization.base_currency,
        "rates": [_rate_out(rate) for rate in rates_for(member.organization)],
    }


@router.put(
    "/rates/{currency}",
    response={200: RateOut, **errors(400, 401, 403, 413, 422)},
    summary="Set one exchange rate (admins)",
)
def rate_put(request, currency: str, payload: RateIn):
    """`rate` is how many units of the base currency one unit of `currency` is worth, as a string."""
    member = _admin(request)
    return _rate_out(
        rate_set(organization=member.organization, currency=currency, rate=payload.rate, actor=member)
    )
