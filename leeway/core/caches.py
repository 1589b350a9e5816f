"""Every cache Leeway keeps per process, in one list, with one reset.

Two kinds sit here. Data memos hold rows for a moment or forever where the rows never change
(the near-cache in front of Django's cache, parsed policy versions, token → member, audit chain
heads and budget counters known to exist); each also invalidates itself on the writes that change
it. Text memos hold what depends only on the code and the database vendor (statement texts,
reason sentences per language, number separators).

A module that keeps one registers it here, beside its definition: `memo()` for a function's
results, `register()` for anything else. `clear_all()` empties them all; the tests call it around
every test (the root conftest.py), because test databases roll back and reuse ids. Django's own
cache is not in the list: it is shared between processes (Redis in production).
"""

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

F = TypeVar("F", bound=Callable)

_CLEARS: dict[str, Callable[[], object]] = {}


def register(name: str, clear: Callable[[], object]) -> None:
    """Add one cache to the list; `clear` empties it. The same name again replaces it (a reload)."""
    _CLEARS[name] = clear


def memo(name: str, *, maxsize: int) -> Callable[[F], F]:
    """`functools.lru_cache(maxsize)`, registered under `name`."""

    def decorate(function: F) -> F:
        cached = lru_cache(maxsize=maxsize)(function)
        register(name, cached.cache_clear)
        return cached  # type: ignore[return-value]

    return decorate


def registered() -> list[str]:
    """The names of the caches this process has loaded, in registration order."""
    return list(_CLEARS)


def clear_all() -> None:
    """Empty every registered cache of this process."""
    for clear in _CLEARS.values():
        clear()
