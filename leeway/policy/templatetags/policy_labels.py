"""Names for the policy's codes in the reader's language, for templates that hold only the codes."""

from django import template

from leeway.policy.budgets import BudgetPeriod, BudgetScope
from leeway.policy.budgets import budget_label as label_for_budget
from leeway.policy.models import GestureCategory

register = template.Library()


@register.filter
def budget_label(budget) -> str:
    """A budget that applies to the reader ({"scope", "period"}), e.g. "Your budget today"."""
    return label_for_budget(budget["scope"], budget["period"])


@register.filter
def budget_scope(code: str) -> str:
    """A budget scope's name ("site" → "Site"); an unknown code stays as it is."""
    return _label(BudgetScope, code)


@register.filter
def budget_period(code: str) -> str:
    """A budget period's name ("day" → "Day"); an unknown code stays as it is."""
    return _label(BudgetPeriod, code)


def _label(choices, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


@register.filter
def gesture_category(code: str) -> str:
    """A gesture category's name ("fee_waiver" → "Fee waiver"); an unknown code stays as it is."""
    return _label(GestureCategory, code)
