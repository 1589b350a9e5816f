"""Locale-aware formatting of money and shares, for templates."""

import copy
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency, format_decimal
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


def current_locale() -> str:
    return to_locale(get_language() or "en")


@register.filter
def money(amount, currency: str = "") -> str:
    """25.00 USD → "$25.00" in English, "25,00 US$" in Spanish; blank stays blank."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    if not currency:
        return format_decimal(value, format="#,##0.00", locale=current_locale())
    return format_currency(value, currency, locale=current_locale())


@register.filter
def share(part, whole) -> str:
    """The part as a percentage of the whole ("0.8 %"), or "" when the whole is unknown or zero."""
    try:
        part, whole = Decimal(str(part)), Decimal(str(whole))
    except (InvalidOperation, TypeError):
        return ""
    if not whole:
        return ""
    locale = Locale.parse(current_locale())
    # The locale's own percent pattern ("0.8%" in English, "0,8 %" in Spanish) with one decimal.
    pattern = copy.copy(locale.percent_formats[None])
    pattern.frac_prec = (1, 1)
    return pattern.apply(part / whole, locale)
