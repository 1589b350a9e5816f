"""Request and response shapes of the decision endpoints (API.md), with examples for the OpenAPI document."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from leeway.core.errors import InvalidInput
from leeway.core.money import AMOUNT_PATTERN

DECISION_EXAMPLE = {
    "customer": "C-1001",
    "gesture": "waive_fee",
    "amount": "25.00",
    "currency": "USD",
    "reason": "billing_error",
    "note": "Late fee charged during the outage week.",
    "justification": "",
    "interaction_ref": "CALL-778",
}


def _amount_is_text(value: Any) -> Any:
    # A JSON number would pass through a float: money travels as a string, always.
    if isinstance(value, bool) or isinstance(value, int | float):
        raise InvalidInput(
            _('Send the amount as a string, e.g. "25.00".'), code="amount_not_string", field="amount"
        )
    if value is None:
        raise InvalidInput(_("Enter an amount."), code="amount_required", field="amount")
    return value


class DecisionIn(Schema):
    """A gesture to record. `note` and `interaction_ref` may be omitted; amber needs a `justification`."""

    model_config = ConfigDict(json_schema_extra={"examples": [DECISION_EXAMPLE]})

    customer: str = Field(..., description="The customer's id in your systems.", examples=["C-1001"])
    gesture: str = Field(..., description="A gesture code of the catalogue.", examples=["waive_fee"])
    amount: str = Field(
        ...,
        description="Decimal string, at most two decimals.",
        examples=["25.00"],
        json_schema_extra={"pattern": AMOUNT_PATTERN},
    )
    currency: str = Field(..., description="ISO 4217 code.", examples=["USD"])
    reason: str = Field(
        ...,
        description="billing_error, service_outage, delivery_delay, product_defect, loyalty or other.",
        examples=["billing_error"],
    )
    note: str = Field(
        "",
        description="Free text, at most 2,000 characters; may be omitted (empty).",
        json_schema_extra={"maxLength": 2000},
    )
    justification: str = Field(
        "", description="One line of why (at most 300 characters); required in the amber zone."
    )
    interaction_ref: str = Field("", description="The call, chat or ticket reference.", examples=["CALL-778"])

    _amount_text = field_validator("amount", mode="before")(_amount_is_text)


class PreviewIn(Schema):
    """The same body as a decision; reason, note and justification may still be missing while typing."""

    model_config = ConfigDict(json_schema_extra={"examples": [DECISION_EXAMPLE]})

    customer: str = Field(..., examples=["C-1001"])
    gesture: str = Field(..., examples=["waive_fee"])
    amount: str = Field(..., examples=["25.00"], json_schema_extra={"pattern": AMOUNT_PATTERN})
    currency: str = Field(..., examples=["USD"])
    reason: str | None = Field(None, examples=["billing_error"])
    note: str = ""
    justification: str = ""
    interaction_ref: str = ""

    _amount_text = field_validator("amount", mode="before")(_amount_is_text)


class ReasonOut(Schema):
    code: str = Field(..., examples=["green_limit"])
    ok: bool
    message: str = Field(..., examples=["Inside your green limit of 50.00 USD (25.00 left)"])


class PreviewOut(Schema):
    zone: str = Field(..., examples=["green"])
    status: str = Field(
        ..., description="What recording it now would give: approved or pending.", examples=["approved"]
    )
    protected: bool
    needs_justification: bool
    headline: str = Field(..., examples=["Inside your authority: you're covered (policy v3)"])
    reasons: list[ReasonOut]
    policy_version: int = Field(..., examples=[3])
    amount: str = Field(..., examples=["25.00"])
    currency: str = Field(..., examples=["USD"])
    base_amount: str = Field(..., examples=["25.00"])
    base_currency: str = Field(..., examples=["USD"])
    response_minutes: int | None = Field(None, description="For red: the response-time target.", examples=[2])


class DecisionOut(Schema):
    id: str = Field(..., examples=["0b7f5d0e-4c8e-4c71-9d55-4f1a3f0c2b9e"])
    zone: str = Field(..., examples=["green"])
    status: str = Field(..., examples=["approved"])
    protected: bool
    policy_version: int = Field(..., examples=[3])
    amount: str = Field(..., examples=["25.00"])
    currency: str = Field(..., examples=["USD"])
    base_amount: str = Field(..., examples=["25.00"])
    base_currency: str = Field(..., examples=["USD"])
    created_at: str = Field(..., examples=["2026-03-02T15:04:05.123456+00:00"])
    customer: str = Field(..., examples=["C-1001"])
    gesture: str = Field(..., examples=["waive_fee"])
    agent: str = Field(..., examples=["aurora-agent"])
    reason: str = Field(..., examples=["billing_error"])
    note: str
    justification: str
    interaction_ref: str
    learning_case: bool
    escalated: bool
    auto_approved: bool
    due_at: str | None
    decided_at: str | None
    decided_by: str | None
    decision_note: str
    summary: str
    reasons: list[ReasonOut]


class ApproveIn(Schema):
    note: str = Field("", description="Optional note for the agent.", examples=["Good call, approved."])


class DeclineIn(Schema):
    reason: str = Field(
        ...,
        description="Required, non-empty (at most 2,000 characters): shown to the agent.",
        examples=["Already refunded last week."],
        json_schema_extra={"minLength": 1, "maxLength": 2000},
    )


class DecisionPage(Schema):
    items: list[DecisionOut]
    count: int
    limit: int
    offset: int
