"""`leeway worker`: one worker wins each sweep round; the sweep runs as a task."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from leeway.decisions.models import DecisionStatus, PeriodicJob
from leeway.decisions.scheduling import SWEEP_JOB, periodic_claim
from leeway.decisions.services import decision_create
from leeway.decisions.tasks import sweep_overdue_decisions


def test_only_one_worker_wins_each_round(db):
    now = timezone.now()
    interval = timedelta(seconds=15)
    assert periodic_claim(name=SWEEP_JOB, interval=interval, worker_id="a", now=now) is True
    assert periodic_claim(name=SWEEP_JOB, interval=interval, worker_id="b", now=now) is False
    assert (
        periodic_claim(name=SWEEP_JOB, interval=interval, worker_id="b", now=now + timedelta(seconds=14))
        is False
    )
    assert periodic_claim(name=SWEEP_JOB, interval=interval, worker_id="b", now=now + interval) is True
    job = PeriodicJob.objects.get(name=SWEEP_JOB)
    assert (job.last_worker, job.next_run_at) == ("b", now + 2 * interval)


def overdue_request(world, time_machine):
    time_machine.move_to("2026-03-02 15:00:00+00:00", tick=False)
    decision = decision_create(
        member=world.agent,
        customer="C-1001",
        gesture="upgrade",
        amount="10.00",
        currency="USD",
        reason="other",
    )
    time_machine.move_to("2026-03-02 15:02:00+00:00", tick=False)
    return decision


def test_the_sweep_task_settles_overdue_requests(world, time_machine):
    decision = overdue_request(world, time_machine)
    result = sweep_overdue_decisions.enqueue()
    assert result.return_value["approved"] == 1
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED


def test_worker_once_sweeps_with_the_immediate_backend(world, time_machine):
    decision = overdue_request(world, time_machine)
    call_command("worker", "--once", "--worker-id", "test-worker")
    decision.refresh_from_db()
    assert decision.auto_approved
    assert PeriodicJob.objects.get(name=SWEEP_JOB).last_worker == "test-worker"


@pytest.mark.django_db(transaction=True)
def test_worker_once_enqueues_and_runs_the_sweep_with_the_database_backend(settings, aurora, time_machine):
    from django_tasks_db.models import DBTaskResult

    from leeway.decisions.tests.conftest import build_world

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    world = build_world(aurora)
    decision = overdue_request(world, time_machine)
    call_command("worker", "--once", "--worker-id", "db-worker")
    decision.refresh_from_db()
    assert decision.auto_approved
    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL"
    assert task.return_value["approved"] == 1
    # A second worker in the same round does not enqueue another sweep.
    call_command("worker", "--once", "--worker-id", "db-worker-2")
    assert DBTaskResult.objects.count() == 1


def test_the_value_refit_is_scheduled_once_per_round(db, monkeypatch):
    from types import SimpleNamespace

    from leeway.decisions.management.commands import worker

    enqueued = []
    monkeypatch.setattr(worker, "value_refresh_all", SimpleNamespace(enqueue=lambda: enqueued.append(1)))
    assert worker.schedule_value_refresh(worker_id="a", interval=86400) is True
    assert worker.schedule_value_refresh(worker_id="b", interval=86400) is False
    assert enqueued == [1]


def test_a_worker_started_by_the_server_stops_when_the_server_is_gone(tmp_path):
    """The embedded worker must not outlive `leeway serve`: an orphan is re-parented and stops."""
    import os
    import subprocess
    import sys
    import time

    env = {
        **os.environ,
        "LEEWAY_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "LEEWAY_TASKS_IMMEDIATE": "true",
        "DJANGO_SETTINGS_MODULE": "leeway.settings",
    }
    # A stand-in server: it starts the worker with its own pid, reports the worker's pid, then waits.
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, subprocess, sys, time\n"
            "argv = [sys.executable, '-m', 'leeway', 'worker', '--parent-pid', str(os.getpid())]\n"
            "worker = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
            "print(worker.pid, flush=True)\n"
            "time.sleep(60)\n",
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    worker_pid = int(server.stdout.readline())
    try:
        time.sleep(3)  # the worker is up and sweeping (its loop runs with or without tables)
        assert _running(worker_pid)
        server.kill()
        server.wait()
        deadline = time.monotonic() + 15
        while _running(worker_pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _running(worker_pid)
    finally:
        server.kill()
        if _running(worker_pid):
            os.kill(worker_pid, 9)


def _running(pid: int) -> bool:
    """True while the process exists and is not a zombie (an orphan's zombie is reaped by init)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
