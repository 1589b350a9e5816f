"""What the value app does when other apps' signals fire: refresh values after a customer import."""

from django.dispatch import receiver

from leeway.customers.signals import import_succeeded
from leeway.value.services import value_refresh_after_import


@receiver(import_succeeded, dispatch_uid="value.refresh_after_import")
def refresh_after_import(sender, *, job, **kwargs) -> None:
    value_refresh_after_import(job=job)
