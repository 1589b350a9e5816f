"""The strict amount parser: API.md's decimal strings and nothing else."""

from decimal import Decimal

import pytest

from leeway.core.errors import InvalidInput
from leeway.core.money import parse_strict_amount
from leeway.core.tests.amount_spellings import ACCEPTED, NOT_A_NUMBER, REFUSED_WITH_REASON


@pytest.mark.parametrize(("text", "amount"), ACCEPTED)
def test_it_accepts_decimal_strings(text, amount):
    parsed = parse_strict_amount(text)
    assert parsed == Decimal(amount)
    assert str(parsed) == amount


@pytest.mark.parametrize("text", NOT_A_NUMBER)
def test_it_refuses_every_other_spelling_as_not_a_number(text):
    with pytest.raises(InvalidInput) as caught:
        parse_strict_amount(text, field="cap")
    assert caught.value.code == "amount_not_a_number"
    assert caught.value.field == "cap"


@pytest.mark.parametrize(("text", "code"), REFUSED_WITH_REASON)
def test_it_says_why_a_nearly_right_amount_is_refused(text, code):
    with pytest.raises(InvalidInput) as caught:
        parse_strict_amount(text)
    assert caught.value.code == code


@pytest.mark.parametrize("value", [25, 25.0, True, [25], {"amount": "25"}])
def test_json_numbers_and_other_types_must_be_sent_as_strings(value):
    with pytest.raises(InvalidInput) as caught:
        parse_strict_amount(value)
    assert caught.value.code == "amount_not_string"


def test_a_missing_amount_is_required():
    with pytest.raises(InvalidInput) as caught:
        parse_strict_amount(None)
    assert caught.value.code == "amount_required"


def test_a_decimal_from_code_is_checked_by_value_not_spelling():
    assert parse_strict_amount(Decimal("1E+3")) == Decimal("1000.00")
    assert parse_strict_amount(Decimal("25.5")) == Decimal("25.50")
    for value, code in [
        (Decimal("NaN"), "amount_not_a_number"),
        (Decimal("-1"), "amount_negative"),
        (Decimal("0.001"), "amount_too_precise"),
        (Decimal("1E+10"), "amount_too_large"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            parse_strict_amount(value)
        assert caught.value.code == code


def test_zero_can_be_refused():
    with pytest.raises(InvalidInput) as caught:
        parse_strict_amount("0.00", allow_zero=False)
    assert caught.value.code == "amount_zero"


def test_the_refusal_speaks_the_users_language():
    from django.utils import translation

    with pytest.raises(InvalidInput) as caught:
        parse_strict_amount("1e3")
    with translation.override("es"):
        assert str(caught.value.message) == "El importe debe ser un número."


def test_the_documented_pattern_says_what_the_parser_reads():
    # The OpenAPI document's pattern and the parser agree on every spelling of the table
    # (sizes are checked by value, not by the pattern).
    import re

    from leeway.core.money import AMOUNT_PATTERN, RATE_PATTERN
    from leeway.core.tests.amount_spellings import RATE_ACCEPTED, RATE_REFUSED_WITH_REASON

    amount, rate = re.compile(AMOUNT_PATTERN), re.compile(RATE_PATTERN)
    assert all(amount.search(text) for text, _amount in ACCEPTED)
    assert not any(amount.search(text) for text in NOT_A_NUMBER)
    spelled_wrong = {"amount_negative", "amount_too_precise", "amount_required"}
    assert not any(amount.search(text) for text, code in REFUSED_WITH_REASON if code in spelled_wrong)
    assert all(rate.search(text) for text, _rate in RATE_ACCEPTED)
    assert not any(rate.search(text) for text in NOT_A_NUMBER)
    spelled_wrong = {"rate_too_precise", "rate_required"}
    assert not any(rate.search(text) for text, code in RATE_REFUSED_WITH_REASON if code in spelled_wrong)
    assert not rate.search("-1.08")
