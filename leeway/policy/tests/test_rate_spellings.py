"""Exchange rates follow the amounts' strictness: one decimal-string reading (core.money.read_decimal),
with up to eight decimals, in the service, the rates API and the CSV import alike (issue 18)."""

import json
from decimal import Decimal

import pytest

from leeway.core.errors import InvalidInput
from leeway.core.models import AuditEntry
from leeway.core.tests.amount_spellings import NOT_A_NUMBER, RATE_ACCEPTED, RATE_REFUSED_WITH_REASON
from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory
from leeway.people.tests.helpers import assert_error
from leeway.policy.checks import parse_rate
from leeway.policy.models import ExchangeRate
from leeway.policy.services import RatesImportError, rate_set, rates_import_csv


@pytest.fixture
def admin(aurora):
    return MemberFactory(organization=aurora, role=Role.ADMIN)


@pytest.mark.parametrize(("text", "rate"), RATE_ACCEPTED)
def test_a_decimal_string_is_a_rate(text, rate):
    parsed = parse_rate(text)
    assert parsed == Decimal(rate)
    assert format(parsed, "f") == rate


@pytest.mark.parametrize("text", NOT_A_NUMBER)
def test_every_other_spelling_is_not_a_number(text):
    with pytest.raises(InvalidInput) as caught:
        parse_rate(text)
    assert (caught.value.code, caught.value.field) == ("rate_not_a_number", "rate")


@pytest.mark.parametrize(("text", "code"), RATE_REFUSED_WITH_REASON)
def test_a_nearly_right_rate_is_refused_with_its_reason(text, code):
    with pytest.raises(InvalidInput) as caught:
        parse_rate(text)
    assert caught.value.code == code


@pytest.mark.parametrize("value", [1, 0.73, True, None, ["0.73"]])
def test_a_rate_is_sent_as_a_string(value):
    with pytest.raises(InvalidInput) as caught:
        parse_rate(value)
    assert caught.value.code == "rate_not_string"


def test_a_decimal_from_code_is_read_by_value():
    assert parse_rate(Decimal("1E+3")) == Decimal("1000")
    assert parse_rate(Decimal("0.730")) == Decimal("0.73")
    with pytest.raises(InvalidInput):
        parse_rate(Decimal("NaN"))


@pytest.mark.parametrize("text", ["1e3", "+0.73", "\u0660.\u0667\u0663", "0.73e0"])
def test_the_service_records_nothing_for_another_spelling(aurora, admin, text):
    with pytest.raises(InvalidInput) as caught:
        rate_set(organization=aurora, currency="EUR", rate=text, actor=admin)
    assert caught.value.code == "rate_not_a_number"
    assert not ExchangeRate.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("text", ["1e3", "+0.73", "\u0660.\u0667\u0663"])
def test_the_api_answers_422_rate_not_a_number(api_client, aurora, admin, text):
    api_client.authenticate(admin)
    response = api_client.put(
        "/api/v1/rates/EUR",
        json.dumps({"rate": text}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api_client.token}"},
    )
    assert_error(response, 422, "rate_not_a_number", "rate")
    assert not ExchangeRate.objects.exists()


def test_the_csv_import_refuses_them_row_by_row(aurora, admin):
    content = "currency,rate\nEUR,1e0\nCAD,+0.73\nMXN,0.055\n"
    with pytest.raises(RatesImportError) as caught:
        rates_import_csv(organization=aurora, actor=admin, file=content.encode())
    assert [(error["row"], error["field"]) for error in caught.value.errors] == [(2, "rate"), (3, "rate")]
    assert not ExchangeRate.objects.exists()
