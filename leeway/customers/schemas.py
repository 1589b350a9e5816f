"""Request and response shapes of the customer endpoints, for the OpenAPI document.

Values are checked by `leeway.customers.validation` (the same rules as the CSV
imports), so the shapes here are deliberately loose about types.
"""

from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from leeway.core.inputs import limit_field
from leeway.customers.selectors import SEARCH_LIMIT


class CustomerSearchFilters(Schema):
    """The type-ahead query: `q` (a prefix; longer than 100 characters is cut) and `limit`."""

    q: str = Field("", description="Prefix of the id, name, email or phone digits.")
    limit: int = limit_field(SEARCH_LIMIT, maximum=SEARCH_LIMIT)


class CustomerUpsertIn(Schema):
    """One customer, or `{"customers": [...]}` with up to 1,000 of them (all or nothing)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_id": "C-1001",
                    "name": "María García",
                    "email": "maria.garcia@example.com",
                    "phone": "+1 303 555 0101",
                    "language": "es",
                    "segment": "residential",
                    "created_on": "2023-05-14",
                },
                {"customers": [{"external_id": "C-1002", "name": "Avery Brooks"}]},
            ]
        },
    )

    external_id: str | None = Field(
        None, description="Your id for the customer: letters, digits, . _ : @ # + -"
    )
    name: str | None = Field(None, description="Required when the customer is new.")
    email: str | None = None
    phone: str | None = None
    language: str | None = Field(None, description="en or es; the organization's language when omitted.")
    segment: str | None = None
    created_on: str | None = Field(None, description="Customer since, YYYY-MM-DD.")
    customers: list[dict[str, Any]] | None = Field(None, description="Batch form: up to 1,000 customers.")


class ValueOut(Schema):
    predicted_clv: str = Field(
        ..., description="Predicted value over the organization's horizon, base currency."
    )
    probability_alive: float | None = Field(
        ..., description="Probability the customer is still active (0-1)."
    )
    currency: str


class CustomerOut(Schema):
    """API.md's customer card."""

    external_id: str
    name: str
    language: str
    value: ValueOut | None = Field(..., description="null when there is too little history for a value.")
    recent_decisions: list[dict[str, Any]] = Field(..., description="The latest decisions, newest first.")


class CustomerSearchOut(Schema):
    external_id: str
    name: str
    email: str
    phone: str
    language: str
    segment: str
    value: ValueOut | None


class BatchOut(Schema):
    created: int
    updated: int


class TransactionsIn(Schema):
    """One purchase, or `{"transactions": [...]}` with up to 1,000 (all or nothing)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"date": "2025-03-01", "amount": "42.50", "currency": "USD"},
                {"transactions": [{"date": "2025-03-01", "amount": "42.50", "currency": "USD"}]},
            ]
        },
    )

    date: Any = Field(None, description="YYYY-MM-DD, in the organization's time zone.")
    amount: Any = Field(None, description='Decimal string, e.g. "42.50"; not negative.')
    currency: Any = Field(None, description="ISO 4217 code with a rate in the organization.")
    transactions: list[dict[str, Any]] | None = None


class TransactionOut(Schema):
    date: str
    amount: str
    currency: str
    base_amount: str
    base_currency: str


class TransactionsOut(Schema):
    customer: str
    created: int
    transactions: list[TransactionOut]


class OutcomeIn(Schema):
    """What happened after: `value` is 1-5 for csat, a decimal amount for purchase, absent otherwise."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"customer": "C-1001", "kind": "csat", "value": 5, "decision": None},
                {
                    "customer": "C-1001",
                    "kind": "purchase",
                    "value": "80.00",
                    "occurred_at": "2025-03-02T10:00:00Z",
                },
                {"customer": "C-1001", "kind": "retained"},
            ]
        },
    )

    customer: Any = Field(None, description="The customer's external id.")
    kind: Any = Field(None, description="retained, renewed, churned, purchase or csat.")
    value: Any = None
    currency: Any = Field(None, description="For purchase: the amount's currency (default: base currency).")
    decision: Any = Field(None, description="The id of the decision this outcome follows, if any.")
    occurred_at: Any = Field(None, description="ISO 8601; now when omitted.")


class OutcomeOut(Schema):
    id: int
    customer: str
    kind: str
    value: int | str | None
    currency: str | None
    decision: str | None
    occurred_at: str
