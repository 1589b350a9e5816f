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


@pytest.fixture
def policy_demo(db):
    """API.md's organizations, people and policy (without the slower customer demo)."""
    from leeway.people import demo as people_demo
    from leeway.people.models import Organization
    from leeway.policy import demo as policy_demo_data

    people_demo.load()
    policy_demo_data.load()
    return {org.slug: org for org in Organization.objects.all()}
