"""A decision's input checked and resolved (customer, gesture, amount, texts), judged, and previewed."""

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.core.errors import Conflict, Forbidden, InvalidInput
from leeway.core.money import parse_strict_amount
from leeway.customers.models import Customer
from leeway.decisions.judging import CapUsage, Judgement, budget_targets, evaluate
from leeway.decisions.models import (
    INTERACTION_REF_MAX_LENGTH,
    JUSTIFICATION_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    DecisionReason,
)
from leeway.decisions.store import CUSTOMER_FIELDS, AnswerKey, CustomerKey, Inputs, store
from leeway.people.models import Member, Role
from leeway.policy.models import Gesture
from leeway.policy.selectors import budget_subjects_for, convert_to_base
from leeway.policy.snapshot import GestureEntry, GestureRule, PolicySnapshot, current_policy

# Roles that record gestures for customers; trainers and analysts only read.
DECIDING_ROLES = (Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN)
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")


@dataclass(frozen=True)
class DecisionInput:
    """A request to decide, validated and resolved: nothing here can fail later for bad input."""

    snapshot: PolicySnapshot
    # None until judging looks the customer up in its first batch (see decision_input).
    customer: Customer | None
    gesture: GestureEntry
    amount: Decimal
    currency: str
    base_amount: Decimal
    reason: str
    note: str
    justification: str
    interaction_ref: str
    customer_key: CustomerKey | None = None


@dataclass(frozen=True)
class Preview:
    """What a decision would be, judged now, without recording anything."""

    input: DecisionInput
    judgement: Judgement


# ---------------------------------------------------------------------------
# Input


def clean_text(value, *, field: str, max_length: int, one_line: bool = False) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(_("This value must be text."), code="invalid", field=field)
    if "\x00" in value:
        raise InvalidInput(
            _("This text contains characters that are not allowed."), code="invalid_text", field=field
        )
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(
            _("This text is too long (at most %(max)s characters).") % {"max": max_length},
            code=f"{field}_too_long",
            field=field,
        )
    if one_line and ("\n" in value or "\r" in value):
        raise InvalidInput(_("Keep it to one line."), code=f"{field}_not_one_line", field=field)
    return value


def require_policy(member: Member) -> PolicySnapshot:
    snapshot = current_policy(member.organization_id)
    if snapshot is None:
        raise Conflict(
            _("Your organization has not published a policy yet: ask an admin to publish one."),
            code="no_policy",
        )
    return snapshot


def _unknown_customer() -> InvalidInput:
    return InvalidInput(_("Unknown customer."), code="unknown_customer", field="customer")


def _customer_key(member: Member, customer) -> CustomerKey:
    """A customer named by external id, checked for shape only (it is looked up while judging)."""
    if isinstance(customer, str) and customer.strip() and len(customer) <= 64 and "\x00" not in customer:
        return CustomerKey(organization_id=member.organization_id, external_id=customer.strip())
    raise _unknown_customer()


def _resolve_customer(member: Member, customer) -> Customer:
    if isinstance(customer, Customer):
        if customer.organization_id == member.organization_id:
            return customer
        raise _unknown_customer()
    key = _customer_key(member, customer)
    found = (
        Customer.objects.filter(organization_id=key.organization_id, external_id=key.external_id)
        .only(*CUSTOMER_FIELDS)
        .first()
    )
    if found is None:
        raise _unknown_customer()
    return found


def _customer_from_lookup(data: DecisionInput, inputs: Inputs) -> DecisionInput:
    """The input with the customer that the store looked up with the inputs, or unknown_customer."""
    if data.customer is not None:
        return data
    if inputs.customer is None:
        raise _unknown_customer()
    return dataclasses.replace(data, customer=inputs.customer)


def _resolve_gesture(snapshot: PolicySnapshot, gesture) -> GestureEntry:
    code = gesture.code if isinstance(gesture, Gesture) else gesture
    entry = snapshot.gestures.get(code) if isinstance(code, str) else None
    if entry is None or (
        isinstance(gesture, Gesture) and gesture.organization_id != snapshot.organization_id
    ):
        raise InvalidInput(_("Unknown gesture."), code="unknown_gesture", field="gesture")
    return entry


_REASONS = frozenset(DecisionReason.values)


def decision_input(
    *,
    member: Member,
    customer,
    gesture,
    amount,
    currency,
    reason=None,
    note="",
    justification="",
    interaction_ref="",
    require_reason: bool = True,
    look_up_customer: bool = True,
) -> DecisionInput:
    """Validate and resolve a request; any bad value is an InvalidInput naming its field.

    Without `look_up_customer`, a customer given by external id is only checked for shape: recording
    looks it up (and locks it) in its first batch, so an unknown one is refused there.
    """
    if not member.has_role(*DECIDING_ROLES) or not member.organization_id:
        raise Forbidden(_("Your role does not record gestures."), code="forbidden")
    snapshot = require_policy(member)
    parsed_amount = parse_strict_amount(amount, field="amount")
    if not isinstance(currency, str) or not CURRENCY_RE.match(currency.strip().upper()):
        raise InvalidInput(
            _("Unknown currency, or no exchange rate for it."), code="unknown_currency", field="currency"
        )
    currency = currency.strip().upper()
    if reason in (None, "") and not require_reason:
        reason = ""
    elif reason not in _REASONS:
        raise InvalidInput(_("Choose one of the reasons."), code="unknown_reason", field="reason")
    note = clean_text(note, field="note", max_length=NOTE_MAX_LENGTH)
    justification = clean_text(
        justification, field="justification", max_length=JUSTIFICATION_MAX_LENGTH, one_line=True
    )
    interaction_ref = clean_text(
        interaction_ref, field="interaction_ref", max_length=INTERACTION_REF_MAX_LENGTH, one_line=True
    )
    entry = _resolve_gesture(snapshot, gesture)
    if entry.zero_cost and parsed_amount != 0:
        raise InvalidInput(
            _("This gesture costs nothing: the amount must be 0."), code="zero_cost_gesture", field="amount"
        )
    if not entry.zero_cost and parsed_amount == 0:
        # A costed gesture for nothing would be recorded as a protected decision that moved no money.
        raise InvalidInput(
            _("This gesture has a cost: enter an amount above 0, or pick a no-cost gesture."),
            code="amount_zero",
            field="amount",
        )
    customer_key = None
    if look_up_customer or isinstance(customer, Customer):
        customer_row = _resolve_customer(member, customer)
    else:
        customer_row, customer_key = None, _customer_key(member, customer)
    base_amount = convert_to_base(
        organization_id=member.organization_id, currency=currency, amount=parsed_amount
    )
    return DecisionInput(
        snapshot=snapshot,
        customer=customer_row,
        gesture=entry,
        amount=parsed_amount,
        currency=currency,
        base_amount=base_amount,
        reason=reason,
        note=note,
        justification=justification,
        interaction_ref=interaction_ref,
        customer_key=customer_key,
    )


def _judge(
    *,
    member: Member,
    data: DecisionInput,
    now: datetime,
    deciding: bool,
    optimistic: bool = False,
    answer: AnswerKey | None = None,
) -> tuple[GestureRule | None, Inputs, Judgement]:
    """The zone with its inputs, read by the store in one go: (rule, inputs, judgement)."""
    snapshot = data.snapshot
    rule = snapshot.rule_for(member.tier_id, data.gesture.code)
    targets = []
    if data.base_amount > 0:
        targets = budget_targets(snapshot, subjects=budget_subjects_for(member), now=now)
    inputs = store().read_inputs(
        organization_id=snapshot.organization_id,
        customer=data.customer if data.customer is not None else data.customer_key,
        gesture_id=data.gesture.id,
        rule=rule,
        now=now,
        targets=targets,
        deciding=deciding,
        optimistic=optimistic,
        answer=answer,
    )
    return rule, inputs, _evaluate(data, rule, inputs.cap_usage, inputs.budgets)


def _evaluate(data: DecisionInput, rule, cap_usage: CapUsage | None, budgets) -> Judgement:
    return evaluate(
        rule=rule,
        base_amount=data.base_amount,
        base_currency=data.snapshot.base_currency,
        cap_usage=cap_usage,
        budgets=budgets,
    )


# ---------------------------------------------------------------------------
# Preview and create


def decision_preview(
    *,
    member: Member,
    customer,
    gesture,
    amount,
    currency,
    reason=None,
    note="",
    justification="",
    interaction_ref="",
) -> Preview:
    """Judge a gesture as it would be now, recording nothing (for the console's live zone)."""
    data = decision_input(
        member=member,
        customer=customer,
        gesture=gesture,
        amount=amount,
        currency=currency,
        reason=reason,
        note=note,
        justification=justification,
        interaction_ref=interaction_ref,
        require_reason=False,
    )
    _rule, _inputs, judgement = _judge(member=member, data=data, now=timezone.now(), deciding=False)
    return Preview(input=data, judgement=judgement)
