"""Signals other apps listen to, so customers needs no import of them (value refreshes after an import)."""

from django.dispatch import Signal

# Sent with `job` (an ImportJob) when a CSV import has written its rows, from the page or the command line.
import_succeeded = Signal()
