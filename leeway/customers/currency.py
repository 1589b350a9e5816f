"""Purchase amounts in the organization's base currency, through the policy app's exchange rates."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from leeway.core.errors import DomainError, InvalidInput
from leeway.core.money import quantize


def _policy_converter():
    try:
        from leeway.policy.selectors import convert_to_base
    except ImportError:  # the policy app is optional for customers
        return None
    return convert_to_base


def to_base_amount(*, organization, currency: str, amount: Decimal, field: str = "currency") -> Decimal:
    """Convert with the organization's rates; an unknown currency is 422 `unknown_currency`."""
    if currency == organization.base_currency:
        return quantize(amount)
    convert = _policy_converter()
    if convert is not None:
        try:
            return convert(organization_id=organization.pk, currency=currency, amount=amount)
        except DomainError as error:
            raise InvalidInput(error.message, code=error.code, field=field) from None
    raise InvalidInput(
        _("%(currency)s is not a currency this organization accepts. Ask an admin to add its rate.")
        % {"currency": currency},
        code="unknown_currency",
        field=field,
    )
