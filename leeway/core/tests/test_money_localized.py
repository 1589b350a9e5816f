"""Amounts typed on the pages in the reader's language; the API's parser stays strict."""

from decimal import Decimal

import pytest

from leeway.core.errors import InvalidInput
from leeway.core.forms import format_amount
from leeway.core.money import parse_localized_amount, parse_strict_amount


@pytest.mark.parametrize(
    ("language", "text", "amount"),
    [
        ("es", "1.234,56", "1234.56"),
        ("es", "1234,56", "1234.56"),
        ("es", "12.345.678,9", "12345678.90"),
        ("es", "1.234", "1234.00"),  # a point before three digits groups thousands in Spanish
        ("es", "25,5", "25.50"),
        ("es", "25.50", "25.50"),  # a point before two digits can only be the decimal mark
        ("es", " 1 234,56 ", "1234.56"),
        ("es", "0,00", "0.00"),
        ("en", "1,234.56", "1234.56"),
        ("en", "1,234", "1234.00"),
        ("en", "25,50", "25.50"),
        ("en", "25", "25.00"),
    ],
)
def test_the_languages_own_format_is_read(language, text, amount):
    assert parse_localized_amount(text, language=language) == Decimal(amount)


@pytest.mark.parametrize(
    ("language", "text", "code"),
    [
        ("es", "", "amount_required"),
        ("es", "12,345", "amount_too_precise"),  # three decimals after the Spanish decimal comma
        ("es", "1.23.4", "amount_not_a_number"),
        ("es", "-5,00", "amount_negative"),
        ("en", "1e3", "amount_not_a_number"),
        ("en", "+25", "amount_not_a_number"),
        ("en", "Infinity", "amount_not_a_number"),
        ("en", "١٢٣", "amount_not_a_number"),
        ("en", "12,34,5", "amount_not_a_number"),
        ("en", "2,000,000,000.00", "amount_too_large"),
    ],
)
def test_what_is_not_an_amount_is_refused_with_the_reason(language, text, code):
    with pytest.raises(InvalidInput) as refused:
        parse_localized_amount(text, language=language)
    assert (refused.value.code, refused.value.field) == (code, "amount")


def test_zero_can_be_refused_as_the_api_refuses_it():
    with pytest.raises(InvalidInput) as refused:
        parse_localized_amount("0,00", language="es", allow_zero=False)
    assert refused.value.code == "amount_zero"


def test_the_api_parser_does_not_read_the_spanish_format():
    with pytest.raises(InvalidInput):
        parse_strict_amount("1.234,56")


def test_amounts_are_shown_the_way_they_are_read_back():
    assert format_amount(Decimal("1234.5"), language="es") == "1.234,50"
    assert format_amount(Decimal("12345.5"), language="es") == "12.345,50"
    assert format_amount(Decimal("12345.5"), language="en") == "12,345.50"
    for language in ("en", "es"):
        text = format_amount(Decimal("98765.43"), language=language)
        assert parse_localized_amount(text, language=language) == Decimal("98765.43")
