"""Form fields shared by the pages of every app."""

from django import forms
from django.core.exceptions import ValidationError

from leeway.core.errors import InvalidInput
from leeway.core.money import ASCII_BLANKS, parse_strict_amount


class AmountField(forms.CharField):
    """A money amount typed in a page, read by the one strict parser the API and the imports use.

    Django's DecimalField would read "1e3", "+25" and "٢٥" as numbers before any check saw the text.
    """

    def __init__(self, *, allow_zero: bool = True, **kwargs):
        self.allow_zero = allow_zero
        # The parser strips ASCII padding itself; CharField's strip() would also eat a no-break space.
        kwargs["strip"] = False
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text.strip(ASCII_BLANKS) in self.empty_values:
            return None
        try:
            return parse_strict_amount(text, allow_zero=self.allow_zero)
        except InvalidInput as error:
            raise ValidationError(error.message, code=error.code) from None
