"""Locale-aware formatting of money, shares, languages and countries, for templates."""

import copy
from decimal import Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
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


@register.filter
def language_names(codes) -> str:
    """["es", "en"] or "es,en" → "Spanish, English" in the reader's language; unknown codes stay."""
    if isinstance(codes, str):
        codes = [code.strip() for code in codes.split(",") if code.strip()]
    reader = Locale.parse(current_locale())
    names = []
    for code in codes:
        try:
            names.append(Locale.parse(code.replace("-", "_")).get_display_name(reader) or code)
        except (ValueError, UnknownLocaleError):
            names.append(code)
    return ", ".join(names)


@register.filter
def country_name(code: str) -> str:
    """An ISO 3166 code ("CO") → the country's name in the reader's language ("Colombia")."""
    return Locale.parse(current_locale()).territories.get(code or "", code or "")
