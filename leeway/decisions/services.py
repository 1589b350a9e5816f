"""Writes of the decision engine: judge and record, approve, decline, and the overdue sweep.

Every write runs in one transaction with its audit entry and outbox event, so
either all of it happens or none of it. Money moves (budget counters are
charged) only when a decision is approved, and only while the counters of the
whole budget set are locked, so approved spend never passes a hard cap.
"""

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import orjson
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.core.audit import audit_append_parts, audit_chain_known, audit_chain_statement, audit_record
from leeway.core.batch import Batch, insert_statement, inserted, instance_from_row, new_instance, with_parts
from leeway.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from leeway.core.models import OutboxEvent
from leeway.core.money import parse_amount
from leeway.core.outbox import outbox_emit, outbox_statement
from leeway.customers.models import Customer
from leeway.decisions.judging import (
    CUSTOMER_FIELDS,
    CapUsage,
    CustomerKey,
    Judgement,
    LockedInputs,
    budget_label,
    budget_targets,
    cap_usage_for,
    charge_budgets,
    charge_statement,
    charged_states,
    department_id_for,
    evaluate,
    guarded_charge_parts,
    is_budget_filled_up,
    lock_budgets,
    lock_inputs,
    read_budgets,
)
from leeway.decisions.models import (
    INTERACTION_REF_MAX_LENGTH,
    JUSTIFICATION_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Decision,
    DecisionReason,
    DecisionStatus,
    IdempotencyRecord,
    Zone,
)
from leeway.decisions.selectors import decision_payload
from leeway.people.models import Member, Role
from leeway.policy.models import Gesture, PolicyVersion
from leeway.policy.selectors import budget_subjects_for, convert_to_base
from leeway.policy.snapshot import GestureEntry, GestureRule, PolicySnapshot, current_policy

# Roles that record gestures for customers; trainers and analysts only read.
DECIDING_ROLES = (Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN)
# Roles that answer requests (each within its own team / department; admins everywhere).
ANSWERING_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN)
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")
SWEEP_BATCH = 200


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


def _clean_text(value, *, field: str, max_length: int, one_line: bool = False) -> str:
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


def _require_policy(member: Member) -> PolicySnapshot:
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


def _customer_from_lookup(data: DecisionInput, locked: LockedInputs) -> DecisionInput:
    """The input with the customer that judging looked up, or unknown_customer."""
    if data.customer is not None:
        return data
    if locked.customer_row is None:
        raise _unknown_customer()
    customer = instance_from_row(Customer, CUSTOMER_FIELDS, locked.customer_row)
    return dataclasses.replace(data, customer=customer)


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
    snapshot = _require_policy(member)
    parsed_amount = amount if isinstance(amount, Decimal) else parse_amount(amount, field="amount")
    if isinstance(amount, Decimal):
        parsed_amount = parse_amount(str(amount), field="amount")
    if not isinstance(currency, str) or not CURRENCY_RE.match(currency.strip().upper()):
        raise InvalidInput(
            _("Unknown currency, or no exchange rate for it."), code="unknown_currency", field="currency"
        )
    currency = currency.strip().upper()
    if reason in (None, "") and not require_reason:
        reason = ""
    elif reason not in _REASONS:
        raise InvalidInput(_("Choose one of the reasons."), code="unknown_reason", field="reason")
    note = _clean_text(note, field="note", max_length=NOTE_MAX_LENGTH)
    justification = _clean_text(
        justification, field="justification", max_length=JUSTIFICATION_MAX_LENGTH, one_line=True
    )
    interaction_ref = _clean_text(
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
    lock: bool,
    lock_counters: bool = True,
    batch: Batch | None = None,
    after_lock: tuple[tuple[str, list], ...] = (),
) -> tuple[GestureRule | None, CapUsage | None, Judgement, LockedInputs | None]:
    """The zone with its inputs: (rule, cap usage, judgement, what the locked read returned)."""
    snapshot = data.snapshot
    rule = snapshot.rule_for(member.tier_id, data.gesture.code)
    targets = []
    if data.base_amount > 0:
        targets = budget_targets(snapshot, subjects=budget_subjects_for(member), now=now)
    locked = None
    if lock:
        # The customer (for caps) and the whole budget set, read in one round trip.
        locked = lock_inputs(
            organization_id=snapshot.organization_id,
            customer_id=data.customer.pk if data.customer is not None else data.customer_key,
            gesture_id=data.gesture.id,
            rule=rule,
            now=now,
            targets=targets,
            lock_counters=lock_counters,
            batch=batch,
            after_lock=after_lock,
        )
        cap_usage, budgets = locked.cap_usage, locked.budgets
    else:
        cap_usage = cap_usage_for(
            organization_id=snapshot.organization_id,
            customer_id=data.customer.pk,
            gesture_id=data.gesture.id,
            rule=rule,
            now=now,
            lock=False,
        )
        budgets = read_budgets(targets)
    return rule, cap_usage, _evaluate(data, rule, cap_usage, budgets), locked


def _evaluate(data: DecisionInput, rule, cap_usage, budgets) -> Judgement:
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
    _rule, _usage, judgement, _locked = _judge(member=member, data=data, now=timezone.now(), lock=False)
    return Preview(input=data, judgement=judgement)


@dataclass(frozen=True)
class Idempotency:
    """An Idempotency-Key and the hash of the request body it came with."""

    key: str
    request_hash: str


def request_hash(body: bytes | str | dict) -> str:
    """A stable hash of a JSON body: the same data in another key order or spacing is the same request."""
    data = body if isinstance(body, dict) else json.loads(body)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def validate_idempotency_key(key: str) -> str:
    if not IDEMPOTENCY_KEY_RE.match(key or ""):
        raise InvalidInput(
            _("The Idempotency-Key must be 1 to 200 visible ASCII characters."),
            code="invalid_idempotency_key",
            field="Idempotency-Key",
        )
    return key


def _event_payload(decision: Decision, snapshot_number: int) -> dict:
    return {
        "id": str(decision.public_id),
        "customer": decision.customer.external_id,
        "gesture": decision.gesture.code,
        "agent": decision.agent.username,
        "amount": str(decision.amount),
        "currency": decision.currency,
        "base_amount": str(decision.base_amount),
        "base_currency": decision.base_currency,
        "reason": decision.reason,
        "zone": decision.zone,
        "status": decision.status,
        "protected": decision.protected,
        "auto_approved": decision.auto_approved,
        "escalated": decision.escalated,
        "policy_version": snapshot_number,
        "due_at": decision.due_at,
        "decided_at": decision.decided_at,
        "interaction_ref": decision.interaction_ref,
    }


_VERSION_FIELDS = ("id", "organization_id", "number")
_GESTURE_FIELDS = ("id", "organization_id", "code", "zero_cost")


def _known_version(snapshot: PolicySnapshot) -> PolicyVersion:
    """The version row as the snapshot knows it, without a query (versions never change); its
    snapshot field loads if read."""
    return instance_from_row(
        PolicyVersion, _VERSION_FIELDS, (snapshot.version_id, snapshot.organization_id, snapshot.number)
    )


def _known_gesture(entry: GestureEntry, organization_id: int) -> Gesture:
    """The gesture row as the snapshot knows it, without a query; its other fields load if read."""
    return instance_from_row(
        Gesture, _GESTURE_FIELDS, (entry.id, organization_id, entry.code, entry.zero_cost)
    )


class _BudgetFilledUp(Exception):
    """A budget read without its lock filled up before the charge: judge again with the counters locked."""


class _Answered(Exception):
    """The Idempotency-Key was answered before: roll back and replay that answer."""

    def __init__(self, answer: "StoredAnswer"):
        super().__init__()
        self.answer = answer


def decision_create(
    *,
    member: Member,
    customer,
    gesture,
    amount,
    currency,
    reason,
    note: str = "",
    justification: str = "",
    interaction_ref: str = "",
    idempotency: Idempotency | None = None,
) -> Decision:
    """Judge and record a gesture: green/amber are approved and charged at once, red becomes a request.

    With `idempotency`, the answer is stored with the decision in the same
    transaction (see `decision_submit` for replays).
    """
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
        look_up_customer=False,
    )
    try:
        return _record(member=member, data=data, idempotency=idempotency, optimistic=True)
    except _BudgetFilledUp:
        return _record(member=member, data=data, idempotency=idempotency, optimistic=False)


def _record(*, member: Member, data: DecisionInput, idempotency: Idempotency | None, optimistic: bool):
    """Judge and write in one transaction: two batches, i.e. round trips, on PostgreSQL.

    1. Look up the customer and lock it (per-customer caps); then, in one more statement on
       PostgreSQL, read the stored answer (with `idempotency`), the cap usage and the budget set.
       Optimistically the counters are read without their locks: every decision charges the
       organization's counters, so holding them from the first read to the commit would serialise
       everything.
    2. Judge, and render everything the decision writes (its reasons, outbox event, stored answer,
       audit entry) in Python. Then one statement and the COMMIT (`_write`): if approved, charge the
       budget set (its counters locked in id order), refused by the database unless every counter
       still fits (`guarded_charge_parts`); insert the decision, its outbox event and the stored
       answer; append the audit entry (`audit_append_parts`). If a budget filled up since it was
       read, all of it rolls back and the decision is judged again with the counters locked from the
       start (`optimistic=False`). Spent only ever grows, so a red judged on an unlocked read stays
       red, and a zone judged on it stays right as long as every budget still fits.

    So the organization's counters and its audit chain head are held only while the last batch runs
    in the database. The budget figures in the reasons are those read for judging: a concurrent
    decision may have spent some of a shared budget since (the charge itself checks every cap).
    Other databases (SQLite, no batches) charge in a step of their own and judge again on the
    totals it returns, then write.
    """
    snapshot = data.snapshot
    organization_id = member.organization_id
    with transaction.atomic():
        now = timezone.now()
        first = Batch()
        chain = audit_chain_statement(organization_id)
        if chain is not None:  # so the last batch's audit append finds its head and may commit
            first.add(*chain)
        answer = ()
        if idempotency is not None:
            answer = (_stored_answer_statement(member=member, key=idempotency.key),)
        rule, cap_usage, judgement, locked = _judge(
            member=member,
            data=data,
            now=now,
            lock=True,
            lock_counters=not optimistic,
            batch=first,
            after_lock=answer,
        )
        if answer and locked.reads[0]:
            raise _Answered(StoredAnswer(*locked.reads[0][0]))
        data = _customer_from_lookup(data, locked)
        if judgement.zone == Zone.AMBER and not data.justification:
            raise InvalidInput(
                _("Above your green limit: add one line of why (a justification)."),
                code="justification_required",
                field="justification",
            )
        approved = judgement.zone in (Zone.GREEN, Zone.AMBER)
        charge = guarded = None
        if approved and connection.vendor == "postgresql":
            # Charged in the last batch, refused by the database if a budget filled up (see below).
            guarded = guarded_charge_parts(judgement.budgets, data.base_amount)
        elif approved:
            charge = charge_statement(judgement.budgets, data.base_amount)
        if charge is not None:
            step = Batch()
            step.add(*charge, rows=True)
            totals = step.run()[0]
            exact = _evaluate(
                data, rule, cap_usage, charged_states(judgement.budgets, totals, data.base_amount)
            )
            if exact.zone != judgement.zone:
                raise _BudgetFilledUp
            judgement = exact
        subjects = budget_subjects_for(member)
        decision = new_instance(
            Decision,
            related={
                "customer": data.customer,
                "agent": member,
                "gesture": _known_gesture(data.gesture, organization_id),
                "policy_version": _known_version(snapshot),
            },
            organization_id=organization_id,
            team_id=subjects.team,
            site_id=subjects.site,
            department_id=subjects.department,
            amount=data.amount,
            currency=data.currency,
            base_amount=data.base_amount,
            base_currency=snapshot.base_currency,
            reason=data.reason,
            note=data.note,
            justification=data.justification,
            interaction_ref=data.interaction_ref,
            zone=judgement.zone,
            status=DecisionStatus.APPROVED if approved else DecisionStatus.PENDING,
            protected=approved,
            learning_case=judgement.zone == Zone.AMBER,
            reasons=judgement.reasons,
            created_at=now,
            due_at=None if approved else now + timedelta(minutes=snapshot.red_response_minutes),
            decided_at=now if approved else None,
        )
        try:
            _write(decision, member=member, data=data, idempotency=idempotency, charge=guarded)
        except DatabaseError as error:
            if is_budget_filled_up(error):
                raise _BudgetFilledUp from None
            raise
    return decision


def _write(
    decision: Decision,
    *,
    member: Member,
    data: DecisionInput,
    idempotency: Idempotency | None,
    charge: list[tuple[str, str, list]] | None = None,
) -> None:
    """Charge (`charge`, the parts of a guarded charge), insert the decision, its outbox event, stored
    answer and audit entry, and commit.

    On PostgreSQL all of it is one statement (`with_parts`) sent with the COMMIT: one round trip,
    and one statement for the database to bind and run instead of five. Elsewhere the inserts and
    `audit_record` run one by one (there is no charge: it ran in a step of its own).
    """
    organization_id = decision.organization_id
    snapshot = data.snapshot
    action = "decision.approved" if decision.status == DecisionStatus.APPROVED else "decision.requested"
    audit = {
        "organization_id": organization_id,
        "actor_id": member.pk,
        "action": action,
        "object_type": "decision",
        "object_id": decision.public_id,
        "data": {
            "zone": decision.zone,
            "status": decision.status,
            "customer": data.customer.external_id,
            "gesture": data.gesture.code,
            "amount": str(decision.amount),
            "currency": decision.currency,
            "base_amount": str(decision.base_amount),
            "base_currency": decision.base_currency,
            "policy_version": snapshot.number,
            "reasons": decision.reasons,
        },
    }
    event = new_instance(
        OutboxEvent,
        organization_id=organization_id,
        topic=action,
        payload=_event_payload(decision, snapshot.number),
    )
    record = None
    if idempotency is not None:
        decision.response_body = response_text(decision_payload(decision))
        record = new_instance(
            IdempotencyRecord,
            related={"member": member},
            organization_id=organization_id,
            key=idempotency.key,
            request_hash=idempotency.request_hash,
            response_status=201,
            response_body=decision.response_body,
        )
    append = audit_append_parts(**audit, after="guard" if charge else None)
    if append is None:  # not PostgreSQL: the ORM, one statement each
        decision.save(force_insert=True)
        event.save(force_insert=True)
        if record is not None:
            record.decision = decision
            record.save(force_insert=True)
        audit_record(**audit)
        return
    parts = [*(charge or ()), ("decision", *insert_statement(decision))]
    parts.append(("event", *outbox_statement(event)))
    if record is not None:
        # The decision's id is not known before the statement runs: the part that inserted it says.
        expressions = {"decision_id": ("(SELECT id FROM decision)", [])}
        parts.append(("answer", *insert_statement(record, returning_pk=False, expressions=expressions)))
    parts += append
    writes = Batch()
    # The COMMIT rides along: the first batch made sure the chain head exists.
    writes.add(*with_parts(parts, "SELECT (SELECT id FROM decision), (SELECT seq FROM entry)"), rows=True)
    decision_id, seq = writes.run(commit=True)[0][0]
    inserted(decision, decision_id)
    if seq is None:  # cannot happen: the head was created in this transaction's first batch if it was missing
        raise RuntimeError(f"organization {organization_id} has no audit chain head")
    audit_chain_known(organization_id)


def response_text(payload: dict) -> str:
    """The JSON text of an answer, as stored for replays and sent the first time (compact UTF-8)."""
    return orjson.dumps(payload).decode()


@dataclass(frozen=True)
class StoredAnswer:
    """What an Idempotency-Key answered the first time."""

    request_hash: str
    status: int
    body: str


def _stored_answer_statement(*, member: Member, key: str) -> tuple[str, list]:
    quote = connection.ops.quote_name
    table = quote(IdempotencyRecord._meta.db_table)
    return (
        f"SELECT request_hash, response_status, response_body FROM {table} "
        f"WHERE member_id = %s AND {quote('key')} = %s",
        [member.pk, key],
    )


def stored_answer(*, member: Member, key: str) -> StoredAnswer | None:
    """The stored answer to this member's key, or None (unique index on member, key)."""
    lookup = Batch()
    lookup.add(*_stored_answer_statement(member=member, key=key), rows=True)
    found = lookup.run()[0]
    return StoredAnswer(*found[0]) if found else None


def _replay(answer: StoredAnswer, request_hash_value: str) -> tuple[int, str]:
    if answer.request_hash != request_hash_value:
        raise Conflict(
            _("This Idempotency-Key was already used with a different request."), code="idempotency_conflict"
        )
    return answer.status, answer.body


def decision_submit(*, member: Member, idempotency: Idempotency | None, **fields) -> tuple[int, str]:
    """Create a decision for the API, honouring Idempotency-Key: a replay answers as the first time did.

    Returns (status, JSON text of the body). A key reused with another body is a 409; keys are per member.
    """
    if idempotency is None:
        decision = decision_create(member=member, **fields)
        return 201, response_text(decision_payload(decision))
    try:
        # The stored answer is looked up in the transaction's first batch (see _record).
        decision = decision_create(member=member, idempotency=idempotency, **fields)
    except _Answered as answered:
        return _replay(answered.answer, idempotency.request_hash)
    except (InvalidInput, Conflict, Forbidden):
        # Refused before the stored answer was read (e.g. the policy changed since the first time):
        # a retry still gets the first answer, another body with this key still gets 409.
        answer = stored_answer(member=member, key=idempotency.key)
        if answer is None:
            raise
        return _replay(answer, idempotency.request_hash)
    except IntegrityError:
        # A concurrent request with the same key committed first: everything here rolled back.
        answer = stored_answer(member=member, key=idempotency.key)
        if answer is None:
            raise
        return _replay(answer, idempotency.request_hash)
    return 201, decision.response_body


# ---------------------------------------------------------------------------
# Approvals


def check_can_answer(*, decision: Decision, member: Member) -> None:
    """A lead of the agent's team, a manager of its department, or an admin; another org's is 404."""
    if not member.organization_id or decision.organization_id != member.organization_id:
        raise NotFound()
    if not member.has_role(*ANSWERING_ROLES):
        raise Forbidden(_("Only a lead, a manager or an admin can answer requests."), code="forbidden")
    if decision.agent_id == member.pk:
        raise Forbidden(_("You cannot answer your own request."), code="own_request")
    if member.role == Role.LEAD and (not member.team_id or member.team_id != decision.team_id):
        raise Forbidden(_("Only a lead of the agent's team can answer this request."), code="not_your_team")
    if member.role == Role.MANAGER and (
        department_id_for(member) is None or department_id_for(member) != decision.department_id
    ):
        raise Forbidden(
            _("Only a manager of the agent's department can answer this request."), code="not_your_department"
        )


def _charge_on_approval(decision: Decision, snapshot: PolicySnapshot, now: datetime) -> None:
    """Charge an approved request to its budgets; hard caps refuse (409), the agent's own may be exceeded."""
    if decision.base_amount <= 0:
        return
    # The subjects the request recorded when it was made: the agent may have moved since.
    targets = budget_targets(snapshot, subjects=decision.budget_subjects, now=now)
    states = lock_budgets(decision.organization_id, targets)
    for state in states:
        if state.target.is_hard_cap and not state.allows(decision.base_amount):
            left = max(state.target.cap - state.spent, Decimal("0"))
            raise Conflict(
                _("Approving would pass a hard cap (%(budget)s): only %(left)s of %(cap)s %(currency)s left.")
                % {
                    "budget": str(budget_label(state.target.scope, state.target.period)).lower(),
                    "left": f"{left:.2f}",
                    "cap": f"{state.target.cap:.2f}",
                    "currency": snapshot.base_currency,
                },
                code="budget_exhausted",
            )
    charge_budgets(states, decision.base_amount)


def _locked_pending(decision: Decision) -> Decision:
    locked = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("customer", "gesture", "agent", "policy_version", "decided_by")
        .get(pk=decision.pk)
    )
    if locked.status != DecisionStatus.PENDING:
        raise Conflict(_("This request was already decided."), code="already_decided")
    return locked


def decision_approve(*, decision: Decision, member: Member, note: str = "") -> Decision:
    """A lead (or manager, admin) approves a pending request: it is charged and becomes protected."""
    check_can_answer(decision=decision, member=member)
    note = _clean_text(note, field="note", max_length=NOTE_MAX_LENGTH)
    snapshot = _require_policy(member)
    with transaction.atomic():
        locked = _locked_pending(decision)
        now = timezone.now()
        _charge_on_approval(locked, snapshot, now)
        locked.status = DecisionStatus.APPROVED
        locked.protected = True
        locked.decided_at = now
        locked.decided_by = member
        locked.decision_note = note
        locked.save(update_fields=["status", "protected", "decided_at", "decided_by", "decision_note"])
        audit_record(
            organization_id=locked.organization_id,
            actor_id=member.pk,
            action="decision.approved",
            object_type="decision",
            object_id=locked.public_id,
            data={"by": member.username, "note": note, "base_amount": str(locked.base_amount)},
        )
        outbox_emit(
            organization_id=locked.organization_id,
            topic="decision.approved",
            payload=_event_payload(locked, locked.policy_version.number),
        )
    return locked


def decision_decline(*, decision: Decision, member: Member, reason: str) -> Decision:
    """A lead (or manager, admin) declines a pending request with a reason for the agent; nothing is spent."""
    check_can_answer(decision=decision, member=member)
    reason = _clean_text(reason, field="reason", max_length=NOTE_MAX_LENGTH)
    if not reason:
        # The agent has to tell the customer something: "declined" alone leaves them guessing.
        raise InvalidInput(
            _("Give the agent a reason for declining: they will read it."),
            code="reason_required",
            field="reason",
        )
    with transaction.atomic():
        locked = _locked_pending(decision)
        now = timezone.now()
        locked.status = DecisionStatus.DECLINED
        locked.protected = False
        locked.decided_at = now
        locked.decided_by = member
        locked.decision_note = reason
        locked.save(update_fields=["status", "protected", "decided_at", "decided_by", "decision_note"])
        audit_record(
            organization_id=locked.organization_id,
            actor_id=member.pk,
            action="decision.declined",
            object_type="decision",
            object_id=locked.public_id,
            data={"by": member.username, "reason": reason},
        )
        outbox_emit(
            organization_id=locked.organization_id,
            topic="decision.declined",
            payload={**_event_payload(locked, locked.policy_version.number), "decline_reason": reason},
        )
    return locked


# ---------------------------------------------------------------------------
# Timeouts


def _sweep_one(now: datetime) -> str | None:
    """Take one overdue request nobody else holds, and settle it; None when there is none left."""
    with transaction.atomic():
        decision = (
            Decision.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer", "gesture", "agent", "policy_version")
            .filter(status=DecisionStatus.PENDING, escalated=False, due_at__lte=now)
            .order_by("due_at")
            .first()
        )
        if decision is None:
            return None
        # Re-check inside the lock: another worker may have settled it just before.
        if decision.status != DecisionStatus.PENDING or decision.escalated or decision.due_at > now:
            return "skipped"
        snapshot = current_policy(decision.organization_id)
        if snapshot is not None and decision.base_amount <= snapshot.auto_approve_ceiling:
            sid = transaction.savepoint()
            try:
                _charge_on_approval(decision, snapshot, now)
            except Conflict:
                transaction.savepoint_rollback(sid)
            else:
                transaction.savepoint_commit(sid)
                decision.status = DecisionStatus.APPROVED
                decision.protected = True
                decision.auto_approved = True
                decision.decided_at = now
                decision.save(update_fields=["status", "protected", "auto_approved", "decided_at"])
                audit_record(
                    organization_id=decision.organization_id,
                    action="decision.approved",
                    object_type="decision",
                    object_id=decision.public_id,
                    data={"auto_approved": True, "base_amount": str(decision.base_amount)},
                )
                outbox_emit(
                    organization_id=decision.organization_id,
                    topic="decision.approved",
                    payload=_event_payload(decision, decision.policy_version.number),
                )
                return "approved"
        minutes = snapshot.red_response_minutes if snapshot is not None else 2
        decision.escalated = True
        decision.escalated_at = now
        decision.due_at = now + timedelta(minutes=minutes)
        decision.save(update_fields=["escalated", "escalated_at", "due_at"])
        audit_record(
            organization_id=decision.organization_id,
            action="decision.escalated",
            object_type="decision",
            object_id=decision.public_id,
            data={"department": decision.department_id},
        )
        outbox_emit(
            organization_id=decision.organization_id,
            topic="decision.escalated",
            payload=_event_payload(decision, decision.policy_version.number),
        )
        return "escalated"


def decisions_sweep_overdue(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Settle requests past their response-time target, in the customer's favour where allowed.

    Within the auto-approve ceiling and the hard budgets → approved (`auto_approved`);
    otherwise escalated to the department's managers with a new target. Safe with
    several workers: each request is taken with FOR UPDATE SKIP LOCKED.
    """
    now = now or timezone.now()
    counts = {"approved": 0, "escalated": 0, "skipped": 0}
    for _i in range(limit):
        outcome = _sweep_one(now)
        if outcome is None:
            break
        counts[outcome] += 1
    return counts


def idempotency_prune(*, older_than: timedelta = timedelta(days=7), now: datetime | None = None) -> int:
    """Forget stored answers to old idempotent requests (clients retry within minutes, not weeks)."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _detail = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
