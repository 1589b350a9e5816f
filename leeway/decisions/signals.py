"""Signals the decision engine sends for apps above it (they connect in their AppConfig.ready())."""

from django.dispatch import Signal

# Someone tried to undo an approved decision (decline it after approval, reverse it, charge it to
# someone): refused with a 409. Sent with `decision`, `member` (who tried) and `attempt` (a short code),
# after the refusal, outside any transaction of the engine. The alignment app counts it against the
# member's backing of their agents.
approved_decision_change_refused = Signal()
