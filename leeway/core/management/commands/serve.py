"""`leeway serve`: the production server (gunicorn; whitenoise serves static files)."""

import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Leeway with gunicorn (not runserver): DEBUG off, static files included."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("LEEWAY_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("LEEWAY_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("LEEWAY_THREADS", "1")))
        parser.add_argument("--no-collectstatic", action="store_true", help="Skip collecting static files.")
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
            "gunicorn",
            "leeway.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--graceful-timeout",
            "10",
            "--config",
            "python:leeway.gunicorn_conf",
        ]
        if not options["no_access_log"]:
            argv += ["--access-logfile", "-"]
        self.stdout.write(f"Leeway at http://{options['host']}:{options['port']}/ (Ctrl+C stops it)")
        self.stdout.flush()
        # exec, so gunicorn receives the terminal's signals directly.
        os.execv(sys.executable, argv)  # noqa: S606 - fixed argv, no shell
