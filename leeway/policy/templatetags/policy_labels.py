"""Names for the policy's codes in the reader's language, for templates that hold only the codes."""

from django import template

from leeway.policy.budgets import budget_label as label_for_budget

register = template.Library()


@register.filter
def budget_label(budget) -> str:
    """A budget that applies to the reader ({"scope", "period"}), e.g. "Your budget today"."""
    return label_for_budget(budget["scope"], budget["period"])
