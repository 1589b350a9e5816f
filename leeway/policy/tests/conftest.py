import pytest
from django.core.cache import cache

from leeway.policy import snapshot


@pytest.fixture(autouse=True)
def _fresh_policy_caches():
    """Test databases roll back and reuse ids; cached snapshots and rates must not leak between tests."""
    cache.clear()
    snapshot._PARSED.clear()
    yield
    cache.clear()
    snapshot._PARSED.clear()
