"""The `leeway` command: Django's management runner with Leeway's settings."""

import os
import sys


def main() -> None:
    """Run a management command (`leeway migrate`, `leeway serve`, ...)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leeway.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
