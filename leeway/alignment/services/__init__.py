"""Writes of the alignment app: charters, feedback, concerns, disputes, refused reversals and pulses.

Each is keyword-only, in one transaction, with an audit entry and an outbox event, except a pulse
answer: it is anonymous, so it writes no audit entry (an entry names its actor and its moment).
Invariant 4 lives here, not in a form: feedback on a protected decision is praise or coaching, and
"reckless" is never a protected decision's behaviour; a refused attempt is recorded against the
author's backing, and the agent's record is not touched.
"""

from leeway.alignment.services.charters import (
    charter_publish,
    charter_sign,
)
from leeway.alignment.services.common import (
    FEEDBACK_ROLES,
    RESOLVING_ROLES,
    _decision_ref,
    _first_name,
    _same_organization,
    clean_text,
)
from leeway.alignment.services.disputes import (
    check_can_resolve,
    dispute_open,
    dispute_resolve,
)
from leeway.alignment.services.feedback import (
    _record_backing_event,
    _refuse_negative,
    check_can_review,
    concern_raise,
    feedback_give,
    proposal_answer,
)
from leeway.alignment.services.pulses import (
    _score,
    pulse_answer,
    pulse_schedule,
)
from leeway.alignment.services.reversals import (
    ReversalAttempt,
    decision_reverse,
    record_refused_change,
)

__all__ = [
    "FEEDBACK_ROLES",
    "RESOLVING_ROLES",
    "ReversalAttempt",
    "_decision_ref",
    "_first_name",
    "_record_backing_event",
    "_refuse_negative",
    "_same_organization",
    "_score",
    "charter_publish",
    "charter_sign",
    "check_can_resolve",
    "check_can_review",
    "clean_text",
    "concern_raise",
    "decision_reverse",
    "dispute_open",
    "dispute_resolve",
    "feedback_give",
    "proposal_answer",
    "pulse_answer",
    "pulse_schedule",
    "record_refused_change",
]
