from ninja import Field, Schema

from leeway.core.money import RATE_PATTERN


class GestureOut(Schema):
    code: str
    name: str
    description: str
    category: str
    zero_cost: bool
    shortcut: str
    default_amount: str
    green_limit: str | None
    stretch_limit: str | None
    currency: str


class RateOut(Schema):
    currency: str
    rate: str
    updated_at: str


class RatesOut(Schema):
    base_currency: str
    rates: list[RateOut]


class RateIn(Schema):
    rate: str = Field(
        ...,
        description="Units of the base currency one unit is worth: a decimal string, at most 8 decimals.",
        examples=["0.73"],
        json_schema_extra={"pattern": RATE_PATTERN},
    )
