"""`leeway worker`: run background tasks, the periodic sweep of overdue requests, the daily value refit and
webhook delivery (integrations' delivery round, about every second).

    leeway worker [--sweep-interval 15] [--interval 1] [--queue-name default] [--once]

With the database task backend (the default outside tests) it runs
django-tasks-db's worker loop, and a scheduler thread enqueues the overdue
sweep every `--sweep-interval` seconds. Start as many workers as you like:
a database row (`PeriodicJob`) lets exactly one of them enqueue each round,
and the sweep itself takes each request with FOR UPDATE SKIP LOCKED.
With the immediate backend (LEEWAY_TASKS_IMMEDIATE=true) the sweep simply
runs in this process every interval.

`leeway serve` starts one with `--parent-pid` in the embedded default: it
stops (gracefully, as on SIGTERM) once that process is gone.
"""

import logging
import os
import signal
import threading
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connections
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, task_backends
from django_tasks_db.backend import DatabaseBackend

from leeway.decisions.scheduling import SWEEP_JOB, periodic_claim, schedule_registered
from leeway.decisions.tasks import sweep_overdue_decisions
from leeway.integrations.services import delivery_round
from leeway.value.tasks import value_refresh_all

VALUE_REFRESH_JOB = "value.refresh_all"

logger = logging.getLogger("leeway.worker")


def parent_alive(parent_pid: int) -> bool:
    """True while the process that started this worker is still its parent (an orphan is re-parented)."""
    return os.getppid() == parent_pid


def stop_when_parent_exits(parent_pid: int, *, poll: float = 1.0) -> None:
    """Wait for the parent to go, then stop this worker as SIGTERM does (a running task finishes first)."""
    while parent_alive(parent_pid):
        time.sleep(poll)
    logger.info("The server that started this worker (pid %s) has stopped; stopping too.", parent_pid)
    os.kill(os.getpid(), signal.SIGTERM)


def schedule_sweep(*, worker_id: str, interval: float) -> bool:
    """Enqueue one sweep if this worker wins the round; True when it did."""
    if not periodic_claim(name=SWEEP_JOB, interval=timedelta(seconds=interval), worker_id=worker_id):
        return False
    sweep_overdue_decisions.enqueue()
    return True


def schedule_value_refresh(*, worker_id: str, interval: float) -> bool:
    """Enqueue the lifetime-value refit of every organization when its round comes (daily by default)."""
    if not periodic_claim(name=VALUE_REFRESH_JOB, interval=timedelta(seconds=interval), worker_id=worker_id):
        return False
    value_refresh_all.enqueue()
    return True


def deliver_webhooks(*, worker_id: str, interval: float) -> None:
    """Run webhook delivery rounds for ever: at once again while there is work, else every `interval`."""
    failing = False
    while True:
        close_old_connections()
        try:
            result = delivery_round(worker_id=worker_id)
            busy = result["delivered"] or result["fanned_out"] > 0
            if failing:
                logger.info("Webhook delivery works again.")
            failing = False
        except Exception:
            # A database hiccup must not stop deliveries; the next round retries. Said once per outage,
            # not every second.
            if not failing:
                logger.exception("Webhook delivery round failed")
            failing, busy = True, False
        if not busy:
            time.sleep(interval)


class Command(BaseCommand):
    help = "Run background tasks and the periodic sweep of overdue requests (safe to run several)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=15.0,
            help="Seconds between sweeps of overdue requests (default 15).",
        )
        parser.add_argument(
            "--value-refresh-hours",
            type=float,
            default=24.0,
            help="Hours between refits of customer lifetime values (default 24).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between polls for tasks when idle (default 1).",
        )
        parser.add_argument(
            "--queue-name", default=DEFAULT_TASK_QUEUE_NAME, help="Queues to process, comma-separated."
        )
        parser.add_argument("--worker-id", default="", help="Unique id of this worker (default: random).")
        parser.add_argument(
            "--once", action="store_true", help="Schedule one sweep round, run every queued task, then exit."
        )
        parser.add_argument(
            "--parent-pid",
            type=int,
            default=None,
            help="Stop when this process is no longer the worker's parent (`leeway serve` passes its own).",
        )

    def handle(
        self,
        *args,
        sweep_interval,
        interval,
        queue_name,
        worker_id,
        once,
        value_refresh_hours,
        parent_pid=None,
        **options,
    ):
        if sweep_interval <= 0 or interval < 0 or value_refresh_hours <= 0:
            raise CommandError(
                "--sweep-interval and --value-refresh-hours must be positive, --interval not negative."
            )
        if parent_pid is not None:
            if not parent_alive(parent_pid):
                return  # the server is already gone
            threading.Thread(
                target=stop_when_parent_exits, args=(parent_pid,), name="leeway-parent-watch", daemon=True
            ).start()
        self.value_refresh_seconds = value_refresh_hours * 3600
        worker_id = worker_id or get_random_string(32)
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        uses_database = isinstance(backend, DatabaseBackend)
        if once:
            schedule_sweep(worker_id=worker_id, interval=sweep_interval)
            schedule_registered(worker_id=worker_id)
            if uses_database:
                self._database_worker(queue_name, interval, worker_id, batch=True).run()
            delivery_round(worker_id=worker_id)
            return
        threading.Thread(
            target=deliver_webhooks,
            kwargs={"worker_id": worker_id, "interval": max(interval, 0.2)},
            name="leeway-webhooks",
            daemon=True,
        ).start()
        if not uses_database:
            self.stdout.write("Immediate task backend: sweeping in this process.")
            self._scheduler_loop(worker_id, sweep_interval)
            return
        scheduler = threading.Thread(
            target=self._scheduler_loop,
            args=(worker_id, sweep_interval),
            name="leeway-scheduler",
            daemon=True,
        )
        scheduler.start()
        self.stdout.write(f"Worker {worker_id} processing {queue_name}; sweeping every {sweep_interval:g} s.")
        worker = self._database_worker(queue_name, interval, worker_id, batch=False)
        worker.configure_signals()
        worker.run()

    def _database_worker(self, queue_name: str, interval: float, worker_id: str, *, batch: bool):
        from django_tasks_db.management.commands.db_worker import Worker

        return Worker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=not batch,
            max_tasks=None,
            worker_id=worker_id[:64],
            excluded_queue_names=[],
        )

    def _scheduler_loop(self, worker_id: str, sweep_interval: float) -> None:
        while True:
            close_old_connections()
            try:
                schedule_sweep(worker_id=worker_id, interval=sweep_interval)
                schedule_value_refresh(worker_id=worker_id, interval=self.value_refresh_seconds)
                schedule_registered(worker_id=worker_id)  # the higher apps' jobs (the weekly digest)
            except Exception:
                # A database hiccup must not kill the schedule; the next round retries.
                logger.exception("Scheduling periodic work failed")
            finally:
                if threading.current_thread() is not threading.main_thread():
                    connections.close_all()
            time.sleep(sweep_interval)
