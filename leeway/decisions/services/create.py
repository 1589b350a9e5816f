"""Recording a decision: judged and written in one transaction, with Idempotency-Key replays.

Every write runs in one transaction with its audit entry and outbox event, so either all of it
happens or none of it. Money moves (budget counters are charged) only when a decision is approved,
and the store's charge refuses any that would pass a cap, so approved spend never passes one.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

import orjson
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.core.batch import instance_from_row
from leeway.core.errors import Conflict, Forbidden, InvalidInput
from leeway.core.models import OutboxEvent
from leeway.decisions.models import (
    Decision,
    DecisionStatus,
    IdempotencyRecord,
    Zone,
)
from leeway.decisions.selectors import decision_payload
from leeway.decisions.services.inputs import (
    IDEMPOTENCY_KEY_RE,
    DecisionInput,
    _customer_from_lookup,
    _judge,
    decision_input,
)
from leeway.decisions.store import AnswerKey, BudgetRefused, Charge, DecisionWrite, StoredAnswer, store
from leeway.people.models import Member
from leeway.policy.models import Gesture, PolicyVersion
from leeway.policy.selectors import budget_subjects_for
from leeway.policy.snapshot import GestureEntry, PolicySnapshot


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


def event_payload(decision: Decision, snapshot_number: int) -> dict:
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
    except BudgetRefused:
        # A budget read without its lock filled up before the charge: judge again with it locked.
        return _record(member=member, data=data, idempotency=idempotency, optimistic=False)


def _record(*, member: Member, data: DecisionInput, idempotency: Idempotency | None, optimistic: bool):
    """Judge and write in one transaction, through the store: read the inputs, judge, write.

    Optimistically (PostgreSQL's store) the budget counters are read without their locks: every
    decision charges the organization's counters, so holding them from the first read to the
    commit would serialise everything. The write then charges them refused by the database unless
    every counter still fits; if a budget filled up since it was read, all of it rolls back
    (BudgetRefused) and the decision is judged again with the counters locked from the start
    (`optimistic=False`). Spent only ever grows, so a red judged on an unlocked read stays red, and
    a zone judged on it stays right as long as every budget still fits. The budget figures in the
    reasons are those read for judging.
    """
    snapshot = data.snapshot
    organization_id = member.organization_id
    answer = AnswerKey(member_id=member.pk, key=idempotency.key) if idempotency is not None else None
    with transaction.atomic():
        now = timezone.now()
        _rule, inputs, judgement = _judge(
            member=member, data=data, now=now, deciding=True, optimistic=optimistic, answer=answer
        )
        if inputs.answer is not None:
            raise _Answered(inputs.answer)
        data = _customer_from_lookup(data, inputs)
        if judgement.zone == Zone.AMBER and not data.justification:
            raise InvalidInput(
                _("Above your green limit: add one line of why (a justification)."),
                code="justification_required",
                field="justification",
            )
        approved = judgement.zone in (Zone.GREEN, Zone.AMBER)
        subjects = budget_subjects_for(member)
        decision = Decision(
            customer=data.customer,
            agent=member,
            gesture=_known_gesture(data.gesture, organization_id),
            policy_version=_known_version(snapshot),
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
        charge = Charge(budgets=judgement.budgets, amount=data.base_amount) if approved else None
        store().write(
            _decision_write(decision, member=member, data=data, idempotency=idempotency), charge=charge
        )
    return decision


def _decision_write(
    decision: Decision, *, member: Member, data: DecisionInput, idempotency: Idempotency | None
) -> DecisionWrite:
    """What recording `decision` writes besides it: its audit entry, outbox event and stored answer."""
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
    event = OutboxEvent(
        organization_id=organization_id,
        topic=action,
        payload=event_payload(decision, snapshot.number),
    )
    record = None
    if idempotency is not None:
        decision.response_body = response_text(decision_payload(decision))
        record = IdempotencyRecord(
            member=member,
            organization_id=organization_id,
            key=idempotency.key,
            request_hash=idempotency.request_hash,
            response_status=201,
            response_body=decision.response_body,
        )
    return DecisionWrite(decision=decision, event=event, audit=audit, answer=record)


def response_text(payload: dict) -> str:
    """The JSON text of an answer, as stored for replays and sent the first time (compact UTF-8)."""
    return orjson.dumps(payload).decode()


def stored_answer(*, member: Member, key: str) -> StoredAnswer | None:
    """The stored answer to this member's key, or None (unique index on member, key)."""
    found = (
        IdempotencyRecord.objects.filter(member_id=member.pk, key=key)
        .values_list("request_hash", "response_status", "response_body")
        .first()
    )
    return StoredAnswer(*found) if found is not None else None


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
        # The stored answer is read with the decision's inputs (see _record).
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
