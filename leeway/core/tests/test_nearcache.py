"""The per-process memo in front of the cache: fresh for a second, and never stale in its own process."""

from unittest import mock

from django.core.cache import cache

from leeway.core.nearcache import NEAR_SECONDS, near_delete, near_get, near_set


def test_a_value_is_kept_for_a_second_then_read_from_the_cache_again():
    clock = mock.Mock(return_value=1000.0)
    with mock.patch("leeway.core.nearcache.time.monotonic", clock):
        near_set("k", 1, 300)
        cache.set("k", 2, 300)  # another process changed it
        assert near_get("k") == 1
        clock.return_value += NEAR_SECONDS + 0.01
        assert near_get("k") == 2


def test_a_delete_in_this_process_is_seen_at_once():
    near_set("k", 1, 300)
    near_delete("k")
    assert near_get("k") is None
    assert cache.get("k") is None


def test_a_missing_value_is_not_remembered():
    assert near_get("absent") is None
    cache.set("absent", 3, 300)
    assert near_get("absent") == 3
