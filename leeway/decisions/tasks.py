"""Background work of the decision engine: the periodic sweep of overdue requests.

`leeway worker` enqueues `sweep_overdue_decisions` every few seconds (one
worker wins each round, see `scheduling.periodic_claim`) and runs it like
any other task. With the immediate backend (tests, a demo without a worker)
enqueueing runs it inline.
"""

from django_tasks import task

from leeway.decisions.services import decisions_sweep_overdue, idempotency_prune


@task()
def sweep_overdue_decisions() -> dict:
    """Settle requests past their response-time target, then forget old idempotent answers."""
    counts = decisions_sweep_overdue()
    counts["idempotency_pruned"] = idempotency_prune()
    return counts
