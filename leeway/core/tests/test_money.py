"""The strict amount parser: API.md's decimal strings and nothing else."""

from decimal import Decimal

import pytest

from leeway.core.errors import InvalidInput
from leeway.core.money import COLUMN_CELL_WIDTH, parse_strict_amount, read_amounts
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


def _one_by_one(text: str, *, allow_zero: bool = True) -> tuple[int, str]:
    try:
        return int(parse_strict_amount(text, allow_zero=allow_zero) * 100), ""
    except InvalidInput as error:
        return 0, error.code


class TestWholeColumns:
    """`read_amounts` (CSV imports) is the one parser's rule over a column: same values, same codes."""

    def test_the_accepted_spellings_are_read_to_the_same_cents(self):
        column = read_amounts([text for text, _amount in ACCEPTED])
        assert list(column.code) == [""] * len(ACCEPTED)
        assert list(column.cents) == [int(Decimal(amount) * 100) for _text, amount in ACCEPTED]
        assert column.accepted.all()

    def test_every_other_spelling_is_not_a_number(self):
        column = read_amounts(NOT_A_NUMBER)
        assert list(column.code) == ["amount_not_a_number"] * len(NOT_A_NUMBER)
        assert not column.accepted.any()

    def test_a_nearly_right_amount_gets_the_same_reason(self):
        column = read_amounts([text for text, _code in REFUSED_WITH_REASON])
        assert list(column.code) == [code for _text, code in REFUSED_WITH_REASON]

    def test_zero_can_be_refused(self):
        assert list(read_amounts(["0", "0.00", "1"], allow_zero=False).code) == [
            "amount_zero",
            "amount_zero",
            "",
        ]

    def test_wide_cells_and_cells_with_a_nul_are_read_one_by_one_with_the_same_result(self):
        texts = ["0" * COLUMN_CELL_WIDTH + "25.50", "9" * 50, "25\x00", "\x0025", " " * 40 + "7", "1.5"]
        column = read_amounts(texts)
        assert list(zip(column.cents.tolist(), column.code, strict=True)) == [_one_by_one(t) for t in texts]

    @pytest.mark.parametrize("allow_zero", [True, False])
    def test_random_texts_agree_with_the_one_parser(self, allow_zero):
        import random

        alphabet = "0123456789.-+ \t\r\neE,_\u00a0\u0662x"
        pick = random.Random(16)
        texts = ["".join(pick.choice(alphabet) for _ in range(pick.randint(0, 16))) for _ in range(20_000)]
        texts += ["-0", "-", ".", "1000000000.00", "000" * 5 + "1000000000.00", "1000000000.1", "1..5", "-.5"]
        column = read_amounts(texts, allow_zero=allow_zero)
        got = list(zip(column.cents.tolist(), column.code, strict=True))
        expected = [_one_by_one(text, allow_zero=allow_zero) for text in texts]
        assert got == expected
        seen = {code for _cents, code in got}
        assert seen >= {"", "amount_not_a_number", "amount_negative", "amount_required"}

    def test_an_empty_column(self):
        column = read_amounts([])
        assert column.cents.shape == (0,) and column.code.shape == (0,)
