"""`leeway serve` runs gunicorn with the access log unless told not to."""

from unittest import mock

import pytest
from django.core.management import call_command


@pytest.mark.parametrize(("flags", "logged"), [([], True), (["--no-access-log"], False)])
def test_serve_writes_the_access_log_unless_asked_not_to(flags, logged):
    with mock.patch("os.execv") as execv:
        call_command("serve", "--no-collectstatic", "--workers", "3", *flags)
    argv = execv.call_args.args[1]
    assert argv[argv.index("--workers") + 1] == "3"
    assert ("--access-logfile" in argv) is logged


def test_serve_loads_the_worker_hooks():
    with mock.patch("os.execv") as execv:
        call_command("serve", "--no-collectstatic")
    argv = execv.call_args.args[1]
    assert argv[argv.index("--config") + 1] == "python:leeway.gunicorn_conf"


def test_a_worker_freezes_what_it_loaded_and_collects_young_objects_less_often():
    import gc

    from leeway import gunicorn_conf

    threshold = gc.get_threshold()
    try:
        gunicorn_conf.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == gunicorn_conf.YOUNG_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
