"""`leeway serve`: the production server (granian, WSGI; whitenoise serves static files).

granian rather than gunicorn: its HTTP layer is Rust and keeps client connections alive, where
gunicorn's sync worker closes every connection and waits for the client's side of the close before it
takes the next request. On the decision benchmark (bench/README.md) that was 18 to 31 % more decisions
per second with the same two workers, in alternating runs.

In the embedded default (`LEEWAY_EMBEDDED_WORKER`, on with SQLite) it also starts `leeway worker` in a
child process, so overdue requests are settled and imports and value refreshes run in the background
with no extra command. The worker is told this process's id and stops when it is gone.
"""

import argparse
import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Leeway with granian (not runserver): DEBUG off, static files included."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("LEEWAY_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("LEEWAY_WORKERS", "2")))
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("LEEWAY_THREADS", "1")),
            help="Threads per worker running requests (each keeps its own database connection).",
        )
        parser.add_argument("--no-collectstatic", action="store_true", help="Skip collecting static files.")
        parser.add_argument(
            "--worker",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Also run `leeway worker` in a child process (default: LEEWAY_EMBEDDED_WORKER).",
        )
        parser.add_argument(
            "--no-access-log",
            action="store_true",
            help="Do not write a line per request to standard output (e.g. behind a proxy that logs them).",
        )

    def handle(self, *args, **options):
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--workers",
            str(options["workers"]),
            "--blocking-threads",
            str(options["threads"]),
            "--runtime-threads",
            "1",  # the HTTP side of a worker; one keeps up with the Python side here
            "--no-ws",
            "--workers-kill-timeout",
            "10",  # seconds a stopping worker gets to finish its requests
            "--respawn-failed-workers",
            "--access-log" if not options["no_access_log"] else "--no-access-log",
            "leeway.wsgi:application",
        ]
        with_worker = settings.LEEWAY_EMBEDDED_WORKER if options["worker"] is None else options["worker"]
        if with_worker:
            self.start_worker()
        self.stdout.write(f"Leeway at http://{options['host']}:{options['port']}/ (Ctrl+C stops it)")
        self.stdout.flush()
        # exec, so granian receives the terminal's signals directly.
        os.execv(sys.executable, argv)  # noqa: S606 - fixed argv, no shell

    def start_worker(self) -> subprocess.Popen:
        """`leeway worker` beside the server; it exits when this process (granian after the exec) is gone.

        It stays in the terminal's process group, so Ctrl+C stops it with the server.
        """
        argv = [sys.executable, "-m", "leeway", "worker", "--parent-pid", str(os.getpid())]
        self.stdout.write("Background worker started (overdue sweep, imports, value refreshes).")
        return subprocess.Popen(argv)  # noqa: S603 - fixed argv, no shell
