import pytest

from leeway.people.models import Member


@pytest.fixture
def people_demo(db):
    """API.md's organizations and people (without the slower policy and customer demo)."""
    from leeway.people import demo as people_demo_data
    from leeway.people.models import Organization

    people_demo_data.load()
    return {org.slug: org for org in Organization.objects.all()}


@pytest.fixture
def aurora_admin(people_demo):
    return Member.objects.get(username="aurora-admin")


@pytest.fixture
def casa_admin(people_demo):
    return Member.objects.get(username="casa-admin")
