"""Training's writes, by concern: modules and scenarios, attempts and review, certifications and tiers."""

from leeway.training.services.attempts import attempt_start, attempt_submit, review_answer
from leeway.training.services.modules import (
    TRAINING_ROLES,
    certification_waive,
    check_trainer,
    module_create,
    module_update,
    scenario_create,
    scenario_delete,
    training_settings_for,
    training_settings_update,
)
from leeway.training.services.tiers import (
    CONFIRMING_ROLES,
    certification_state,
    certified_for,
    latest_certifications,
    may_confirm,
    tier_proposal_confirm,
    tier_proposal_dismiss,
    track_record,
    track_record_proposals,
)

__all__ = [
    "CONFIRMING_ROLES",
    "TRAINING_ROLES",
    "attempt_start",
    "attempt_submit",
    "certification_state",
    "certification_waive",
    "certified_for",
    "check_trainer",
    "latest_certifications",
    "may_confirm",
    "module_create",
    "module_update",
    "review_answer",
    "scenario_create",
    "scenario_delete",
    "tier_proposal_confirm",
    "tier_proposal_dismiss",
    "track_record",
    "track_record_proposals",
    "training_settings_for",
    "training_settings_update",
]
