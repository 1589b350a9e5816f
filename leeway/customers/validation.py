"""Field checks shared by the API and the CSV imports, so both refuse the same things the same way.

Each `clean_*` function takes raw values (JSON or CSV cells) and returns clean
Python values, or raises `RowInvalid` listing every bad field with a stable
code and a translated message.
"""

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from leeway.core.errors import InvalidInput
from leeway.core.money import ASCII_BLANKS, parse_strict_amount
from leeway.customers.models import OutcomeKind

EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@#+-]{0,63}$")
PHONE_RE = re.compile(r"^[0-9+()./ x-]{0,40}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# ASCII digits only: str.isdigit() also says yes to "٣" and "²" (which int() then refuses).
SCORE_RE = re.compile(r"[0-9]{1,2}")
# Purchases and outcomes may be dated up to a day ahead: "today" differs across time zones.
FUTURE_TOLERANCE = dt.timedelta(days=1)
EARLIEST_DATE = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str
    message: Any


class RowInvalid(Exception):
    """One or more fields of a row are not acceptable."""

    def __init__(self, problems: list[FieldProblem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.code}" for p in problems))

    def as_domain_error(self, *, prefix: str = "") -> InvalidInput:
        first = self.problems[0]
        return InvalidInput(first.message, code=first.code, field=f"{prefix}{first.field}")


class _Collector:
    def __init__(self):
        self.problems: list[FieldProblem] = []

    def add(self, field: str, code: str, message) -> None:
        self.problems.append(FieldProblem(field, code, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise RowInvalid(self.problems)


def _text(value) -> str | None:
    """A stripped string, None for a missing value; anything not text is refused by the caller."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError
    return value.strip()


def _plain_text(out: _Collector, field: str, value, *, max_length: int, required: bool) -> str | None:
    try:
        text = _text(value)
    except TypeError:
        out.add(field, "invalid", _("This value must be text."))
        return None
    if text is None or text == "":
        if required:
            out.add(field, "required", _("This field is required."))
            return None
        return "" if text == "" else None
    if CONTROL_RE.search(text):
        out.add(field, "invalid_characters", _("This value contains control characters."))
        return None
    if len(text) > max_length:
        out.add(
            field,
            "too_long",
            _("This value is too long (at most %(limit)d characters).") % {"limit": max_length},
        )
        return None
    return text


def today_for(organization) -> dt.date:
    """Today's date where the organization is (purchases are dated in its time zone)."""
    import zoneinfo

    return timezone.now().astimezone(zoneinfo.ZoneInfo(organization.time_zone)).date()


def parse_date(
    out: _Collector, field: str, value, *, organization, required: bool, today: dt.date | None = None
) -> dt.date | None:
    try:
        text = _text(value)
    except TypeError:
        out.add(field, "invalid_date", _("Enter a date as YYYY-MM-DD."))
        return None
    if not text:
        if required:
            out.add(field, "required", _("This field is required."))
        return None
    try:
        day = dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        out.add(field, "invalid_date", _("Enter a date as YYYY-MM-DD."))
        return None
    if day < EARLIEST_DATE or day > (today or today_for(organization)) + FUTURE_TOLERANCE:
        out.add(field, "date_out_of_range", _("The date cannot be in the future or before 1900."))
        return None
    return day


def parse_moment(out: _Collector, field: str, value, *, organization) -> dt.datetime | None:
    """An ISO 8601 date-time (or date); without an offset it is read in the organization's time zone."""
    import zoneinfo

    try:
        text = _text(value)
    except TypeError:
        out.add(field, "invalid_datetime", _("Enter a date and time in ISO 8601, e.g. 2025-03-01T14:30:00Z."))
        return None
    if not text:
        return None
    moment = None
    try:
        moment = parse_datetime(text)
        if moment is None and len(text) == 10:
            moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(12, 0))
    except ValueError:
        moment = None
    if moment is None:
        out.add(field, "invalid_datetime", _("Enter a date and time in ISO 8601, e.g. 2025-03-01T14:30:00Z."))
        return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(organization.time_zone))
    if moment > timezone.now() + FUTURE_TOLERANCE or moment.date() < EARLIEST_DATE:
        out.add(field, "date_out_of_range", _("The date cannot be in the future or before 1900."))
        return None
    return moment


def parse_currency(out: _Collector, field: str, value) -> str | None:
    try:
        text = _text(value)
    except TypeError:
        text = None
    code = (text or "").upper()
    if not CURRENCY_RE.match(code):
        out.add(field, "invalid_currency", _("Use a three-letter ISO 4217 code, e.g. USD."))
        return None
    return code


def date_or_none(value, *, organization, today: dt.date | None = None) -> dt.date | None:
    """A transaction's date by `parse_date`'s rule (required), or None where it refuses it."""
    return parse_date(_Collector(), "date", value, organization=organization, required=True, today=today)


def currency_or_none(value) -> str | None:
    """A currency code by `parse_currency`'s rule, or None where it refuses it."""
    return parse_currency(_Collector(), "currency", value)


def parse_money(out: _Collector, field: str, value, *, allow_zero: bool = True) -> Decimal | None:
    try:
        return parse_strict_amount(value, field=field, allow_zero=allow_zero)
    except InvalidInput as error:
        out.add(field, error.code, error.message)
        return None


def clean_external_id(out: _Collector, field: str, value) -> str | None:
    text = _plain_text(out, field, value, max_length=64, required=True)
    if text is None:
        return None
    if not EXTERNAL_ID_RE.match(text):
        out.add(
            field,
            "invalid_external_id",
            _("A customer id uses letters, digits and . _ : @ # + - only, and no spaces."),
        )
        return None
    return text


CUSTOMER_FIELDS = ("external_id", "name", "email", "phone", "language", "segment", "created_on")


def clean_customer(data: Mapping[str, Any], *, organization, today: dt.date | None = None) -> dict[str, Any]:
    """The customer fields present in `data`, checked; absent fields are left out (upsert keeps them)."""
    out = _Collector()
    clean: dict[str, Any] = {}
    clean["external_id"] = clean_external_id(out, "external_id", data.get("external_id"))
    if "name" in data:
        clean["name"] = _plain_text(out, "name", data.get("name"), max_length=200, required=True)
    if "email" in data:
        email = _plain_text(out, "email", data.get("email"), max_length=254, required=False)
        if email:
            try:
                EmailValidator()(email)
            except ValidationError:
                out.add("email", "invalid_email", _("Enter a valid email address."))
        clean["email"] = (email or "").lower()
    if "phone" in data:
        phone = _plain_text(out, "phone", data.get("phone"), max_length=40, required=False)
        if phone and (not PHONE_RE.match(phone) or sum(ch.isdigit() for ch in phone) < 3):
            out.add("phone", "invalid_phone", _("Enter a phone number: digits, spaces and + ( ) - . only."))
        clean["phone"] = phone or ""
    if "language" in data:
        language = _plain_text(out, "language", data.get("language"), max_length=10, required=False)
        codes = [code for code, _name in settings.LANGUAGES]
        if language:
            language = language.lower()
            if language not in codes:
                out.add(
                    "language",
                    "invalid_language",
                    _("Use one of these language codes: %(codes)s.") % {"codes": ", ".join(codes)},
                )
        clean["language"] = language or organization.default_language
    if "segment" in data:
        clean["segment"] = (
            _plain_text(out, "segment", data.get("segment"), max_length=60, required=False) or ""
        )
    if "created_on" in data:
        clean["created_on"] = parse_date(
            out, "created_on", data.get("created_on"), organization=organization, required=False, today=today
        )
    out.raise_if_any()
    return clean


def clean_transaction(
    data: Mapping[str, Any], *, organization, today: dt.date | None = None
) -> dict[str, Any]:
    """A purchase: date, non-negative amount (decimal string) and currency."""
    out = _Collector()
    clean = {
        "occurred_on": parse_date(
            out, "date", data.get("date"), organization=organization, required=True, today=today
        ),
        "amount": parse_money(out, "amount", data.get("amount")),
        "currency": parse_currency(out, "currency", data.get("currency")),
    }
    out.raise_if_any()
    return clean


OUTCOME_KINDS = [kind.value for kind in OutcomeKind]


def clean_outcome(data: Mapping[str, Any], *, organization) -> dict[str, Any]:
    """An outcome: the kind decides what `value` must be (csat 1-5, purchase an amount, others none)."""
    out = _Collector()
    clean: dict[str, Any] = {"score": None, "amount": None, "currency": ""}
    try:
        kind = (_text(data.get("kind")) or "").lower()
    except TypeError:
        kind = ""
    if kind not in OUTCOME_KINDS:
        out.add(
            "kind",
            "invalid_kind",
            _("Use one of these kinds: %(kinds)s.") % {"kinds": ", ".join(OUTCOME_KINDS)},
        )
    clean["kind"] = kind
    value = data.get("value")
    if isinstance(value, str):
        value = value.strip(ASCII_BLANKS)
    if kind == OutcomeKind.CSAT:
        score = None
        if isinstance(value, int) and not isinstance(value, bool):
            score = value
        elif isinstance(value, str) and SCORE_RE.fullmatch(value):
            score = int(value)
        if score is None or not 1 <= score <= 5:
            out.add("value", "invalid_score", _("A satisfaction score is a whole number from 1 to 5."))
        clean["score"] = score
    elif kind == OutcomeKind.PURCHASE:
        clean["amount"] = parse_money(out, "value", value)
        currency = data.get("currency")
        clean["currency"] = (
            parse_currency(out, "currency", currency)
            if currency not in (None, "")
            else organization.base_currency
        )
    elif kind and value not in (None, ""):
        out.add("value", "value_not_allowed", _("This kind of outcome takes no value."))
    clean["occurred_at"] = parse_moment(
        out, "occurred_at", data.get("occurred_at"), organization=organization
    )
    decision = data.get("decision")
    clean["decision"] = None
    if decision not in (None, ""):
        try:
            clean["decision"] = uuid.UUID(str(decision).strip())
        except ValueError:
            out.add("decision", "invalid_decision", _("Give the decision's id as returned by the API."))
    out.raise_if_any()
    return clean
