import pytest


@pytest.fixture
def policy_demo(db):
    """API.md's organizations, people and policy (without the slower customer demo)."""
    from leeway.people import demo as people_demo
    from leeway.people.models import Organization
    from leeway.policy import demo as policy_demo_data

    people_demo.load()
    policy_demo_data.load()
    return {org.slug: org for org in Organization.objects.all()}
