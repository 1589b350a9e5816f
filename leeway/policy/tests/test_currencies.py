"""Exchange rates: conversion to the base currency, admin edits, CSV import, and the rates API."""

import json
from decimal import Decimal

import pytest

from leeway.core.errors import InvalidInput, domain_error_response
from leeway.core.models import AuditEntry
from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory
from leeway.people.tests.helpers import assert_error
from leeway.policy.models import ExchangeRate
from leeway.policy.selectors import convert_to_base
from leeway.policy.services import RatesImportError, rate_delete, rate_set, rates_import_csv


@pytest.fixture
def admin(aurora):
    return MemberFactory(organization=aurora, role=Role.ADMIN)


def rates_of(organization) -> dict[str, str]:
    return {
        row.currency: format(row.rate.normalize(), "f")
        for row in ExchangeRate.objects.filter(organization=organization)
    }


class TestConversion:
    def test_the_base_currency_converts_to_the_same_amount(self, aurora):
        assert convert_to_base(organization_id=aurora.pk, currency="USD", amount=Decimal("25.00")) == Decimal(
            "25.00"
        )

    def test_a_currency_with_a_rate_is_converted(self, aurora, admin):
        rate_set(organization=aurora, currency="CAD", rate="0.73", actor=admin)
        assert convert_to_base(
            organization_id=aurora.pk, currency="CAD", amount=Decimal("100.00")
        ) == Decimal("73.00")

    def test_results_are_rounded_half_even_to_cents(self, aurora, admin):
        rate_set(organization=aurora, currency="EUR", rate="0.125", actor=admin)
        assert convert_to_base(organization_id=aurora.pk, currency="EUR", amount=Decimal("1.00")) == Decimal(
            "0.12"
        )
        assert convert_to_base(organization_id=aurora.pk, currency="EUR", amount=Decimal("3.00")) == Decimal(
            "0.38"
        )
        assert convert_to_base(organization_id=aurora.pk, currency="EUR", amount=Decimal("0.01")) == Decimal(
            "0.00"
        )
        rate_set(organization=aurora, currency="COP", rate="0.00025", actor=admin)
        assert convert_to_base(
            organization_id=aurora.pk, currency="COP", amount=Decimal("150000.00")
        ) == Decimal("37.50")

    @pytest.mark.parametrize("currency", ["GBP", "XYZ", "", "usd1", None])
    def test_an_unknown_or_rateless_currency_is_a_422_with_the_currency_field(self, aurora, currency):
        with pytest.raises(InvalidInput) as caught:
            convert_to_base(organization_id=aurora.pk, currency=currency, amount=Decimal("10.00"))
        error = caught.value
        assert (error.code, error.field, error.status) == ("unknown_currency", "currency", 422)
        response = domain_error_response(error)
        assert response.status_code == 422
        envelope = json.loads(response.content)["error"]
        assert (envelope["code"], envelope["field"]) == ("unknown_currency", "currency")
        assert "accepts" in envelope["message"]

    def test_rates_are_cached_and_a_change_is_seen_at_once(self, aurora, admin, django_assert_num_queries):
        rate_set(organization=aurora, currency="CAD", rate="0.73", actor=admin)
        convert_to_base(organization_id=aurora.pk, currency="CAD", amount=Decimal("10.00"))
        with django_assert_num_queries(0):
            assert convert_to_base(
                organization_id=aurora.pk, currency="CAD", amount=Decimal("10.00")
            ) == Decimal("7.30")
            assert convert_to_base(
                organization_id=aurora.pk, currency="USD", amount=Decimal("10.00")
            ) == Decimal("10.00")
        rate_set(organization=aurora, currency="CAD", rate="0.80", actor=admin)
        assert convert_to_base(organization_id=aurora.pk, currency="CAD", amount=Decimal("10.00")) == Decimal(
            "8.00"
        )
        rate_delete(rate=ExchangeRate.objects.get(currency="CAD"), actor=admin)
        with pytest.raises(InvalidInput):
            convert_to_base(organization_id=aurora.pk, currency="CAD", amount=Decimal("10.00"))

    def test_rates_belong_to_their_organization(self, aurora, casa, admin):
        rate_set(organization=aurora, currency="GBP", rate="1.27", actor=admin)
        with pytest.raises(InvalidInput):
            convert_to_base(organization_id=casa.pk, currency="GBP", amount=Decimal("10.00"))


class TestRateSet:
    def test_setting_a_rate_records_an_audit_row(self, aurora, admin):
        rate_set(organization=aurora, currency="cad", rate="0.73", actor=admin)
        rate_set(organization=aurora, currency="CAD", rate="0.74", actor=admin)
        assert rates_of(aurora) == {"CAD": "0.74"}
        entries = AuditEntry.objects.filter(action="rate.set").order_by("seq")
        assert [(e.data["old"], e.data["new"]) for e in entries] == [
            (None, "0.73000000"),
            ("0.73000000", "0.74000000"),
        ]

    @pytest.mark.parametrize(
        ("currency", "rate", "field", "code"),
        [
            ("USD", "1", "currency", "base_currency_rate"),
            ("XYZ", "1", "currency", "invalid_currency"),
            ("EURO", "1", "currency", "invalid_currency"),
            ("E1R", "1", "currency", "invalid_currency"),
            ("EUR", "0", "rate", "rate_not_positive"),
            ("EUR", "-1.08", "rate", "rate_not_positive"),
            ("EUR", "NaN", "rate", "rate_not_a_number"),
            ("EUR", "Infinity", "rate", "rate_not_a_number"),
            ("EUR", "one", "rate", "rate_not_a_number"),
            ("EUR", 1.08, "rate", "rate_not_string"),
            ("EUR", "1.123456789", "rate", "rate_too_precise"),
            ("EUR", "1e20", "rate", "rate_not_a_number"),
            ("EUR", "+0.73", "rate", "rate_not_a_number"),
            ("EUR", "100000000000", "rate", "rate_too_large"),
        ],
    )
    def test_bad_rates_are_refused(self, aurora, admin, currency, rate, field, code):
        with pytest.raises(InvalidInput) as caught:
            rate_set(organization=aurora, currency=currency, rate=rate, actor=admin)
        assert (caught.value.field, caught.value.code) == (field, code)
        assert not ExchangeRate.objects.exists()
        assert not AuditEntry.objects.exists()


class TestCsvImport:
    def test_a_valid_file_creates_and_updates_rates_in_one_audit_row(self, aurora, admin):
        rate_set(organization=aurora, currency="CAD", rate="0.70", actor=admin)
        result = rates_import_csv(
            organization=aurora,
            actor=admin,
            file=b"currency,rate\r\nCAD,0.73\r\neur, 1.08 \r\n\r\nMXN,0.055\r\n",
        )
        assert result == {"created": 2, "updated": 1, "unchanged": 0}
        assert rates_of(aurora) == {"CAD": "0.73", "EUR": "1.08", "MXN": "0.055"}
        entry = AuditEntry.objects.get(action="rates.imported")
        assert entry.actor_id == admin.pk
        assert entry.data["updated"] == [{"currency": "CAD", "old": "0.70000000", "new": "0.73000000"}]

    def test_a_spanish_spreadsheet_with_semicolons_and_decimal_commas_is_read(self, aurora, admin):
        rates_import_csv(organization=aurora, actor=admin, file="\ufeffcurrency;rate\nEUR;1,08\n".encode())
        assert rates_of(aurora) == {"EUR": "1.08"}

    def test_one_bad_row_imports_nothing_and_every_problem_is_reported_with_its_row(self, aurora, admin):
        rate_set(organization=aurora, currency="CAD", rate="0.70", actor=admin)
        audit_before = AuditEntry.objects.count()
        content = "\n".join(
            [
                "currency,rate",
                "CAD,0.73",
                "EUR,abc",
                "USD,1",
                "XYZ,2",
                "PLN,-0.25",
                "CAD,0.74",
                "PHP",
                "MXN,0",
            ]
        )
        with pytest.raises(RatesImportError) as caught:
            rates_import_csv(organization=aurora, actor=admin, file=content.encode())
        assert caught.value.code == "invalid_rates_file" and caught.value.status == 422
        reported = [(e["row"], e["field"]) for e in caught.value.errors]
        assert reported == [
            (3, "rate"),
            (4, "currency"),
            (5, "currency"),
            (6, "rate"),
            (7, "currency"),
            (8, "row"),
            (9, "rate"),
        ]
        messages = {e["row"]: e["message"] for e in caught.value.errors}
        assert "base currency" in messages[4]
        assert "row 2" in messages[7]
        assert rates_of(aurora) == {"CAD": "0.7"}, "all or nothing: CAD on row 2 was valid but not imported"
        assert AuditEntry.objects.count() == audit_before

    @pytest.mark.parametrize(
        ("content", "field"),
        [
            (b"", "header"),
            (b"code,value\nEUR,1.08\n", "header"),
            (b"currency,rate,note\nEUR,1.08,x\n", "header"),
            (b"currency,rate\n", "file"),
            ("currency,rate\nEUR,1.08\n".encode("utf-16"), "file"),
        ],
    )
    def test_a_file_without_the_header_or_rows_is_refused(self, aurora, admin, content, field):
        with pytest.raises(RatesImportError) as caught:
            rates_import_csv(organization=aurora, actor=admin, file=content)
        assert caught.value.errors[0]["field"] == field
        assert not ExchangeRate.objects.exists()


class TestRatesApi:
    def test_an_admin_lists_and_sets_rates(self, api_client, aurora, admin):
        rate_set(organization=aurora, currency="CAD", rate="0.73", actor=admin)
        api_client.authenticate(admin)
        listed = api_client.get_json("/api/v1/rates")
        assert listed.status_code == 200
        body = listed.json()
        assert body["base_currency"] == "USD"
        assert [(r["currency"], r["rate"]) for r in body["rates"]] == [("CAD", "0.73")]
        response = api_client.put(
            "/api/v1/rates/EUR",
            '{"rate": "1.08"}',
            content_type="application/json",
            headers=api_client._headers(None),
        )
        assert response.status_code == 200, response.content
        assert response.json()["rate"] == "1.08"
        assert rates_of(aurora) == {"CAD": "0.73", "EUR": "1.08"}
        assert AuditEntry.objects.filter(action="rate.set", actor_id=admin.pk).count() == 2

    def test_bad_rates_are_422_in_the_envelope(self, api_client, aurora, admin):
        api_client.authenticate(admin)
        response = api_client.put(
            "/api/v1/rates/USD",
            '{"rate": "1"}',
            content_type="application/json",
            headers=api_client._headers(None),
        )
        assert_error(response, 422, "base_currency_rate", "currency")
        response = api_client.put(
            "/api/v1/rates/EUR",
            '{"rate": "-2"}',
            content_type="application/json",
            headers=api_client._headers(None),
        )
        assert_error(response, 422, "rate_not_positive", "rate")
        assert not ExchangeRate.objects.exists()

    def test_agents_get_403_and_strangers_401(self, api_client, aurora):
        assert_error(api_client.get_json("/api/v1/rates"), 401, "not_authenticated")
        api_client.authenticate(MemberFactory(organization=aurora, role=Role.AGENT))
        assert_error(api_client.get_json("/api/v1/rates"), 403, "forbidden")
        response = api_client.put(
            "/api/v1/rates/EUR",
            '{"rate": "1.08"}',
            content_type="application/json",
            headers=api_client._headers(None),
        )
        assert_error(response, 403, "forbidden")
        assert not ExchangeRate.objects.exists()

    def test_an_admin_sees_only_their_organizations_rates(self, api_client, aurora, casa, admin):
        casa_admin = MemberFactory(organization=casa, role=Role.ADMIN)
        rate_set(organization=casa, currency="GBP", rate="1.17", actor=casa_admin)
        api_client.authenticate(admin)
        assert api_client.get_json("/api/v1/rates").json()["rates"] == []
