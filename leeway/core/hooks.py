"""A reader a lower app asks for and a higher app provides, so that imports only point down the layers.

The apps are layered (core ← people ← policy ← customers ← value ← decisions; `core/tests/test_layout.py`
keeps it so). Now and then a lower app shows something only a higher one knows: `GET /api/v1/me`
(people) lists the member's budgets (policy), the customer card (customers) lists the customer's recent
decisions (decisions) and says why a value is missing (value). The lower app declares a `Hook` with
what it shows when no app provides one; the higher app provides the reader from its
`AppConfig.ready()`, where Django runs start-up registrations (as it does for signal receivers).
"""

from collections.abc import Callable
from typing import Any


class Hook:
    """One named reader, provided by the app that knows the answer; `default` until then."""

    def __init__(self, name: str, *, default: Callable[..., Any]):
        self.name = name
        self.default = default
        self.reader: Callable[..., Any] | None = None

    def provide(self, reader: Callable[..., Any]) -> None:
        # Replacing (not refusing) a reader keeps a repeated ready() harmless: Django may call it again
        # in tests that reload the app registry.
        self.reader = reader

    def __call__(self, *args, **kwargs):
        return (self.reader or self.default)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {'provided' if self.reader else 'default'}>"
