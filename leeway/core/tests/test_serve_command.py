"""`leeway serve` runs granian (WSGI) with the access log unless told not to."""

import os
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


def _serve(settings, *flags, embedded: bool):
    settings.LEEWAY_EMBEDDED_WORKER = embedded
    with mock.patch("os.execv") as execv, mock.patch("subprocess.Popen") as popen:
        call_command("serve", "--no-collectstatic", *flags)
    return execv, popen


def test_the_embedded_default_serves_with_the_background_worker_beside_it(settings):
    import os
    import sys

    execv, popen = _serve(settings, embedded=True)
    worker_argv = popen.call_args.args[0]
    assert worker_argv[:4] == [sys.executable, "-m", "leeway", "worker"]
    # The worker watches this process, which granian replaces with the same id.
    assert worker_argv[worker_argv.index("--parent-pid") + 1] == str(os.getpid())
    assert execv.call_args.args[1][-1] == "leeway.wsgi:application"


def test_production_serves_without_a_worker_unless_asked(settings):
    _execv, popen = _serve(settings, embedded=False)
    popen.assert_not_called()
    _execv, popen = _serve(settings, "--worker", embedded=False)
    popen.assert_called_once()
    _execv, popen = _serve(settings, "--no-worker", embedded=True)
    popen.assert_not_called()


def test_the_embedded_worker_is_on_by_default_with_sqlite_only():
    import subprocess
    import sys

    def embedded(database_url: str) -> str:
        code = "from django.conf import settings; print(settings.LEEWAY_EMBEDDED_WORKER)"
        env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "leeway.settings"}
        env.pop("LEEWAY_EMBEDDED_WORKER", None)
        return subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    assert embedded("sqlite:////tmp/leeway-settings-check.sqlite3") == "True"
    assert embedded("postgres://postgres@127.0.0.1:5432/none") == "False"
