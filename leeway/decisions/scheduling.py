"""Periodic jobs shared by several workers: a database row decides who runs each round.

`periodic_claim` moves the job's `next_run_at` forward with one conditional
UPDATE; only the worker whose update matched the row runs that round. On
PostgreSQL a concurrent claimer waits for the row lock and then no longer
matches; on SQLite writers are serialised anyway.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from leeway.decisions.models import PeriodicJob

SWEEP_JOB = "decisions.sweep_overdue"


def periodic_claim(*, name: str, interval: timedelta, worker_id: str, now: datetime | None = None) -> bool:
    """True if this worker won the current round of the job (and the next round is `interval` away)."""
    now = now or timezone.now()
    PeriodicJob.objects.bulk_create([PeriodicJob(name=name, next_run_at=now)], ignore_conflicts=True)
    won = PeriodicJob.objects.filter(name=name, next_run_at__lte=now).update(
        next_run_at=now + interval, last_run_at=now, last_worker=worker_id[:64]
    )
    return won == 1


@dataclass(frozen=True)
class PeriodicWork:
    """A periodic job of an app above decisions (the worker cannot import it): what to enqueue, how often."""

    name: str
    interval: timedelta
    enqueue: Callable[[], object]


# Provided from the higher apps' AppConfig.ready() (e.g. recognition's weekly digest), by name.
PERIODIC_WORK: dict[str, PeriodicWork] = {}


def periodic_register(work: PeriodicWork) -> None:
    PERIODIC_WORK[work.name] = work  # replacing keeps a repeated ready() harmless


def schedule_registered(*, worker_id: str, now: datetime | None = None) -> list[str]:
    """Enqueue each registered job whose round this worker wins; the names of those enqueued."""
    started = []
    for work in list(PERIODIC_WORK.values()):
        if periodic_claim(name=work.name, interval=work.interval, worker_id=worker_id, now=now):
            work.enqueue()
            started.append(work.name)
    return started
