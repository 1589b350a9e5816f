"""Form fields shared by the pages of every app: money typed in the reader's own language."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language

from leeway.core.errors import InvalidInput
from leeway.core.money import ASCII_BLANKS, parse_localized_amount


def format_amount(value, *, language: str | None = None) -> str:
    """An amount as the language writes it, with two decimals: 1234.5 → "1,234.50" / "1.234,50"."""
    from babel.numbers import format_decimal
    from django.utils.translation import to_locale

    return format_decimal(
        Decimal(value), format="#,##0.00", locale=to_locale(language or get_language() or "en")
    )


class AmountField(forms.CharField):
    """A money amount typed in a page, in the reader's format ("1.234,56" in Spanish), refused for the
    same reasons the API refuses one (`parse_localized_amount` hands the plain text to the strict parser).

    Django's DecimalField would read "1e3", "+25" and "٢٥" as numbers before any check saw the text.
    """

    def __init__(self, *, allow_zero: bool = True, **kwargs):
        self.allow_zero = allow_zero
        # The parser strips the padding itself (a no-break space may group digits in some languages).
        kwargs["strip"] = False
        super().__init__(**kwargs)

    def prepare_value(self, value):
        # A stored amount is shown in the reader's format; what they typed is shown back as typed.
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return format_amount(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if text.strip(ASCII_BLANKS) in self.empty_values:
            return None
        try:
            return parse_localized_amount(text, language=get_language(), allow_zero=self.allow_zero)
        except InvalidInput as error:
            raise ValidationError(error.message, code=error.code) from None
