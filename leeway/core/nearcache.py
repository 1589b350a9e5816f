"""A per-process memo in front of Django's cache, for the few values every decision reads.

The current policy version, the exchange rates and a team's department are read on every decision.
Through Django's cache each read costs a lock and an unpickling (local memory) or a round trip
(Redis, where `REDIS_URL` is set): three per decision. Here a value read from the cache is kept in
the process for `NEAR_SECONDS` (1 s), so a busy worker asks the cache about once a second per key.

Writes and deletes go through both, so the process that changed something sees it at once; another
process sees it at most `NEAR_SECONDS` later than it would through the cache alone. Values are
shared between requests: treat them as read-only.
"""

import time

from django.core.cache import cache

from leeway.core import caches

NEAR_SECONDS = 1.0

_VALUES: dict[str, tuple[float, object]] = {}
caches.register("core.nearcache", _VALUES.clear)


def near_get(key: str):
    """The value for `key` (None if the cache has none)."""
    now = time.monotonic()
    hit = _VALUES.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = cache.get(key)
    if value is None:
        _VALUES.pop(key, None)
    else:
        _VALUES[key] = (now + NEAR_SECONDS, value)
    return value


def near_set(key: str, value, timeout: float) -> None:
    cache.set(key, value, timeout)
    _VALUES[key] = (time.monotonic() + NEAR_SECONDS, value)


def near_delete(key: str) -> None:
    cache.delete(key)
    _VALUES.pop(key, None)
