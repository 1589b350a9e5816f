"""Money: Decimal amounts with an ISO currency, parsed strictly.

Amounts cross the API (and CSV imports) as decimal strings in one spelling only:
ASCII digits, optionally a `.` and one or two decimals ("25", "25.5", "25.00").
Python's `Decimal()` also reads "1e3", "+25", "25_000" and other scripts' digits
("٢٥"); an integration that sends those has a bug, and guessing what it meant
would spend money it did not mean to spend. Anything a float would blur (NaN,
Infinity, a third decimal, an absurd size) is refused too, never rounded.
Exchange rates are decimal strings of the same shape with up to eight decimals:
`read_decimal` is the one reading of both.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from leeway.core.errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np

CENT = Decimal("0.01")
AMOUNT_PLACES = 2
# Far above any goodwill gesture, far below what the database columns hold.
MAX_AMOUNT = Decimal("1000000000")
# The one shape of a decimal string: an optional sign (only to say why it is refused), ASCII digits,
# optionally a `.` and decimals. `re.ASCII` keeps \d to 0-9; it is matched on the whole text.
DECIMAL_RE = re.compile(r"(-?)(\d+)(?:\.(\d+))?", re.ASCII)
# Padding a person or a spreadsheet may leave around a cell; anything wider is not ours to strip.
ASCII_BLANKS = " \t\r\n"
# The same spellings as JSON Schema patterns, for the OpenAPI document: a client (or a fuzzer) learns
# what is accepted from the document. Sizes are checked by value, so they are not in the patterns.
AMOUNT_PATTERN = r"^[ \t\r\n]*[0-9]+(\.[0-9]{1,2})?[ \t\r\n]*$"
RATE_PLACES = 8
RATE_PATTERN = r"^[ \t\r\n]*[0-9]+(\.[0-9]{1,8})?[ \t\r\n]*$"


class DecimalRefused(ValueError):
    """Why a text is not a decimal string: `not_a_number`, `negative`, `too_precise` or `too_large`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def read_decimal(text: str, *, places: int, max_whole_digits: int) -> Decimal:
    """The one reading of a decimal string (amounts, exchange rates): "25", "25.5", "0.73000000".

    ASCII digits, optionally a `.` and 1 to `places` decimals, ASCII blanks around ignored. No sign,
    exponent, underscore, thousands separator or other script's digits: Python's `Decimal()` reads
    "1e3", "+25" and "٢٥", and guessing what an integration meant would spend money it did not mean
    to spend. A leading "-" on a number of that shape is refused as `negative`, so the message helps.
    """
    match = DECIMAL_RE.fullmatch(text.strip(ASCII_BLANKS))
    if match is None:
        raise DecimalRefused("not_a_number")
    sign, whole, fraction = match.groups()
    if sign:
        raise DecimalRefused("negative")
    if fraction is not None and len(fraction) > places:
        raise DecimalRefused("too_precise")
    if len(whole.lstrip("0")) > max_whole_digits:
        # Said before Decimal() reads a megabyte of digits.
        raise DecimalRefused("too_large")
    return Decimal(match.group(0))


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
    if not value.strip(ASCII_BLANKS):
        raise InvalidInput(_("Enter an amount."), code="amount_required", field=field)
    try:
        amount = read_decimal(value, places=AMOUNT_PLACES, max_whole_digits=len(str(int(MAX_AMOUNT))))
    except DecimalRefused as refused:
        if refused.reason == "negative":
            raise InvalidInput(
                _("The amount cannot be negative."), code="amount_negative", field=field
            ) from None
        if refused.reason == "too_precise":
            raise InvalidInput(
                _("The amount can have at most two decimals."), code="amount_too_precise", field=field
            ) from None
        if refused.reason == "too_large":
            raise InvalidInput(_("The amount is too large."), code="amount_too_large", field=field) from None
        raise _not_a_number(field) from None
    return _checked(amount, field=field, allow_zero=allow_zero)


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


def parse_localized_amount(
    value, *, language: str, field: str = "amount", allow_zero: bool = True
) -> Decimal:
    """An amount as a person types it on a page, in their language's format, then `parse_strict_amount`.

    "1.234,56" in Spanish and "1,234.56" in English are 1234.56; a point or comma that cannot be a
    thousands separator (followed by one or two digits: "25,50" in English, "25.50" in Spanish) is
    read as the decimal mark. Only for the pages: the API keeps the strict decimal strings.
    """
    if not isinstance(value, str):
        return parse_strict_amount(value, field=field, allow_zero=allow_zero)
    plain = _plain_decimal(value, language)
    # Not a number as the language writes one: the strict parser says what is wrong with it.
    return parse_strict_amount(value if plain is None else plain, field=field, allow_zero=allow_zero)


def _plain_decimal(text: str, language: str) -> str | None:
    """The typed text as "1234.56" when it is a well-formed number of the language, else None.

    Thousands are grouped by threes with the language's separator, or with a space (as French writes
    them and as pasted figures often are); a group of any other size is not a number.
    """
    from babel.numbers import get_decimal_symbol, get_group_symbol
    from django.utils.translation import to_locale

    locale = to_locale(language or "en")
    decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
    text = text.strip(ASCII_BLANKS)
    sign, body = (text[0], text[1:]) if text[:1] in ("-", "+") else ("", text)
    fraction = rf"(?:{re.escape(decimal)}([0-9]+))?"
    for separator in dict.fromkeys((group, " ", "\u00a0", "\u202f")):
        if separator == decimal:
            continue
        grouped = re.fullmatch(rf"([0-9]{{1,3}}(?:{re.escape(separator)}[0-9]{{3}})+){fraction}", body)
        if grouped:
            whole = grouped.group(1).replace(separator, "")
            return f"{sign}{whole}.{grouped.group(2)}" if grouped.group(2) else f"{sign}{whole}"
    plain = re.fullmatch(rf"([0-9]+){fraction}", body)
    if plain:
        return f"{sign}{plain.group(1)}.{plain.group(2)}" if plain.group(2) else f"{sign}{plain.group(1)}"
    other = "." if decimal == "," else ","
    cents = re.fullmatch(rf"([0-9]+){re.escape(other)}([0-9]{{1,2}})", body)
    if cents:
        return f"{sign}{cents.group(1)}.{cents.group(2)}"
    return None


# --- whole columns at once (CSV imports) ---------------------------------------------------------

# Cells longer than this are read one by one with `parse_strict_amount` (a column of them is not what
# an import file holds, and a wide cell would make the whole column's array wide).
COLUMN_CELL_WIDTH = 24


@dataclass(frozen=True)
class AmountColumn:
    """A column of amounts read at once: the value in cents and the refusal code ("" where accepted).

    `code[i]` is what `parse_strict_amount(texts[i]).code` would be; `cents[i]` is the amount in
    cents where it was accepted (0 elsewhere).
    """

    cents: "np.ndarray"
    code: "np.ndarray"

    @property
    def accepted(self) -> "np.ndarray":
        return self.code == ""


def read_amounts(texts: Sequence[str], *, allow_zero: bool = True) -> AmountColumn:
    """`parse_strict_amount` over a whole column of decimal strings, with numpy instead of a loop.

    The same rule as the one parser (ASCII blanks around ignored; ASCII digits, optionally a `.` and
    one or two decimals; the same refusal codes in the same order), tested against the same table of
    spellings. Cells that are wide or hold a NUL are read by `parse_strict_amount` itself.
    """
    import numpy as np  # only imports need it; the API's start-up does not

    original = texts
    count = len(texts)
    cents = np.zeros(count, dtype=np.int64)
    code = np.full(count, "", dtype=object)
    if count == 0:
        return AmountColumn(cents, code)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=count)
    # numpy drops trailing NULs from its strings, so a cell holding one is not read here.
    odd = lengths > COLUMN_CELL_WIDTH
    if "\x00" in "".join(texts):
        odd |= np.fromiter(("\x00" in text for text in texts), dtype=bool, count=count)
    singles = np.flatnonzero(odd)
    if singles.size:
        texts = list(texts)
        for index in singles:
            texts[index] = ""
        lengths[singles] = 0
    width = max(1, int(lengths.max()))
    chars = np.array(texts, dtype=f"<U{width}").view(np.uint32).reshape(count, width)
    position = np.arange(width)
    present = position < lengths[:, None]
    blank = present & np.isin(chars, np.frombuffer(ASCII_BLANKS.encode(), dtype=np.uint8))
    filled = present & ~blank
    anything = filled.any(axis=1)
    start = np.argmax(filled, axis=1)
    end = width - np.argmax(filled[:, ::-1], axis=1)
    inside = (position >= start[:, None]) & (position < end[:, None])
    digit = (chars >= ord("0")) & (chars <= ord("9"))
    dot = chars == ord(".")
    rows = np.arange(count)
    sign = chars[rows, start] == ord("-")
    body = inside & (position >= (start + sign)[:, None])
    dots = (body & dot).sum(axis=1)
    stray = (body & ~(digit | dot)).any(axis=1)
    point = np.where(dots == 1, np.argmax(body & dot, axis=1), end)
    whole = point - (start + sign)
    fraction = np.where(dots == 1, end - point - 1, 0)
    shaped = anything & ~stray & (dots <= 1) & (whole >= 1) & ((dots == 0) | (fraction >= 1))
    # Digits of the whole part after its leading zeros: more than MAX_AMOUNT has is too large.
    whole_digits = body & digit & (position < point[:, None])
    nonzero = whole_digits & (chars != ord("0"))
    significant = np.where(nonzero.any(axis=1), point - np.argmax(nonzero, axis=1), 0)
    # Each digit's weight in cents: 10^(point+1-j) before the point, 10 and 1 after it. One position
    # at a time, so no (rows x width) array of 64-bit integers is made.
    powers = 10 ** np.arange(15, dtype=np.int64)
    value = np.zeros(count, dtype=np.int64)
    for j in range(width):
        counted = body[:, j] & digit[:, j]
        weight = powers[np.clip(point + 1 - j + (j > point), 0, 14)]
        value += np.where(counted, chars[:, j].astype(np.int64) - ord("0"), 0) * weight
    code[~anything] = "amount_required"
    code[anything & ~shaped] = "amount_not_a_number"
    pending = shaped.copy()
    for reason, mask in (
        ("amount_negative", sign),
        ("amount_too_precise", fraction > AMOUNT_PLACES),
        ("amount_too_large", (significant > len(str(int(MAX_AMOUNT)))) | (value > int(MAX_AMOUNT) * 100)),
        ("amount_zero", (value == 0) & (not allow_zero)),
    ):
        hit = pending & mask
        code[hit] = reason
        pending &= ~hit
    cents[pending] = value[pending]
    for index in singles:
        try:
            amount = parse_strict_amount(original[index], allow_zero=allow_zero)
        except InvalidInput as error:
            code[index] = error.code
        else:
            code[index] = ""
            cents[index] = int(amount * 100)
    return AmountColumn(cents, code)
