"""Judging a gesture into a zone.

- `rules`: the pure part — `evaluate` (limits, per-customer caps, budgets) and `budget_targets`;
- `inputs`: the database side — reading a decision's inputs, locking and charging its counters;
- `reasons`: the reasons as sentences in the reader's language.
"""

from leeway.decisions.judging.inputs import (
    BUDGET_FILLED_UP_SQLSTATE,
    CUSTOMER_FIELDS,
    CustomerKey,
    LockedInputs,
    cap_usage_for,
    charge_budgets,
    charge_statement,
    charged_states,
    department_id_for,
    guarded_charge_parts,
    is_budget_filled_up,
    lock_budgets,
    lock_inputs,
    read_budgets,
)
from leeway.decisions.judging.reasons import reason_message, render_reasons
from leeway.decisions.judging.rules import (
    BudgetState,
    BudgetTarget,
    CapUsage,
    Judgement,
    budget_targets,
    evaluate,
)

__all__ = [
    "BUDGET_FILLED_UP_SQLSTATE",
    "CUSTOMER_FIELDS",
    "BudgetState",
    "BudgetTarget",
    "CapUsage",
    "CustomerKey",
    "Judgement",
    "LockedInputs",
    "budget_targets",
    "cap_usage_for",
    "charge_budgets",
    "charge_statement",
    "charged_states",
    "department_id_for",
    "evaluate",
    "guarded_charge_parts",
    "is_budget_filled_up",
    "lock_budgets",
    "lock_inputs",
    "read_budgets",
    "reason_message",
    "render_reasons",
]
