"""Reads about policy: currency conversion and budget periods.

Both sit on the decision engine's hot path, so rates are cached per
organization (call `forget_rates` after changing them).
"""

import zoneinfo
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.core.errors import InvalidInput
from leeway.core.money import quantize

RATES_KEY = "policy:rates:{organization_id}"
RATES_TTL_SECONDS = 60


def _rates(organization_id: int) -> dict[str, Decimal]:
    """Units of base currency per unit of each currency, the base itself included (rate 1)."""
    key = RATES_KEY.format(organization_id=organization_id)
    rates = cache.get(key)
    if rates is None:
        from leeway.people.models import Organization
        from leeway.policy.models import ExchangeRate

        base = Organization.objects.values_list("base_currency", flat=True).get(pk=organization_id)
        rates = {
            currency: str(rate)
            for currency, rate in ExchangeRate.objects.filter(organization_id=organization_id).values_list(
                "currency", "rate"
            )
        }
        rates[base] = "1"
        cache.set(key, rates, RATES_TTL_SECONDS)
    return {currency: Decimal(rate) for currency, rate in rates.items()}


def forget_rates(organization_id: int) -> None:
    """Call after an admin changes exchange rates."""
    cache.delete(RATES_KEY.format(organization_id=organization_id))


def convert_to_base(*, organization_id: int, currency: str, amount: Decimal) -> Decimal:
    """The amount in the organization's base currency, rounded to cents; unknown currency → 422."""
    rate = _rates(organization_id).get(currency)
    if rate is None:
        raise InvalidInput(
            _("Unknown currency, or no exchange rate for it."), code="unknown_currency", field="currency"
        )
    if rate == 1:
        return quantize(amount)
    return quantize(amount * rate)


def period_start(period: str, *, time_zone: str, now: datetime | None = None) -> date:
    """The first local day of the current day/month period in the organization's time zone."""
    local = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(time_zone))
    if period == "month":
        return local.date().replace(day=1)
    return local.date()
