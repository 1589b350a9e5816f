"""What the alignment app does when the decision engine tells it something."""

from leeway.alignment.services import record_refused_change as record_refused


def record_refused_change(sender, *, decision, member, attempt, **kwargs) -> None:
    """The engine refused to undo an approved decision: count it on the member's backing."""
    record_refused(decision=decision, member=member, attempt=attempt)
