"""Validation shared by the policy services and the admin forms.

Each `*_problems` function checks a whole set of values and returns every
problem at once (the forms show them all next to their fields); the services
raise the first one as an `InvalidInput`, so the API and the pages agree.
"""

import re
from decimal import Decimal
from urllib.parse import urlsplit

from babel.numbers import list_currencies
from django.utils.translation import gettext_lazy as _

from leeway.core.errors import InvalidInput
from leeway.core.money import ASCII_BLANKS, RATE_PLACES, DecimalRefused, parse_strict_amount, read_decimal
from leeway.policy.budgets import BudgetPeriod, BudgetScope
from leeway.policy.models import GestureCategory

CODE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
SHORTCUT_RE = re.compile(r"^[0-9a-z]$")
HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
# ISO 4217 codes that are not money anyone pays with.
NOT_MONEY = {"XXX", "XTS"}
ISO_CURRENCIES = frozenset(code for code in list_currencies() if code not in NOT_MONEY)
MAX_WINDOW_DAYS = 3660
MAX_RANK = 32767
RATE_MAX = Decimal("9999999999")


class Problems:
    """Collects InvalidInput errors instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[InvalidInput] = []

    def add(self, message, *, code: str, field: str) -> None:
        self.errors.append(InvalidInput(message, code=code, field=field))

    def run(self, function, *args, **kwargs):
        """Call a strict parser; on refusal keep its error and return None."""
        try:
            return function(*args, **kwargs)
        except InvalidInput as error:
            self.errors.append(error)
            return None

    def has(self, field: str) -> bool:
        return any(error.field == field for error in self.errors)

    def raise_first(self) -> None:
        if self.errors:
            raise self.errors[0]


def parse_count(value, *, field: str, minimum: int = 1, maximum: int = 1_000_000) -> int | None:
    """A whole number in a range, or None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidInput(_("Enter a whole number."), code="not_a_whole_number", field=field)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(_("Enter a whole number."), code="not_a_whole_number", field=field) from None
    if number < minimum:
        raise InvalidInput(
            _("Enter a number of at least %(minimum)s.") % {"minimum": minimum},
            code="too_small",
            field=field,
        )
    if number > maximum:
        raise InvalidInput(
            _("Enter a number no larger than %(maximum)s.") % {"maximum": maximum},
            code="too_large",
            field=field,
        )
    return number


def rule_problems(
    *,
    green_limit,
    stretch_limit,
    customer_cap_count=None,
    customer_cap_amount=None,
    customer_cap_window_days=30,
) -> tuple[dict, Problems]:
    """Check one authority rule: stretch ≥ green ≥ 0, caps > 0 when set, window ≥ 1 day."""
    problems = Problems()
    green = problems.run(parse_strict_amount, green_limit, field="green_limit")
    stretch = problems.run(parse_strict_amount, stretch_limit, field="stretch_limit")
    if green is not None and stretch is not None and stretch < green:
        problems.add(
            _("The stretch limit cannot be below the green limit (%(green)s).") % {"green": green},
            code="stretch_below_green",
            field="stretch_limit",
        )
    count = problems.run(parse_count, customer_cap_count, field="customer_cap_count")
    cap_amount = None
    if customer_cap_amount not in (None, ""):
        cap_amount = problems.run(
            parse_strict_amount, customer_cap_amount, field="customer_cap_amount", allow_zero=False
        )
    window = problems.run(
        parse_count, customer_cap_window_days, field="customer_cap_window_days", maximum=MAX_WINDOW_DAYS
    )
    if window is None and not problems.has("customer_cap_window_days"):
        problems.add(
            _("Enter the cap window in days (at least 1)."),
            code="window_required",
            field="customer_cap_window_days",
        )
    values = {
        "green_limit": green,
        "stretch_limit": stretch,
        "customer_cap_count": count,
        "customer_cap_amount": cap_amount,
        "customer_cap_window_days": window,
    }
    return values, problems


def gesture_problems(
    *, code=None, category, default_amount, zero_cost, shortcut, position=None
) -> tuple[dict, Problems]:
    """Check a gesture's own fields (names are checked by the service, which knows the languages)."""
    problems = Problems()
    values: dict = {}
    if code is not None:
        code = str(code).strip()
        if not CODE_RE.match(code):
            problems.add(
                _("Use 1 to 40 lowercase letters, digits, - or _, starting with a letter (e.g. waive_fee)."),
                code="invalid_code",
                field="code",
            )
        values["code"] = code
    if category not in GestureCategory.values:
        problems.add(_("Choose a category from the list."), code="invalid_category", field="category")
    values["category"] = category
    amount = problems.run(parse_strict_amount, default_amount, field="default_amount")
    if amount and zero_cost:
        problems.add(
            _("A zero-cost gesture has no amount: set the default amount to 0."),
            code="zero_cost_with_amount",
            field="default_amount",
        )
    values["default_amount"] = amount
    values["zero_cost"] = bool(zero_cost)
    shortcut = (shortcut or "").strip().lower()
    if shortcut and not SHORTCUT_RE.match(shortcut):
        problems.add(_("Use one letter or digit as the shortcut."), code="invalid_shortcut", field="shortcut")
    values["shortcut"] = shortcut
    if position is not None:
        values["position"] = problems.run(
            parse_count, position, field="position", minimum=0, maximum=MAX_RANK
        )
    return values, problems


def budget_problems(*, scope=None, period=None, cap) -> tuple[dict, Problems]:
    """Check a budget: a known scope and period and a cap above zero."""
    problems = Problems()
    values: dict = {}
    if scope is not None:
        if scope not in BudgetScope.values:
            problems.add(_("Choose a scope from the list."), code="invalid_scope", field="scope")
        values["scope"] = scope
    if period is not None:
        if period not in BudgetPeriod.values:
            problems.add(_("Choose a period from the list."), code="invalid_period", field="period")
        values["period"] = period
    values["cap"] = problems.run(parse_strict_amount, cap, field="cap", allow_zero=False)
    return values, problems


def parse_origin(text: str, *, field: str = "panel_allowed_origins") -> str:
    """An origin as browsers send it: scheme://host[:port], nothing else."""
    candidate = text.strip()
    if candidate.endswith("/"):
        candidate = candidate[:-1]
    refusal = InvalidInput(
        _("“%(origin)s” is not an origin. Use scheme://host[:port], e.g. https://crm.example.com.")
        % {"origin": text.strip()[:100]},
        code="invalid_origin",
        field=field,
    )
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:
        raise refusal from None
    host = (parts.hostname or "").lower()
    if (
        parts.scheme.lower() not in ("http", "https")
        or not host
        or parts.username
        or parts.password
        or parts.path
        or parts.query
        or parts.fragment
        or "?" in candidate
        or "#" in candidate
        or not HOST_RE.match(host)
    ):
        raise refusal
    origin = f"{parts.scheme.lower()}://{host}"
    if port is not None:
        origin += f":{port}"
    return origin


def parse_origins(value, *, field: str = "panel_allowed_origins") -> list[str]:
    """One origin per line (or a list); duplicates dropped, order kept."""
    lines = value.splitlines() if isinstance(value, str) else list(value or [])
    origins: list[str] = []
    for line in lines:
        if not str(line).strip():
            continue
        origin = parse_origin(str(line), field=field)
        if origin not in origins:
            origins.append(origin)
    return origins


def settings_problems(
    *, red_response_minutes, auto_approve_ceiling, panel_allowed_origins
) -> tuple[dict, Problems]:
    """Check the organization-wide policy settings."""
    problems = Problems()
    minutes = problems.run(parse_count, red_response_minutes, field="red_response_minutes", maximum=10080)
    if minutes is None and not problems.has("red_response_minutes"):
        problems.add(
            _("Enter the response-time target in minutes (at least 1)."),
            code="minutes_required",
            field="red_response_minutes",
        )
    ceiling = problems.run(parse_strict_amount, auto_approve_ceiling, field="auto_approve_ceiling")
    origins = problems.run(parse_origins, panel_allowed_origins)
    return {
        "red_response_minutes": minutes,
        "auto_approve_ceiling": ceiling,
        "panel_allowed_origins": origins,
    }, problems


def parse_currency(value, *, base_currency: str, field: str = "currency") -> str:
    """A three-letter ISO 4217 code other than the base currency."""
    code = str(value or "").strip().upper() if not isinstance(value, bool | float) else ""
    if not CURRENCY_RE.match(code):
        raise InvalidInput(
            _("Use a three-letter ISO 4217 code, e.g. USD."), code="invalid_currency", field=field
        )
    if code not in ISO_CURRENCIES:
        raise InvalidInput(
            _("%(currency)s is not an ISO 4217 currency.") % {"currency": code},
            code="invalid_currency",
            field=field,
        )
    if code == base_currency:
        raise InvalidInput(
            _("%(currency)s is the base currency: its rate is always 1.") % {"currency": code},
            code="base_currency_rate",
            field=field,
        )
    return code


def parse_rate(value, *, field: str = "rate") -> Decimal:
    """Units of base currency per unit of the currency: a decimal string above zero, at most 8 decimals.

    The same spelling as amounts (`read_decimal`): "1e3", "+0.73" and other scripts' digits are refused.
    """
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value.is_finite() else "NaN"
    elif isinstance(value, str):
        text = value
    else:
        # A JSON number (or None) is not a rate: floats blur the eighth decimal.
        raise InvalidInput(_('Send the rate as a string, e.g. "0.73".'), code="rate_not_string", field=field)
    if not text.strip(ASCII_BLANKS):
        raise InvalidInput(_("Enter a rate."), code="rate_required", field=field)
    try:
        rate = read_decimal(text, places=RATE_PLACES, max_whole_digits=len(str(int(RATE_MAX))))
    except DecimalRefused as refused:
        if refused.reason == "negative":
            raise InvalidInput(
                _("The rate must be more than zero."), code="rate_not_positive", field=field
            ) from None
        if refused.reason == "too_precise":
            raise InvalidInput(
                _("The rate can have at most 8 decimals."), code="rate_too_precise", field=field
            ) from None
        if refused.reason == "too_large":
            raise InvalidInput(_("The rate is too large."), code="rate_too_large", field=field) from None
        raise InvalidInput(_("The rate must be a number."), code="rate_not_a_number", field=field) from None
    if rate <= 0:
        raise InvalidInput(_("The rate must be more than zero."), code="rate_not_positive", field=field)
    if rate > RATE_MAX:
        raise InvalidInput(_("The rate is too large."), code="rate_too_large", field=field)
    return rate.quantize(Decimal(1).scaleb(-RATE_PLACES))
