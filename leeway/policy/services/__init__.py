"""Writes to the policy: the draft catalogue, tiers, rules, budgets, settings, rates, and publishing.

Admins edit the draft rows; nothing they change reaches a decision until
`policy_publish` freezes the draft into a new immutable version.
"""

from leeway.policy.services._common import UNSET
from leeway.policy.services.catalogue import (
    budget_create,
    budget_delete,
    budget_update,
    gesture_create,
    gesture_update,
    policy_settings_for,
    policy_settings_update,
    rule_create,
    rule_delete,
    rule_set,
    rule_update,
    tier_create,
    tier_update,
)
from leeway.policy.services.publishing import (
    latest_version,
    policy_diff,
    policy_publish,
)
from leeway.policy.services.rates import (
    RatesImportError,
    rate_delete,
    rate_set,
    rates_import_csv,
)

__all__ = [
    "UNSET",
    "RatesImportError",
    "budget_create",
    "budget_delete",
    "budget_update",
    "gesture_create",
    "gesture_update",
    "latest_version",
    "policy_diff",
    "policy_publish",
    "policy_settings_for",
    "policy_settings_update",
    "rate_delete",
    "rate_set",
    "rates_import_csv",
    "rule_create",
    "rule_delete",
    "rule_set",
    "rule_update",
    "tier_create",
    "tier_update",
]
