"""The `leeway` command: Django's management runner with Leeway's settings."""

import os
import sys


def main() -> None:
    """Run a management command (`leeway migrate`, `leeway serve`, ...)."""
    if sys.argv[1:3] == ["value", "fit"]:
        # A summary file's fit needs no database: skip Django's start-up (leeway/value/model/cli.py).
        from leeway.value.model.cli import main as fit_main

        sys.exit(fit_main(sys.argv[3:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leeway.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
