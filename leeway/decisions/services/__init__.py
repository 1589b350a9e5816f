"""Writes of the decision engine, one module per concern.

- `inputs`: a decision's input checked and resolved, judged, previewed;
- `create`: judged and recorded in one transaction, Idempotency-Key replays;
- `approvals`: a lead approves or declines a red request;
- `sweep`: overdue requests settled or escalated, old keys pruned.
"""

from leeway.decisions.services.approvals import check_can_answer, decision_approve, decision_decline
from leeway.decisions.services.create import (
    Idempotency,
    StoredAnswer,
    decision_create,
    decision_submit,
    request_hash,
    response_text,
    stored_answer,
    validate_idempotency_key,
)
from leeway.decisions.services.inputs import (
    DECIDING_ROLES,
    DecisionInput,
    Preview,
    decision_input,
    decision_preview,
)
from leeway.decisions.services.sweep import decisions_sweep_overdue, idempotency_prune

__all__ = [
    "DECIDING_ROLES",
    "DecisionInput",
    "Idempotency",
    "Preview",
    "StoredAnswer",
    "check_can_answer",
    "decision_approve",
    "decision_create",
    "decision_decline",
    "decision_input",
    "decision_preview",
    "decision_submit",
    "decisions_sweep_overdue",
    "idempotency_prune",
    "request_hash",
    "response_text",
    "stored_answer",
    "validate_idempotency_key",
]
