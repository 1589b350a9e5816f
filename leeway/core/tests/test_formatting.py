from decimal import Decimal

from django.utils import translation

from leeway.core.templatetags.leeway import money, share


def test_money_is_formatted_per_locale():
    with translation.override("en"):
        assert money(Decimal("1234.5"), "USD") == "$1,234.50"
    with translation.override("es"):
        assert money(Decimal("1234.5"), "EUR") == "1.234,50\xa0€"


def test_share_of_value_is_a_percentage():
    with translation.override("en"):
        assert share(Decimal("25"), Decimal("3125")) == "0.8%"
    with translation.override("es"):
        assert share(Decimal("25"), Decimal("3125")) == "0,8\xa0%"
    assert share(Decimal("25"), None) == ""
    assert share(Decimal("25"), Decimal("0")) == ""
