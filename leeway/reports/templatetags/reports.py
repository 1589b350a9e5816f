"""Table cells in the reader's locale: counts, money in the organization's currency, shares, dates."""

from datetime import date

from babel.numbers import format_decimal
from django import template
from django.template.defaultfilters import date as date_filter

from leeway.core.templatetags.leeway import current_locale, money, share

register = template.Library()


@register.simple_tag
def cell(value, kind: str, currency: str = "") -> str:
    """One table cell as the page shows it; blank when the figure does not exist."""
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if kind == "money":
        return money(value, currency)
    if kind in ("count", "signed"):
        text = format_decimal(value, locale=current_locale())
        return f"+{text}" if kind == "signed" and value > 0 else text
    if kind == "share":
        return share(value, 1)
    if kind == "date" and isinstance(value, date):
        return date_filter(value, "SHORT_DATE_FORMAT")
    return str(value)
