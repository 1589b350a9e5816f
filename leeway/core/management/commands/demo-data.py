"""`leeway demo-data`: load the demo organizations, people, policy and customers.

Each app that has demo data keeps it in its own `demo.py` with a `load()`
function; they run in INSTALLED_APPS order. Running it twice changes nothing.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load the demo data of API.md (idempotent)."

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            if not config.name.startswith("leeway."):
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.demo":
                    raise
                continue
            with transaction.atomic():
                summary = module.load()
            self.stdout.write(f"{config.label}: {summary}")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Password for every demo user: demo-pass-1"))
