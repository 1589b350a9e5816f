"""Money: Decimal amounts with an ISO currency, parsed strictly.

Amounts cross the API as strings. Anything a float would blur (NaN,
Infinity, a third decimal, an absurd size) is refused, never rounded.
"""

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from leeway.core.errors import InvalidInput

CENT = Decimal("0.01")
# Far above any goodwill gesture, far below what the database columns hold.
MAX_AMOUNT = Decimal("1000000000")


def parse_amount(value, *, field: str = "amount", allow_zero: bool = True) -> Decimal:
    """A non-negative amount with at most two decimals, from a string (or an int)."""
    if isinstance(value, bool) or value is None:
        raise InvalidInput(_("Enter an amount."), code="amount_required", field=field)
    if isinstance(value, float):
        # JSON numbers arrive as floats; 0.1 + 0.2 is why money travels as strings.
        raise InvalidInput(
            _('Send the amount as a string, e.g. "25.00".'), code="amount_not_string", field=field
        )
    text = str(value).strip()
    if not text:
        raise InvalidInput(_("Enter an amount."), code="amount_required", field=field)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(
            _("The amount must be a number."), code="amount_not_a_number", field=field
        ) from None
    if not amount.is_finite():
        raise InvalidInput(_("The amount must be a number."), code="amount_not_a_number", field=field)
    if amount < 0:
        raise InvalidInput(_("The amount cannot be negative."), code="amount_negative", field=field)
    if amount == 0 and not allow_zero:
        raise InvalidInput(_("The amount must be more than zero."), code="amount_zero", field=field)
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(CENT):
        raise InvalidInput(
            _("The amount can have at most two decimals."), code="amount_too_precise", field=field
        )
    if amount > MAX_AMOUNT:
        raise InvalidInput(_("The amount is too large."), code="amount_too_large", field=field)
    return amount.quantize(CENT)


def quantize(amount: Decimal) -> Decimal:
    """Round to cents the way accountants do (half to even)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)
