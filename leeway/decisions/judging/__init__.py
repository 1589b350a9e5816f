"""Judging a gesture into a zone, as pure functions of what the store read.

- `rules`: `evaluate` (limits, per-customer caps, budgets) and `budget_targets`;
- `reasons`: the reasons as sentences in the reader's language.

Reading and charging the inputs is the store's (`leeway.decisions.store`).
"""

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
    "BudgetState",
    "BudgetTarget",
    "CapUsage",
    "Judgement",
    "budget_targets",
    "evaluate",
    "reason_message",
    "render_reasons",
]
