from ninja import Schema


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
    rate: str
