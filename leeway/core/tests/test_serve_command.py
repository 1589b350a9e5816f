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
