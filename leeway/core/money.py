"""Money: Decimal amounts with an ISO currency, parsed strictly.

Amounts cross the API (and CSV imports) as decimal strings in one spelling only:
ASCII digits, optionally a `.` and one or two decimals ("25", "25.5", "25.00").
Python's `Decimal()` also reads "1e3", "+25", "25_000" and other scripts' digits
("٢٥"); an integration that sends those has a bug, and guessing what it meant
would spend money it did not mean to spend. Anything a float would blur (NaN,
Infinity, a third decimal, an absurd size) is refused too, never rounded.
"""

import re
from decimal import ROUND_HALF_EVEN, Decimal

from django.utils.translation import gettext_lazy as _

from leeway.core.errors import InvalidInput

CENT = Decimal("0.01")
# Far above any goodwill gesture, far below what the database columns hold.
MAX_AMOUNT = Decimal("1000000000")
# `re.ASCII` keeps \d to 0-9; the shapes are matched on the whole text (fullmatch).
AMOUNT_RE = re.compile(r"\d+(?:\.\d{1,2})?", re.ASCII)
# Right but for a sign or a third decimal: refused with the reason that helps.
NEGATIVE_RE = re.compile(r"-\d+(?:\.\d+)?", re.ASCII)
TOO_PRECISE_RE = re.compile(r"\d+\.\d{3,}", re.ASCII)
# Padding a person or a spreadsheet may leave around a cell; anything wider is not ours to strip.
ASCII_BLANKS = " \t\r\n"


def _not_a_number(field: str) -> InvalidInput:
    return InvalidInput(_("The amount must be a number."), code="amount_not_a_number", field=field)


def parse_strict_amount(value, *, field: str = "amount", allow_zero: bool = True) -> Decimal:
    """A non-negative amount with at most two decimals, from API.md's decimal string (or a Decimal).

    The one parser behind the API, the CSV imports and the admin forms. A Decimal comes
    from code, not from a person, so its value is checked rather than its spelling.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _not_a_number(field)
        return _checked(value, field=field, allow_zero=allow_zero)
    if value is None:
        raise InvalidInput(_("Enter an amount."), code="amount_required", field=field)
    if not isinstance(value, str):
        # A JSON number arrives as int or float; 0.1 + 0.2 is why money travels as strings.
        raise InvalidInput(
            _('Send the amount as a string, e.g. "25.00".'), code="amount_not_string", field=field
        )
    text = value.strip(ASCII_BLANKS)
    if not text:
        raise InvalidInput(_("Enter an amount."), code="amount_required", field=field)
    if not AMOUNT_RE.fullmatch(text):
        if NEGATIVE_RE.fullmatch(text):
            raise InvalidInput(_("The amount cannot be negative."), code="amount_negative", field=field)
        if TOO_PRECISE_RE.fullmatch(text):
            raise InvalidInput(
                _("The amount can have at most two decimals."), code="amount_too_precise", field=field
            )
        raise _not_a_number(field)
    whole = text.partition(".")[0].lstrip("0")
    if len(whole) > len(str(int(MAX_AMOUNT))):
        # Said before Decimal() reads a megabyte of digits.
        raise InvalidInput(_("The amount is too large."), code="amount_too_large", field=field)
    return _checked(Decimal(text), field=field, allow_zero=allow_zero)


def _checked(amount: Decimal, *, field: str, allow_zero: bool) -> Decimal:
    if amount < 0:
        raise InvalidInput(_("The amount cannot be negative."), code="amount_negative", field=field)
    if amount == 0 and not allow_zero:
        raise InvalidInput(_("The amount must be more than zero."), code="amount_zero", field=field)
    if amount != amount.quantize(CENT):
        raise InvalidInput(
            _("The amount can have at most two decimals."), code="amount_too_precise", field=field
        )
    if amount > MAX_AMOUNT:
        raise InvalidInput(_("The amount is too large."), code="amount_too_large", field=field)
    return amount.quantize(CENT)


def quantize(amount: Decimal) -> Decimal:
    """Round to cents the way accountants do (half to even)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)
