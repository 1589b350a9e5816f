"""`leeway serve` runs granian (WSGI) with the access log unless told not to."""

from unittest import mock

import pytest
from django.core.management import call_command


def _argv(*flags) -> list[str]:
    with mock.patch("os.execv") as execv:
        call_command("serve", "--no-collectstatic", *flags)
    return execv.call_args.args[1]


@pytest.mark.parametrize(("flags", "logged"), [([], True), (["--no-access-log"], False)])
def test_serve_writes_the_access_log_unless_asked_not_to(flags, logged):
    argv = _argv("--workers", "3", *flags)
    assert argv[argv.index("--workers") + 1] == "3"
    assert ("--access-log" in argv) is logged
    assert ("--no-access-log" in argv) is not logged


def test_serve_runs_the_wsgi_application_with_the_threads_asked_for():
    argv = _argv("--threads", "2", "--host", "0.0.0.0", "--port", "9000")
    assert argv[argv.index("--interface") + 1] == "wsgi"
    assert argv[-1] == "leeway.wsgi:application"
    assert argv[argv.index("--blocking-threads") + 1] == "2"
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("--port") + 1] == "9000"


def test_a_worker_freezes_what_it_loaded_and_collects_young_objects_less_often():
    import gc

    from leeway import wsgi

    threshold = gc.get_threshold()
    try:
        gc.unfreeze()
        wsgi.settle_garbage_collection()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == wsgi.YOUNG_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
